import Foundation

/// What a bounce or a feedback report says, read from the mail (`ParsedMail`): who it is about, in whose words,
/// and the handles that tie it to the message that caused it: the VERP token of the address it was mailed to, and
/// the original's Message-ID. Reads RFC 3464 delivery-status reports (what Postfix, Office 365, Exchange and today's
/// Gmail send), RFC 5965 feedback reports (ARF), Exim's `X-Failed-Recipients` format (every listed recipient
/// failed, classified by the first SMTP reply in the body), and, the documented fallback for the rest (qmail,
/// Sendmail, Yahoo's text NDR), the first SMTP reply in the notification's text. A mail with none of these is
/// `unknown`. Pure.
struct BounceReport: Sendable, Equatable {
    struct Recipient: Sendable, Equatable {
        var address: String
        var action: String?
        var status: String?
        var diagnostic: String?
        var verdict: BounceClassifier.Verdict
    }

    enum Kind: Sendable, Equatable {
        /// A delivery-status report (or Exim's): one entry per recipient.
        case delivery([Recipient])
        /// A complaint: the feedback type (`abuse`, `fraud`, …) and the reported recipient, when not redacted.
        case feedback(type: String, recipient: String?)
        /// Neither: kept for the operator, counted as unattributed.
        case unknown
    }

    var kind: Kind
    /// The token of the VERP address the report was mailed to (or, in ARF, the original's envelope sender).
    var verpToken: String?
    /// The Message-ID of the message it is about, from the returned copy or headers.
    var originalMessageID: String?

    static func read(_ mail: ParsedMail) -> BounceReport {
        let parts = mail.allParts
        let original = parts.first { ["message/rfc822", "text/rfc822-headers"].contains($0.contentType) }?.parts.first
        let messageID = original?.header("message-id")
        var token = verpToken(in: mail)
        if let feedback = parts.first(where: { $0.contentType == "message/feedback-report" }) {
            let fields = ParsedMail.fields(feedback.body)
            func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
            token = token ?? field("original-mail-from").flatMap(VERPToken.token(inAddress:)).map(clean)
            return BounceReport(
                kind: .feedback(type: field("feedback-type")?.lowercased() ?? "abuse", recipient: field("original-rcpt-to").map(address)),
                verpToken: token, originalMessageID: messageID ?? original?.header("message-id"))
        }
        if let status = parts.first(where: { $0.contentType == "message/delivery-status" }) {
            let blocks = ParsedMail.fieldBlocks(status.body)
            let recipients = blocks.compactMap { block -> Recipient? in
                func field(_ name: String) -> String? { block.first { $0.name == name }?.value }
                guard let final = field("final-recipient") ?? field("original-recipient") else { return nil }
                let action = field("action"), code = field("status"), diagnostic = field("diagnostic-code")
                return Recipient(
                    address: address(final), action: action, status: code, diagnostic: diagnostic,
                    verdict: BounceClassifier.classify(action: action, status: code, diagnostic: diagnostic))
            }
            return BounceReport(kind: .delivery(recipients), verpToken: token, originalMessageID: messageID)
        }
        if let failed = mail.header("x-failed-recipients") {
            let diagnostic = smtpReply(in: mail.parts.first?.text ?? mail.text)
            let recipients = failed.split(separator: ",").map { address(String($0)) }.filter { !$0.isEmpty }.map {
                Recipient(
                    address: $0, action: "failed", status: nil, diagnostic: diagnostic,
                    verdict: BounceClassifier.classify(action: "failed", status: nil, diagnostic: diagnostic))
            }
            return BounceReport(kind: .delivery(recipients), verpToken: token, originalMessageID: messageID ?? returnedMessageID(mail))
        }
        // The documented fallback for the rest (qmail, Sendmail transcripts, the text NDRs of Yahoo and older
        // Gmail): the first SMTP reply in the notification's text, about the one recipient the handle names.
        let notification = parts.first { $0.contentType == "text/plain" && $0.parts.isEmpty } ?? mail
        if let diagnostic = smtpReply(in: notification.text) ?? quotedReply(in: notification.text) {
            let recipient = Recipient(
                address: "", action: "failed", status: nil, diagnostic: diagnostic,
                verdict: BounceClassifier.classify(action: "failed", status: nil, diagnostic: diagnostic))
            return BounceReport(kind: .delivery([recipient]), verpToken: token, originalMessageID: messageID ?? returnedMessageID(mail))
        }
        return BounceReport(kind: .unknown, verpToken: token, originalMessageID: messageID)
    }

    /// The token from the address the report was delivered to: Postfix's `Delivered-To` and `X-Original-To`,
    /// Exim's `Envelope-To`, else `To`.
    private static func verpToken(in mail: ParsedMail) -> String? {
        for name in ["delivered-to", "x-original-to", "envelope-to", "to"] {
            for (field, value) in mail.headers where field == name {
                if let token = VERPToken.token(inAddress: address(value)) { return clean(token) }
            }
        }
        return nil
    }

    private static func clean(_ token: String) -> String {
        String(token.prefix { $0.isLetter || $0.isNumber })
    }

    /// `rfc822; ana@example.com` or `Ana <ana@example.com>` → `ana@example.com`.
    static func address(_ text: String) -> String {
        var value = Substring(text)
        if let semicolon = value.firstIndex(of: ";") { value = value[value.index(after: semicolon)...] }
        if let open = value.firstIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            value = value[value.index(after: open)..<close]
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    /// The first line of an SMTP reply in a human-readable bounce (`550 5.1.1 …`), with the lines that continue it.
    static func smtpReply(in text: String) -> String? {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(where: { line in
            line.count >= 4 && ["4", "5"].contains(line.first) && line.prefix(3).allSatisfy(\.isNumber)
                && [" ", "-"].contains(line[line.index(line.startIndex, offsetBy: 3)])
        }) else { return nil }
        return lines[start...].prefix { !$0.isEmpty && !$0.hasPrefix("---") }.prefix(4).joined(separator: " ")
    }

    /// An SMTP reply quoted inside a line (`Remote host said: 550 5.1.1 <…>... User unknown`), only when it carries
    /// an enhanced status code: a bare three-digit number mid-sentence is too often something else.
    static func quotedReply(in text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            let characters = Array(line)
            for start in characters.indices where start + 9 <= characters.count {
                guard ["4", "5"].contains(characters[start]), start == 0 || characters[start - 1] == " ",
                    characters[start + 1].isNumber, characters[start + 2].isNumber, characters[start + 3] == " ",
                    characters[start + 4] == characters[start], characters[start + 5] == "."
                else { continue }
                let rest = String(characters[start...])
                guard BounceClassifier.enhancedCode(in: String(rest.dropFirst(4)))?.first == characters[start] else { continue }
                return rest.trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// Exim and qmail return the original below a marker line in the body, not as a MIME part: the first
    /// `Message-ID:` line of the body is the original's (the bounce's own is a header, not in the body).
    private static func returnedMessageID(_ mail: ParsedMail) -> String? {
        let text = mail.text.replacingOccurrences(of: "\r\n", with: "\n")
        guard let line = text.split(separator: "\n").first(where: { $0.lowercased().hasPrefix("message-id:") }) else { return nil }
        return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces)
    }
}
