/// Parses and prints the durations config files use: "250ms", "30s", "5m", "1h", "1d", or a bare number of seconds.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingSpaces
        guard let split = trimmed.firstIndex(where: { !$0.isNumber && $0 != "." }) else {
            return Double(trimmed).flatMap(Self.seconds)
        }
        guard let number = Double(trimmed[..<split]) else { return nil }
        let seconds: Double
        switch trimmed[split...].trimmingSpaces {
        case "ms": seconds = number / 1000
        case "s": seconds = number
        case "m", "min": seconds = number * 60
        case "h": seconds = number * 3600
        case "d": seconds = number * 86_400
        default: return nil
        }
        return Self.seconds(seconds)
    }

    private static func seconds(_ value: Double) -> Duration? {
        guard value.isFinite, value >= 0 else { return nil }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms % 86_400_000 == 0, ms > 0 { return "\(ms / 86_400_000)d" }
        if ms % 3_600_000 == 0, ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

extension Duration {
    /// Whole milliseconds, rounded toward zero.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    public var seconds: Double { Double(milliseconds) / 1000 }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set`.
    public func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }

    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
