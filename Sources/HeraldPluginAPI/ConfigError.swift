/// A configuration mistake, located: which file and line, which table and key, what is wrong and what a good value
/// looks like. `herald check` prints these; `herald run` refuses to start on them (exit 78, EX_CONFIG).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// The table the key belongs to, e.g. `channel "webhook"` or `retry`.
    public var scope: String
    public var key: String
    public var reason: String

    public init(file: String, line: Int?, scope: String, key: String, reason: String) {
        self.file = file
        self.line = line
        self.scope = scope
        self.key = key
        self.reason = reason
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let scoped = scope.isEmpty ? key : "\(scope): \(key)"
        return "\(location): \(scoped): \(reason)"
    }
}
