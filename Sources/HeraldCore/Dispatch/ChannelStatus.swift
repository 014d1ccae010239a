import HeraldPluginAPI

/// What one lane says about itself to `herald queue` (through STATE/channels.json) and to `/metrics`: the
/// concurrency it runs at now, its ceiling, and its destinations that are down.
public struct ChannelStatus: Sendable, Equatable {
    public struct Down: Sendable, Equatable {
        public var destination: String
        public var since: Int64
        public var nextProbe: Int64
    }

    public var channel: String
    public var limit: Int
    public var maximum: Int
    public var down: [Down] = []

    /// The channels.json member for this channel.
    var jsonValue: JSONValue {
        .object([
            "concurrency": .int(Int64(limit)), "maximum": .int(Int64(maximum)),
            "down": .array(
                down.map {
                    .object([
                        "destination": .string($0.destination), "since": .string(Timestamp.format($0.since)),
                        "next_probe": .string(Timestamp.format($0.nextProbe)),
                    ])
                }),
        ])
    }
}
