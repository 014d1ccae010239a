import HeraldPluginAPI
import HeraldTransport

/// One push service of a channel (APNs, FCM, Web Push): turns the devices of its platform into requests and the
/// answers into one `DeviceResult` each, in order. Never retries or sleeps (the core does); may suspend to get a
/// credential (an FCM access token) before sending.
protocol PushProvider: Sendable {
    /// The `to.push[].platform` it serves.
    var platform: String { get }
    func send(_ items: [PushItem]) async -> [DeviceResult]
}

/// How every provider sends: all requests at once, answers in order — `HTTPClient.shared.send` in production, a
/// fake in tests.
typealias PushSender = HTTPSender

/// One device of one delivery, with what the notification says.
struct PushItem: Sendable {
    var delivery: Delivery
    var device: PushDevice
    var notification: PushNotification
}

/// What one device's push service answered, in the terms the plugin aggregates into the delivery's outcome.
enum DeviceResult: Sendable, Equatable {
    case accepted(providerID: String?, reply: Reply)
    /// The token or subscription is dead: reported as a fact, suppressed, never tried again.
    case dead(reply: Reply)
    /// What this device alone would make of the delivery: transient, throttled, permanent, credentials invalid.
    case failed(Outcome)

    var reply: Reply {
        switch self {
        case .accepted(_, let reply), .dead(let reply): reply
        case .failed(let outcome): outcome.reply
        }
    }
}
