import HeraldPluginAPI

/// How a recipient appears in logs: `a***@example.com` by default, in full only when the operator asked.
public struct RecipientMask: Sendable {
    public var full: Bool

    public init(full: Bool) {
        self.full = full
    }

    public func display(_ recipient: Recipient) -> String? {
        guard let identity = recipient.email ?? recipient.identity else { return nil }
        return full ? identity : Self.mask(identity)
    }

    public static func mask(_ text: String) -> String {
        if let at = text.firstIndex(of: "@") {
            return String(text[..<at].prefix(1)) + "***" + text[at...]
        }
        return String(text.prefix(4)) + "***"
    }
}
