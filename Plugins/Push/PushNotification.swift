import HeraldPluginAPI

/// What a notification says and how it behaves, from the rendered content and the message's `push` object (as
/// intake validated it), the same for every provider; each provider's request builder maps it to its own format.
struct PushNotification: Sendable, Equatable {
    var title: String?
    var body: String?
    var url: String?
    var badge: Int?
    var sound: String?
    var image: String?
    var collapseID: String?
    var threadID: String?
    /// A background (silent) push: wakes the app, shows nothing.
    var contentAvailable = false
    /// Key-values for the app (`push.custom`), strings only.
    var custom: [String: String] = [:]
    /// `expires_at` in ms, when the message has one: APNs expiration, FCM/Web Push TTL.
    var expiresAt: Int64?
    /// `high` or `normal` from the message's priority; background pushes are always `normal`.
    var high: Bool

    init(_ delivery: Delivery) {
        title = delivery.content.title ?? delivery.content.subject
        body = delivery.content.body ?? delivery.content.text
        url = delivery.content.url
        high = delivery.metadata.priority == "high"
        expiresAt = delivery.metadata.expiresAt
        guard case .object(let push)? = delivery.fields["push"] else { return }
        if case .int(let count)? = push["badge"] { badge = Int(count) }
        if case .string(let text)? = push["sound"] { sound = text }
        if case .string(let text)? = push["image"] { image = text }
        if case .string(let text)? = push["collapse_id"] { collapseID = text }
        if case .string(let text)? = push["thread_id"] { threadID = text }
        if case .bool(let flag)? = push["content_available"] { contentAvailable = flag }
        if case .object(let values)? = push["custom"] {
            for (key, value) in values { if case .string(let text) = value { custom[key] = text } }
        }
        if contentAvailable { high = false }
    }
}
