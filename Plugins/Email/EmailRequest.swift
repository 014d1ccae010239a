import HeraldCrypto
import HeraldPluginAPI
import HeraldTransport

/// Turns one delivery into one SMTP transaction: the recipient checked, the MIME message built, List-Unsubscribe
/// added to marketing mail, every configured DKIM signature prepended, the envelope set.
enum EmailRequest {
    /// - Parameter handle: the send's VERP handle, when the channel sets `verp`: it goes in the return path and the
    ///   Message-ID, so a bounce finds its send by either.
    static func build(_ delivery: Delivery, config: EmailConfig, now: Int64, handle: String? = nil) throws(MailFormatError) -> SMTPRequest {
        guard let email = delivery.recipient.email else {
            throw MailFormatError(.invalidAddress, field: "to.email", reason: "the message has no email address for an email channel")
        }
        var to = try MailAddress(parsing: email, field: "to.email")
        to.displayName = delivery.recipient.name
        guard let subject = delivery.content.subject, !subject.isEmpty else {
            throw MailFormatError(.missingBody, field: "content.subject", reason: "an email needs a subject (content.subject or a NAME.email.subject.mustache template)")
        }
        let text = delivery.content.text ?? delivery.content.body
        guard text != nil || delivery.content.html != nil else {
            throw MailFormatError(.missingBody, field: "content.text", reason: "an email needs text or html (content or NAME.email.text/html.mustache)")
        }
        var headers: [(name: String, value: String)] = []
        let custom = delivery.metadata.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        // A message's own Reply-To wins over the channel's.
        if let replyTo = config.replyTo, !custom.contains(where: { $0.name.lowercased() == "reply-to" }) {
            headers.append((name: "Reply-To", value: replyTo.headerValue(fieldName: "Reply-To")))
        }
        if delivery.metadata.category == "marketing", let unsubscribe = config.unsubscribe {
            headers += listUnsubscribe(recipient: to.address, campaign: delivery.metadata.campaign, unsubscribe)
        }
        headers += try MailHeaders.validate(custom)
        let message = MIMEMessage(
            from: config.from, to: to, subject: subject, text: text, html: delivery.content.html, date: now,
            messageID: handle.map { "<\($0).herald@\(config.messageIDDomain)>" } ?? messageID(delivery, domain: config.messageIDDomain),
            extraHeaders: headers)
        var bytes = try message.render(boundary: MIMEMessage.makeBoundary())
        if !config.signers.isEmpty {
            let signatures = config.signers.map { $0.sign(bytes, time: now / 1000) }.joined()
            bytes = Array(signatures.utf8) + bytes
        }
        return SMTPRequest(
            url: config.url, tls: config.tls, username: config.username, password: config.password,
            loginOptions: config.loginOptions,
            mailFrom: handle.flatMap { handle in config.verp.map { $0.prefix + handle + $0.suffix } } ?? config.returnPath, recipient: to.address, message: bytes,
            timeout: config.timeout, connectTimeout: config.connectTimeout, caFile: config.caFile)
    }

    /// RFC 2369 + RFC 8058 one-click: an HTTPS URL carrying a signed token of (recipient, campaign), and the
    /// mailto alternative where configured. Each URI on its own folded line: a token URL does not fit in 78.
    static func listUnsubscribe(recipient: String, campaign: String?, _ unsubscribe: EmailConfig.Unsubscribe) -> [(name: String, value: String)] {
        let token = UnsubscribeToken.make(
            kind: "email", recipient: recipient.lowercased(), campaign: campaign, secret: unsubscribe.secret)
        var value = "<\(unsubscribe.url)/\(token)>"
        if let mailto = unsubscribe.mailto { value += ",\r\n <mailto:\(mailto)?subject=unsubscribe-\(token)>" }
        return [(name: "List-Unsubscribe", value: value), (name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click")]
    }

    /// The same on every attempt of one message, so a receiver that deduplicates by Message-ID drops the copy a
    /// crash may resend. The id's own characters (`:` `@`) are not all legal on the left of a Message-ID: hash it.
    static func messageID(_ delivery: Delivery, domain: String) -> String {
        let left = Hex.lowercase(Digest.sha256(Array((delivery.channel + "\n" + delivery.id).utf8)).prefix(16))
        return "<" + left + ".herald@" + domain + ">"
    }
}
