import HeraldPluginAPI

/// The HTTP routes through which providers post bounce and complaint events: POST `ses`, `sendgrid`, `mailgun`,
/// `postmark` below the plugin's mount point, one per configured provider. Each handler authenticates the request
/// (`SNSEndpoint`, `SendGridWebhook`, `MailgunWebhook`, `PostmarkWebhook`), maps the events, awaits `report`, and
/// only then answers 200, so a provider retries whatever Herald did not record. Ignored events (deliveries, opens,
/// …) are answered 200 too, or the provider would retry them forever.
///
/// | outcome | status |
/// |---|---|
/// | accepted (events reported, or none to report; SNS confirmation fetched; unsubscribe acknowledged) | 200 |
/// | SendGrid, Mailgun, Postmark: missing or wrong signature or credentials, stale timestamp, replayed token | 401 |
/// | SNS: bad signature or SignatureVersion, certificate URL or SubscribeURL not allowed, unknown TopicArn | 403 |
/// | body is not the provider's JSON | 400 |
/// | SNS: the signing certificate or SubscribeURL could not be fetched | 502 |
/// | body over `maxBody` (1 MiB for SendGrid's batches, 256 KiB otherwise; the core answers) | 413 |
enum BounceWebhookRoutes {
    static let sendGridMaxBody = 1 << 20
    static let maxBody = 256 << 10

    static func routes(
        _ settings: BounceWebhookSettings,
        report: @escaping @Sendable ([ProviderEvent]) async -> Void,
        fetch: @escaping @Sendable (_ url: String) async -> Result<[UInt8], WebhookFetchError>,
        now: @escaping @Sendable () -> Int64 = WebhookClock.now
    ) -> [PluginRoute] {
        var routes: [PluginRoute] = []
        if let ses = settings.ses {
            let endpoint = SNSEndpoint(settings: ses, fetch: fetch)
            routes.append(
                PluginRoute(.post, "ses", maxBody: maxBody) { request in
                    await answer { () async throws(WebhookError) in
                        if case .events(let events) = try await endpoint.handle(request) {
                            await deliver(events, report)
                        }
                    }
                })
        }
        if let sendgrid = settings.sendgrid {
            routes.append(
                PluginRoute(.post, "sendgrid", maxBody: sendGridMaxBody) { request in
                    await answer { () async throws(WebhookError) in
                        try sendgrid.verify(request, now: now())
                        await deliver(try SendGridWebhook.events(request.body), report)
                    }
                })
        }
        if let mailgun = settings.mailgun {
            routes.append(
                PluginRoute(.post, "mailgun", maxBody: maxBody) { request in
                    await answer { () async throws(WebhookError) in
                        let json = try mailgun.verify(request.body, now: now())
                        await deliver(MailgunWebhook.event(json).map { [$0] } ?? [], report)
                    }
                })
        }
        if let postmark = settings.postmark {
            routes.append(
                PluginRoute(.post, "postmark", maxBody: maxBody) { request in
                    await answer { () async throws(WebhookError) in
                        try postmark.verify(request)
                        await deliver(try PostmarkWebhook.event(request.body).map { [$0] } ?? [], report)
                    }
                })
        }
        return routes
    }

    /// Reports only when there is something to report: an empty batch would still cost the caller a write.
    private static func deliver(_ events: [ProviderEvent], _ report: @Sendable ([ProviderEvent]) async -> Void) async {
        if !events.isEmpty { await report(events) }
    }

    /// 200 when `work` finishes, else the status its error names, with the error's words (never an address).
    static func answer(_ work: () async throws(WebhookError) -> Void) async -> PluginHTTPResponse {
        do {
            try await work()
            return .text(200, "ok\n")
        } catch {
            return .text(error.status, error.description + "\n")
        }
    }
}
