/// One mail transaction as the email plugin builds it: where to connect, how to authenticate, the envelope and
/// the finished (DKIM-signed) message. One recipient per transaction, so every reply belongs to one message.
/// Value type, no libcurl in sight.
public struct SMTPRequest: Sendable {
    public enum TLS: Sendable, Equatable {
        /// `smtps://`, or STARTTLS required: the transaction fails rather than go out in clear.
        case required
        /// STARTTLS when the server offers it, clear text otherwise (libcurl's CURLUSESSL_TRY).
        case opportunistic
        /// No STARTTLS: for a relay on loopback or a trusted network only.
        case none
    }

    /// `smtp://host:port/ehlo-name` or `smtps://host:port/ehlo-name`; the path is the EHLO name (PROTOCOLS §1.1).
    public var url: String
    public var tls: TLS
    public var username: String?
    public var password: String?
    /// `AUTH=PLAIN`, `AUTH=LOGIN`, or nil to let libcurl pick the strongest both sides allow.
    public var loginOptions: String?
    /// The envelope sender (`MAIL FROM`), a bare address; bounces go here.
    public var mailFrom: String
    /// The envelope recipient (`RCPT TO`), a bare address.
    public var recipient: String
    /// The complete message with CRLF line endings, not dot-stuffed: libcurl stuffs it on the wire.
    public var message: [UInt8]
    public var timeout: Duration
    public var connectTimeout: Duration
    public var caFile: String?
    /// A new connection instead of a pooled one: for the one retry after a pooled connection turned out dead.
    public var freshConnection: Bool

    public init(
        url: String, tls: TLS = .required, username: String? = nil, password: String? = nil,
        loginOptions: String? = nil, mailFrom: String, recipient: String, message: [UInt8],
        timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10), caFile: String? = nil,
        freshConnection: Bool = false
    ) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
        self.loginOptions = loginOptions
        self.mailFrom = mailFrom
        self.recipient = recipient
        self.message = message
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.caFile = caFile
        self.freshConnection = freshConnection
    }
}

/// A server's reply: the three-digit code and the text after it, the lines of a multi-line reply joined by
/// spaces ("250", "2.0.0 Ok: queued as 4XyZ").
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var text: String

    public init(code: Int, text: String) {
        self.code = code
        self.text = text
    }

    public var description: String { text.isEmpty ? "\(code)" : "\(code) \(text)" }
}

/// How a transaction ended: the last reply the server sent (nil when none came), and libcurl's error when the
/// transaction did not complete. `error == nil` means the message was accepted.
public struct SMTPResponse: Sendable, Equatable {
    public var reply: SMTPReply?
    public var error: TransportError?
    /// The transaction ran on a pooled connection opened for an earlier one.
    public var reusedConnection: Bool

    public init(reply: SMTPReply?, error: TransportError?, reusedConnection: Bool = false) {
        self.reply = reply
        self.error = error
        self.reusedConnection = reusedConnection
    }

    /// A pooled connection that died before the server accepted anything in this transaction (no reply, or the
    /// 421 a server sends as it closes an idle session): nothing reached the server's queue, so sending again on a
    /// new connection cannot duplicate the message.
    public var isStalePooledConnection: Bool {
        guard reusedConnection, reply == nil || reply?.code == 421, let error else { return false }
        // CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY
        return [55, 56, 52, 8].contains(error.curlCode)
    }
}
