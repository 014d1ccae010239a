import HeraldPluginAPI

/// A sending rate as written in the config: "200/s", "50/min", "3000/h". Stored per second.
public struct Rate: Sendable, Equatable, CustomStringConvertible {
    public var perSecond: Double

    public init(perSecond: Double) {
        self.perSecond = perSecond
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "/").map { $0.trimmingCharacters(in: " ") }
        guard parts.count == 2, let count = Double(parts[0]), count > 0, count.isFinite else { return nil }
        let unit: Double
        switch parts[1] {
        case "s", "sec", "second": unit = 1
        case "m", "min", "minute": unit = 60
        case "h", "hour": unit = 3600
        case "d", "day": unit = 86_400
        default: return nil
        }
        perSecond = count / unit
    }

    public var description: String { "\(perSecond)/s" }
}
