/// An HTTP request as channel plugins build it: URL, headers, body and limits. Value type, no libcurl in sight.
public struct HTTPRequest: Sendable {
    public enum Version: Sendable {
        /// HTTP/2 when TLS negotiates it, HTTP/1.1 otherwise (libcurl's `CURL_HTTP_VERSION_2TLS`).
        case automatic
        case http1
        /// HTTP/2 even without TLS (prior knowledge), for h2c peers.
        case http2PriorKnowledge
    }

    public var url: String
    public var method: String
    /// Header lines as `Name: value`; the caller has checked them for CR/LF.
    public var headers: [String]
    public var body: [UInt8]
    public var timeout: Duration
    public var connectTimeout: Duration
    /// A PEM bundle of CAs to trust instead of the system's, for private CAs.
    public var caFile: String?
    public var version: Version
    /// Lower-case names of response headers the caller wants back; others are not kept.
    public var captureHeaders: Set<String>

    public init(
        url: String, method: String = "POST", headers: [String] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10), caFile: String? = nil,
        version: Version = .automatic, captureHeaders: Set<String> = []
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.caFile = caFile
        self.version = version
        self.captureHeaders = captureHeaders
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Captured headers, names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]
    /// `Retry-After`, as libcurl parsed it (delay-seconds or HTTP-date), clamped to zero or more.
    public var retryAfter: Duration?

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], retryAfter: Duration? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.retryAfter = retryAfter
    }
}

/// A transfer that got no HTTP answer: libcurl's code (`curl:28`) and its words. Plugins classify it.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var curlCode: Int
    public var message: String

    public init(curlCode: Int, message: String) {
        self.curlCode = curlCode
        self.message = message
    }

    public var code: String { "curl:\(curlCode)" }
    public var description: String { "\(code) \(message)" }

    /// TLS peer verification failed: a trust or configuration problem, not a passing one.
    public var isCertificateProblem: Bool { curlCode == 60 || curlCode == 58 || curlCode == 77 }
}
