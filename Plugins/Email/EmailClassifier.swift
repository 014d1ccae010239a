import HeraldPluginAPI
import HeraldTransport

/// Maps how an SMTP transaction ended to an outcome: one pure function, its whole rule table here and in
/// README.md (PROTOCOLS §1.10). The enhanced status code (RFC 3463, `5.1.1` at the start of the reply text) is
/// read first; the basic code decides where there is none.
///
/// | reply                                                       | outcome                                 |
/// |-------------------------------------------------------------|-----------------------------------------|
/// | accepted (250 after the data)                               | delivered; provider id = "queued as X"  |
/// | 535, 530, 534, 538, 432; x.7.8, x.7.9, x.7.10, x.7.11, x.7.12, x.7.13 | credentialsInvalid (pause the channel) |
/// | 454 (temporary authentication failure)                      | transient                               |
/// | 421; 4.7.x                                                  | throttled (hold the channel)            |
/// | other 4xx; 552 with 5.2.2 or no enhanced code (mailbox full) | transient                              |
/// | 5.1.x (bad mailbox, domain, syntax, moved, null MX), 5.2.1 (disabled); 551, 553 | recipientInvalid   |
/// | other 5xx (550 without 5.1.x, 554, 5.7.1 policy, 5.3.4 size, 5.5.x syntax) | permanent               |
/// | curl 58, 60, 77 (TLS trust), 64 (STARTTLS refused), 67 (login denied) | credentialsInvalid             |
/// | other curl errors without a 4xx/5xx reply (connect, timeout, reset) | transient                        |
enum EmailClassifier {
    static func classify(_ response: SMTPResponse) -> Outcome {
        guard let error = response.error else {
            let reply = response.reply ?? SMTPReply(code: 250, text: "")
            return .delivered(providerID: providerID(reply.text), reply: Reply(code: String(reply.code), text: reply.text))
        }
        guard let smtp = response.reply, smtp.code >= 400 else {
            let reply = Reply(code: error.code, text: error.message)
            if error.isCertificateProblem || error.curlCode == 64 || error.curlCode == 67 {
                return .credentialsInvalid(reply: reply)
            }
            return .transient(reply: reply, retryAfter: nil)
        }
        let reply = Reply(code: String(smtp.code), text: smtp.text)
        let enhanced = EnhancedStatus(smtp.text)
        if smtp.code == 454 { return .transient(reply: reply, retryAfter: nil) }
        if [432, 530, 534, 535, 538].contains(smtp.code)
            || (enhanced.map { $0.subject == 7 && [8, 9, 10, 11, 12, 13].contains($0.detail) } ?? false)
        {
            return .credentialsInvalid(reply: reply)
        }
        if smtp.code < 500 || enhanced?.klass == 4 {
            if smtp.code == 421 || (enhanced.map { $0.klass == 4 && $0.subject == 7 } ?? false) {
                return .throttled(reply: reply, retryAfter: nil)
            }
            return .transient(reply: reply, retryAfter: nil)
        }
        if let enhanced {
            if enhanced.subject == 1 || (enhanced.subject == 2 && enhanced.detail == 1) {
                return .recipientInvalid(reply: reply)
            }
            if smtp.code == 552 && enhanced.subject == 2 && enhanced.detail == 2 {
                return .transient(reply: reply, retryAfter: nil)
            }
            return .permanent(reply: reply)
        }
        switch smtp.code {
        case 551, 553: return .recipientInvalid(reply: reply)
        case 552: return .transient(reply: reply, retryAfter: nil)
        default: return .permanent(reply: reply)
        }
    }

    /// The server's queue id from an acceptance like `2.0.0 Ok: queued as 4XyZ` (Postfix) or
    /// `OK id=1abc-0002` (Exim); nil when the text names none.
    static func providerID(_ text: String) -> String? {
        let words = text.split(separator: " ")
        if let at = words.lastIndex(where: { $0.lowercased() == "as" }), at > 0,
            words[words.index(before: at)].lowercased() == "queued", at + 1 < words.count
        {
            return String(words[at + 1])
        }
        if let id = words.first(where: { $0.hasPrefix("id=") }) { return String(id.dropFirst(3)) }
        return nil
    }
}

/// An RFC 3463 enhanced status code, `class.subject.detail`, read from the start of a reply's text.
struct EnhancedStatus: Equatable {
    var klass: Int
    var subject: Int
    var detail: Int

    init(klass: Int, subject: Int, detail: Int) {
        self.klass = klass
        self.subject = subject
        self.detail = detail
    }

    init?(_ text: String) {
        let head = text.prefix(while: { $0 != " " && $0 != "\t" })
        let parts = head.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let klass = Int(parts[0]), [2, 4, 5].contains(klass),
            let subject = Int(parts[1]), (0...999).contains(subject), let detail = Int(parts[2]), (0...999).contains(detail)
        else { return nil }
        self.klass = klass
        self.subject = subject
        self.detail = detail
    }
}
