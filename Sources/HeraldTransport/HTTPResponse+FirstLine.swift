extension HTTPResponse {
    /// The first non-empty line of the first 200 bytes of a body: enough for a log line or a reply's text, never a
    /// whole HTML error page. "" when there is none.
    public static func firstLine(of body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return String(text.split(whereSeparator: \.isNewline).first ?? "")
    }

    /// `firstLine(of:)` of this response's body.
    public var firstLine: String { Self.firstLine(of: body) }
}
