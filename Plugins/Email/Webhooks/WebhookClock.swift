import HeraldPluginAPI

/// The freshness rule the signed webhooks share (SendGrid's timestamp header, Mailgun's signed `timestamp`): a
/// timestamp in whole seconds since the epoch is fresh when it is within `maxAge` of the clock, either way, since a
/// provider's clock can be ahead of ours as well as behind.
enum WebhookClock {
    static func fresh(_ seconds: Int64, now: Int64, maxAge: Duration) -> Bool {
        let window = maxAge.components.seconds
        return seconds >= now - window && seconds <= now + window
    }

    /// Seconds since the epoch, from the wall clock.
    static func now() -> Int64 { HeraldPluginAPI.Clock.nowMillis() / 1000 }
}
