import HeraldPluginAPI

/// One delivery as the JSON document the `file` channel writes: everything a real channel would have sent.
enum FileRequest {
    static func document(_ delivery: Delivery) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 1024)
        let metadata = delivery.metadata
        writer.object([
            ("id", .string(delivery.id)), ("channel", .string(delivery.channel)),
            ("attempt", .int(Int64(delivery.attempt))), ("to", delivery.recipient.jsonValue), ("content", delivery.content.jsonValue),
            ("campaign", metadata.campaign.map(JSONValue.string)), ("stage", metadata.stage.map(JSONValue.string)),
            ("trigger", metadata.trigger.map(JSONValue.string)), ("category", .string(metadata.category)),
            ("headers", metadata.headers.isEmpty ? nil : .object(metadata.headers.mapValues(JSONValue.string))),
            ("data", metadata.data),
        ])
        writer.raw("\n")
        return writer.bytes
    }
}
