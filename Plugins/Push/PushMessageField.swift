import HeraldPluginAPI

/// The message's optional `push` object: what an app's notification shows or carries beyond title, body and url.
/// `custom` reaches the app as string key-values; `data` stays the template variables.
enum PushMessageField {
    static let members = ["badge", "sound", "image", "collapse_id", "thread_id", "content_available", "custom"]

    static let field = MessageField(name: "push") { value in validate(value) }

    static func validate(_ value: JSONValue) -> (path: String, reason: String)? {
        guard case .object(let object) = value else {
            return ("", "must be an object with any of " + members.joined(separator: ", "))
        }
        for name in object.keys.sorted() {
            guard let member = object[name] else { continue }
            switch (name, member) {
            case ("badge", .int(let count)) where count >= 0 && count <= 99_999: continue
            case ("badge", _): return (".badge", "must be a whole number from 0 to 99999")
            case ("sound", .string(let text)) where !text.isEmpty && text.utf8.count <= 256: continue
            case ("sound", _): return (".sound", "must be a sound file name or \"default\"")
            case ("image", .string(let url)) where url.hasPrefix("https://") && !url.contains(" "): continue
            case ("image", _): return (".image", "must be an https:// URL")
            case ("collapse_id", .string(let text)) where !text.isEmpty && text.utf8.count <= 64: continue
            case ("collapse_id", _): return (".collapse_id", "must be a string of 1 to 64 bytes (APNs' limit)")
            case ("thread_id", .string(let text)) where !text.isEmpty && text.utf8.count <= 256: continue
            case ("thread_id", _): return (".thread_id", "must be a string of 1 to 256 bytes")
            case ("content_available", .bool): continue
            case ("content_available", _): return (".content_available", "must be true or false")
            case ("custom", .object(let values)):
                for key in values.keys.sorted() {
                    guard case .string = values[key] else { return (".custom.\(key)", "must be a string (apps receive strings)") }
                    if key == "aps" || key == "from" || key.hasPrefix("google") || key.hasPrefix("gcm") {
                        return (".custom.\(key)", "is reserved by APNs or FCM")
                    }
                }
            case ("custom", _): return (".custom", "must be an object of string values")
            default: return (".\(name)", "unknown member; known: " + members.joined(separator: ", "))
            }
        }
        return nil
    }
}
