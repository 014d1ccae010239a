import HeraldPluginAPI
import HeraldTransport

/// The `webhook` channel's probe: one unsigned `HEAD` to the channel's `url` and to each named endpoint, each
/// read into one `ProbeResult`. HEAD because it is safe by definition (RFC 9110 §9.2.1: no side effect a
/// receiver may act on), carries no body to sign or to mistake for an event, and needs no route of its own: a
/// receiver that only takes POST still answers it (405 Method Not Allowed, 404, 501 or 401 for the missing
/// signature), which proves the name resolves, the port accepts, TLS verifies and an HTTP server answers there.
/// Targets are shown as scheme, host and port only: a webhook URL's path or query often holds a token.
///
/// | answer                                   | result                                         |
/// |------------------------------------------|------------------------------------------------|
/// | any status below 500 but 410; 501        | ok, with the status                            |
/// | 410                                      | failed (reply): the endpoint is gone           |
/// | other 5xx                                | failed (reply): the receiver is failing        |
/// | curl error                               | failed at its layer (dns, connect, tls, …)     |
enum WebhookProbe {
    /// The channel's targets in a stable order: `url` first, then the named endpoints by name.
    static func targets(_ config: WebhookConfig) -> [(name: String, url: String)] {
        [(name: "url", url: config.url)]
            + config.endpoints.sorted { $0.key < $1.key }.map {
                (name: "endpoints.\($0.key)", url: $0.value)
            }
    }

    static func request(url: String, config: WebhookConfig) -> HTTPRequest {
        HTTPRequest(
            url: url, method: "HEAD", headers: ["User-Agent: Herald/1 (probe)"], timeout: config.timeout,
            connectTimeout: config.connectTimeout, caFile: config.caFile, version: config.version)
    }

    static func result(name: String, url: String, _ answer: Result<HTTPResponse, TransportError>)
        -> ProbeResult
    {
        let target = "\(name) \(origin(url))"
        switch answer {
        case .failure(let error):
            return .failed(
                target, ProbeResult.Step(rawValue: error.layer.rawValue) ?? .reply, error.description)
        case .success(let response):
            let status = response.status
            if status == 410 { return .failed(target, .reply, "HEAD answered 410: the endpoint is gone") }
            if status >= 500 && status != 501 {
                return .failed(target, .reply, "HEAD answered \(status)")
            }
            return .ok(target, "HEAD answered \(status)")
        }
    }

    /// `scheme://host:port` of a URL, without user info, path or query.
    static func origin(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        var authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        return String(url[..<scheme.upperBound]) + authority
    }
}
