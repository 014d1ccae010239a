import HeraldPluginAPI
import HeraldTransport

/// The `smtp` channel's probe: one mail session to the relay that sends no mail (greeting, EHLO, STARTTLS as
/// configured, AUTH when configured, NOOP, QUIT; `SMTPProbeRequest`), read into one `ProbeResult`. Pure apart
/// from `request`, which only builds the value; the session runs in `EmailPlugin.probe()`.
///
/// | session                                              | result                                     |
/// |------------------------------------------------------|--------------------------------------------|
/// | curl 5, 6 (name not resolved)                        | failed (dns)                               |
/// | curl 7, 52, 55, 56 (refused, reset)                  | failed (connect)                           |
/// | curl 35, 58, 60, 64 (STARTTLS refused), 77, …        | failed (tls)                               |
/// | curl 67 (535, 534, … to AUTH)                        | failed (auth), with the server's reply     |
/// | curl 28                                              | failed (timeout)                           |
/// | other curl errors (greeting or EHLO refused, …)      | failed (reply), with the server's reply    |
/// | done, but a username is set and no 235 came          | failed (auth): the server offered no AUTH  |
/// | done                                                 | ok: greeting, TLS, AUTH and QUIT as seen   |
enum EmailProbe {
    static func request(_ config: EmailConfig) -> SMTPProbeRequest {
        SMTPProbeRequest(
            url: config.url, tls: config.tls, username: config.username, password: config.password,
            loginOptions: config.loginOptions, timeout: min(config.timeout, .seconds(30)),
            connectTimeout: config.connectTimeout, caFile: config.caFile)
    }

    static func result(_ response: SMTPProbeResponse, config: EmailConfig) -> ProbeResult {
        let target = config.server
        // The reply that ended the session; a 221 to libcurl's closing QUIT says nothing about the failure.
        let last = response.replies.last { $0.code != 221 }
        if let error = response.error {
            let step = ProbeResult.Step(rawValue: error.layer.rawValue) ?? .reply
            let server = last.map { "; the server said \($0)" } ?? ""
            return .failed(target, step, "\(error.code) \(error.message)\(server)")
        }
        if config.username != nil, !response.authenticated {
            let why = response.offeredAuth ? "AUTH was not accepted" : "the server offered no AUTH"
            return .failed(
                target, .auth, "a username is configured but \(why); mail would go out unauthenticated")
        }
        var steps: [String] = []
        if let greeting = response.replies.first { steps.append("greeting \(greeting)") }
        if config.server.hasPrefix("smtps://") {
            steps.append("implicit TLS")
        } else {
            switch config.tls {
            case .required: steps.append("STARTTLS")
            case .opportunistic:
                steps.append(response.startedTLS ? "STARTTLS" : "no STARTTLS offered: clear text")
            case .none: steps.append("no TLS (starttls = \"none\")")
            }
        }
        if response.authenticated { steps.append("AUTH accepted") }
        steps.append(response.quit ? "QUIT 221" : "closed")
        return .ok(target, steps.joined(separator: ", "))
    }
}
