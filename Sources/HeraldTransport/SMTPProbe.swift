/// A mail session that sends no mail, for `herald check --probe`: connect, greeting, EHLO, STARTTLS as the
/// request says, AUTH when it carries credentials, one `NOOP`, then `QUIT`, on a connection of its own that is
/// closed afterwards (never pooled, never reused). No `MAIL FROM`, no `RCPT TO`: nothing can be queued by it.
/// Value types, no libcurl in sight; `SMTPProbeTransfer` runs it.
public struct SMTPProbeRequest: Sendable {
    /// `smtp://host:port/ehlo-name` or `smtps://…`, as for a transaction.
    public var url: String
    public var tls: SMTPRequest.TLS
    public var username: String?
    public var password: String?
    public var loginOptions: String?
    public var timeout: Duration
    public var connectTimeout: Duration
    public var caFile: String?

    public init(
        url: String, tls: SMTPRequest.TLS = .required, username: String? = nil, password: String? = nil,
        loginOptions: String? = nil, timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        caFile: String? = nil
    ) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
        self.loginOptions = loginOptions
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.caFile = caFile
    }
}

/// Every reply the server sent during the probe, in order, and libcurl's error if the session did not complete.
public struct SMTPProbeResponse: Sendable, Equatable {
    public var replies: [SMTPReply]
    public var error: TransportError?

    public init(replies: [SMTPReply], error: TransportError?) {
        self.replies = replies
        self.error = error
    }

    /// 235 answers only a successful AUTH (RFC 4954).
    public var authenticated: Bool { replies.contains { $0.code == 235 } }

    /// STARTTLS went ahead: a second 220 after the greeting is the server's go-ahead for the handshake.
    public var startedTLS: Bool { replies.dropFirst().contains { $0.code == 220 } }

    /// The server advertised AUTH in its last EHLO answer (the one after STARTTLS, when TLS was started).
    public var offeredAuth: Bool {
        guard
            let ehlo = replies.last(where: { $0.code == 250 && $0.text.split(separator: " ").count > 1 })
        else {
            return false
        }
        return ehlo.text.split(separator: " ").contains {
            $0.uppercased() == "AUTH" || $0.uppercased().hasPrefix("AUTH=")
        }
    }

    /// The server said goodbye to the QUIT.
    public var quit: Bool { replies.last?.code == 221 }
}
