/// One IMAP or POP3 command as libcurl runs it (PROTOCOLS §9.6): a URL (`imaps://host/INBOX/;UID=42` fetches a
/// mail, `pop3s://host/1` retrieves one) and optionally a custom command (`UID SEARCH UID 101:*`, `STATUS INBOX
/// (UIDVALIDITY UIDNEXT)`, `UIDL`), whose untagged response lines come back as the body. TLS is always required:
/// implicit for `imaps://`/`pop3s://`, STARTTLS/STLS demanded for `imap://`/`pop3://`; only loopback may say
/// otherwise (`allowPlaintext`), for a server on this machine.
public struct MailboxRequest: Sendable {
    public var url: String
    public var command: String?
    public var username: String
    public var password: String
    public var caFile: String?
    public var timeout: Duration
    public var connectTimeout: Duration
    /// A body past this is cut off and the request fails: a bounce mailbox holds bounces, not archives.
    public var maxBytes: Int
    public var allowPlaintext: Bool
    /// Send no body request (POP3 `DELE` wants `NOBODY`).
    public var noBody: Bool
    /// On a connection of its own, closed after: a POP3 session sees the mailbox as it was at login, so a pooled
    /// one would never show new mail.
    public var ownSession: Bool

    public init(
        url: String, command: String? = nil, username: String, password: String, caFile: String? = nil,
        timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10), maxBytes: Int = 10 * 1024 * 1024,
        allowPlaintext: Bool = false, noBody: Bool = false, ownSession: Bool = false
    ) {
        self.url = url
        self.command = command
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBytes = maxBytes
        self.allowPlaintext = allowPlaintext
        self.noBody = noBody
        self.ownSession = ownSession
    }
}

public struct MailboxResponse: Sendable, Equatable {
    public var body: [UInt8]
    public var error: TransportError?

    public init(body: [UInt8], error: TransportError?) {
        self.body = body
        self.error = error
    }
}
