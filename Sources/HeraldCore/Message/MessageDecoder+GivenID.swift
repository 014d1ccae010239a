import HeraldPluginAPI

/// Writing a derived id into a message before it is spooled: `herald enqueue` derives the id from the file the
/// user named, and the daemon must use that one, not one derived from the spool's own file name.
extension MessageDecoder {
    /// Whether the message names its own `id` (for bytes that decoded as a message).
    public static func hasID(_ bytes: [UInt8]) -> Bool {
        guard case .object(let root)? = try? JSONParser.parse(bytes) else { return false }
        return root["id"] != nil
    }

    /// The same JSON object with `"id": id` as its first member. The bytes decoded as a message, so they hold an
    /// object with at least one member after the first `{`; ids are plain ASCII without quotes or backslashes.
    public static func inserting(id: String, into bytes: [UInt8]) -> [UInt8] {
        guard let brace = bytes.firstIndex(of: UInt8(ascii: "{")) else { return bytes }
        var member = JSONWriter()
        member.string(id)
        var result = Array(bytes[..<bytes.index(after: brace)])
        result += Array("\"id\":".utf8) + member.bytes + [UInt8(ascii: ",")]
        result += bytes[bytes.index(after: brace)...]
        return result
    }
}
