import HeraldPluginAPI

/// Turns claimed queue rows into deliveries for one channel: decodes the stored message, drops what expired,
/// renders templates. What cannot be prepared becomes an outcome right away (expired, or permanent for a
/// template error), so the plugin only ever sees sendable work.
struct DeliveryPreparer: Sendable {
    enum Prepared: Sendable {
        case ready(Delivery, QueueRow, Message)
        case expired(QueueRow, Message?)
        case unsendable(QueueRow, Message?, Reply)
    }

    var channel: String
    var decoder: MessageDecoder
    var templates: TemplateStore

    init(channel: String, decoder: MessageDecoder, templates: TemplateStore) {
        self.channel = channel
        var trusted = decoder
        trusted.trusted = true
        self.decoder = trusted
        self.templates = templates
    }

    func prepare(_ row: QueueRow, now: Int64) -> Prepared {
        var message: Message
        do {
            message = try decoder.decode(row.body, fileName: row.id + ".json")
            // A message without an id got one derived at intake; the stored row's id is the one to keep.
            message.id = row.id
        } catch {
            // Validated at intake; failing now means the config lost a channel it named, or the row is damaged.
            return .unsendable(row, nil, Reply(code: error.code.rawValue, text: "stored message no longer valid: \(error)"))
        }
        if let expiresAt = message.expiresAt, expiresAt <= now { return .expired(row, message) }
        var content = message.content ?? RenderedContent()
        if let template = message.template {
            var extra: [String: Any] = ["id": message.id, "channel": channel]
            if let campaign = message.campaign { extra["campaign"] = campaign }
            if let email = message.to.email { extra["email"] = email }
            if let name = message.to.name { extra["name"] = name }
            do {
                content = try templates.render(template: template, channel: channel, data: message.data, context: extra)
            } catch {
                return .unsendable(row, message, Reply(code: "template", text: error.description))
            }
        }
        let delivery = Delivery(
            id: message.id, attempt: row.attempts + 1, channel: channel, recipient: message.to, content: content,
            metadata: message.metadata, fields: message.pluginFields)
        return .ready(delivery, row, message)
    }
}
