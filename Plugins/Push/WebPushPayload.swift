import HeraldCrypto
import HeraldPluginAPI

/// The plaintext a browser's service worker receives in its `push` event: one small JSON object,
/// `{"title","body","url","image","badge","tag","data"}` with absent members left out (`tag` is `collapse_id`,
/// `data` is `push.custom`). It must fit one 4096-byte record (`WebPushCipher.maximumPlaintext`); the size is
/// checked here, before anything is encrypted or sent. Not the request (`WebPushRequest`) and not encryption.
enum WebPushPayload {
    static func json(_ notification: PushNotification) -> [UInt8] {
        let data: JSONValue? =
            notification.custom.isEmpty ? nil : .object(notification.custom.mapValues(JSONValue.string))
        var writer = JSONWriter(reservingCapacity: 256)
        writer.object([
            ("title", notification.title.map(JSONValue.string)),
            ("body", notification.body.map(JSONValue.string)),
            ("url", notification.url.map(JSONValue.string)),
            ("image", notification.image.map(JSONValue.string)),
            ("badge", notification.badge.map { .int(Int64($0)) }),
            ("tag", notification.collapseID.map(JSONValue.string)), ("data", data),
        ])
        return writer.bytes
    }

    /// Why a payload cannot go, naming the limit; nil when it fits.
    static func oversize(_ payload: [UInt8]) -> String? {
        guard payload.count > WebPushCipher.maximumPlaintext else { return nil }
        return
            "the Web Push payload is \(payload.count) bytes; at most \(WebPushCipher.maximumPlaintext) bytes "
            + "fit one 4096-byte encrypted message; shorten title, body or push.custom, or send a URL to fetch"
    }
}
