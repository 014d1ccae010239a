/// Why a message cannot be turned into a safe RFC 5322 message: which field is wrong, what is wrong with it and what
/// a good value looks like. Thrown by the address parser, the header validator and the MIME builder; the plugin
/// reports it as a permanent failure because resending the same input can never succeed. It is not for transport or
/// SMTP errors, which the classifier handles.
struct MailFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, metric-label-safe kinds, so callers can branch and count without parsing `reason`.
    enum Code: String, Sendable {
        case invalidAddress = "invalid_address"
        case forbiddenCharacter = "forbidden_character"
        case invalidHeaderName = "invalid_header_name"
        case reservedHeader = "reserved_header"
        case invalidHeaderValue = "invalid_header_value"
        case missingBody = "missing_body"
        /// Anything else about the message (a missing subject, recipient, …).
        case invalidMessage = "invalid_message"
    }

    var code: Code
    /// The field as the author wrote it: `to`, `from`, `subject`, `headers.X-Campaign`, …
    var field: String
    /// What is wrong and what a good value looks like.
    var reason: String

    init(_ code: Code = .invalidMessage, field: String, reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    var description: String { "\(field): \(reason)" }
}
