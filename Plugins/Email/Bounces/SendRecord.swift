import HeraldPluginAPI

/// What Herald keeps of one send for `bounce_window`, under the id its VERP handle carries: enough to tie a bounce
/// to its message, campaign and stage after the queue has forgotten the message, and the address it went to
/// (a DSN's Final-Recipient may be a forward's target, and a feedback report's is often redacted).
struct SendRecord: Sendable, Equatable {
    var messageID: String
    var address: String
    var campaign: String?
    var stage: String?

    init(messageID: String, address: String, campaign: String? = nil, stage: String? = nil) {
        self.messageID = messageID
        self.address = address
        self.campaign = campaign
        self.stage = stage
    }

    init?(_ value: JSONValue) {
        guard let id = value["message"]?.stringValue, let address = value["to"]?.stringValue else { return nil }
        self.init(messageID: id, address: address, campaign: value["campaign"]?.stringValue, stage: value["stage"]?.stringValue)
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["message": .string(messageID), "to": .string(address)]
        if let campaign { object["campaign"] = .string(campaign) }
        if let stage { object["stage"] = .string(stage) }
        return .object(object)
    }
}
