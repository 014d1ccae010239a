import HeraldCrypto
import HeraldPluginAPI

/// The SES-over-SNS endpoint's decisions for one POST: parse the SNS envelope, check the topic and the certificate
/// URL, fetch (or reuse) the certificate, verify the signature, then act by `Type`. A Notification's `Message` is
/// decoded and mapped by `SESNotification`; a SubscriptionConfirmation for a configured topic is confirmed by
/// GETting its `SubscribeURL` (after the same host check as the certificate); an UnsubscribeConfirmation is only
/// acknowledged. Not the HTTP layer: `BounceWebhookRoutes` turns the outcome into a response.
struct SNSEndpoint: Sendable {
    enum Outcome: Sendable, Equatable {
        /// A verified notification: these events (possibly none) to report.
        case events([ProviderEvent])
        /// A subscription confirmed by fetching its SubscribeURL.
        case subscribed
        /// A verified UnsubscribeConfirmation: nothing to do.
        case unsubscribed
    }

    var settings: BounceWebhookSettings.SES
    var fetch: @Sendable (_ url: String) async -> Result<[UInt8], WebhookFetchError>
    var certificates = CertificateCache()

    func handle(_ request: PluginHTTPRequest) async throws(WebhookError) -> Outcome {
        let message = try SNSMessage(body: request.body)
        if let header = request.header("x-amz-sns-message-type"), header != message.kind.rawValue {
            throw .malformed(
                "x-amz-sns-message-type says \(header.prefix(40)) but the body's Type is \(message.kind.rawValue)")
        }
        // The topic first: a message from a topic Herald was not told about is refused before any fetch it names.
        guard settings.topicARNs.contains(message.topicARN) else {
            throw .forbidden("TopicArn \(message.topicARN.prefix(256)) is not among the configured topic_arns")
        }
        try settings.urlRule.checkCertificate(message.signingCertURL)
        try message.verify(with: try await certificate(message.signingCertURL))
        switch message.kind {
        case .notification:
            let payload = try WebhookJSON.parse(Array(message.message.utf8), what: "an SES notification in Message")
            return .events(SESNotification.events(payload))
        case .subscriptionConfirmation:
            // `SNSMessage` requires SubscribeURL for confirmations; the fallback only satisfies the type checker.
            let url = message.subscribeURL ?? ""
            try settings.urlRule.checkSubscribe(url)
            if case .failure(let reason) = await fetch(url) {
                throw .upstream("confirming the subscription failed: GET SubscribeURL: \(reason)")
            }
            return .subscribed
        case .unsubscribeConfirmation:
            return .unsubscribed
        }
    }

    private func certificate(_ url: String) async throws(WebhookError) -> X509Certificate {
        if let cached = certificates.certificate(for: url) { return cached }
        switch await fetch(url) {
        case .failure(let reason):
            throw .upstream("fetching the SNS signing certificate failed: \(reason)")
        case .success(let body):
            do throws(CryptoError) {
                let certificate = try X509Certificate(pem: body)
                certificates.store(certificate, for: url)
                return certificate
            } catch {
                // An allowed host serving something that is not a certificate is a broken or hostile setup, not
                // a passing failure: refuse the message rather than ask SNS to retry.
                throw .forbidden("SigningCertURL did not serve a PEM certificate (\(error.code.rawValue))")
            }
        }
    }
}
