import Foundation
import HeraldPluginAPI

/// The small readers the provider mappings share: parsing a body into JSON with a 400-class error, a member as text
/// whatever its JSON type (SendGrid's `status` is a string, Mailgun's `code` a number), and a Message-ID put in the
/// `<…>` form Herald's own headers use. Not a schema layer: each mapping reads only the members it needs.
enum WebhookJSON {
    static func parse(_ body: [UInt8], what: String) throws(WebhookError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .malformed("the body is not JSON (\(error)); expected \(what)")
        }
    }

    /// A string member, or a number written as text; nil for null, absent, empty or other types.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)? where !text.isEmpty: text
        case .int(let number)?: String(number)
        case .double(let number)?: String(number)
        default: nil
        }
    }

    /// `<id@host>` from `id@host` or `<id@host>`, trimmed; nil when empty.
    static func messageID(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
        return trimmed.hasPrefix("<") ? trimmed : "<" + trimmed + ">"
    }
}
