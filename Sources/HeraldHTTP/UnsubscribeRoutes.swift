import Hummingbird

/// The two handlers behind an unsubscribe link. `POST /u/{token}` is RFC 8058 one-click: a mailbox provider (or the
/// confirmation page's button) posts `List-Unsubscribe=One-Click`, and the recipient is suppressed if the token
/// verifies. `GET /u/{token}` only shows a confirmation page: link scanners and mail-security proxies prefetch every
/// URL in a message, so a GET that unsubscribed would unsubscribe people who never clicked. Neither sets cookies nor
/// redirects (RFC 8058 §3.2). What a token means and how it is signed is the `Unsubscriber`'s business.
extension HTTPRoutes {
    /// Why a token was refused; decides the status, never a 5xx.
    enum TokenRefusal: Error {
        case tooLong
        case unverified

        var status: HTTPResponse.Status { self == .tooLong ? .badRequest : .notFound }
        var reason: String {
            switch self {
            case .tooLong: "This unsubscribe link is malformed.\n"
            case .unverified: "This unsubscribe link is not valid or has expired.\n"
            }
        }
    }

    func unsubscribe(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let token: String
        do throws(TokenRefusal) {
            token = try boundedToken(context)
        } catch {
            return refusalResponse(error, request)
        }
        // The body says `List-Unsubscribe=One-Click`; it is not required (some senders post none) but it is bounded:
        // past `maxBodyBytes` Hummingbird answers 413.
        var request = request
        _ = try await request.collectBody(upTo: Self.maxBodyBytes)
        let verified: UnsubscribeReceipt?
        do {
            verified = try await unsubscriber.unsubscribe(token: token)
        } catch {
            logger.error("cannot record an unsubscribe: \(error)")
            return Self.text(.serviceUnavailable, "The unsubscribe could not be recorded right now; please try again.\n")
        }
        guard let receipt = verified else {
            logger.debug("unsubscribe token did not verify")
            return refusalResponse(.unverified, request)
        }
        logger.info(
            "unsubscribed", metadata: ["to": "\(receipt.maskedRecipient)", "campaign": "\(receipt.campaign ?? "")"])
        if wantsHTML(request) {
            return Self.html(.ok, UnsubscribePage.done(receipt))
        }
        return Self.text(.ok, "Unsubscribed: \(receipt.maskedRecipient) will receive no more of these messages.\n")
    }

    func confirmationPage(_ request: Request, _ context: BasicRequestContext) -> Response {
        do throws(TokenRefusal) {
            guard let receipt = unsubscriber.peek(token: try boundedToken(context)) else {
                throw TokenRefusal.unverified
            }
            return Self.html(.ok, UnsubscribePage.confirm(receipt))
        } catch {
            return Self.html(error.status, UnsubscribePage.invalid(reason: error.reason))
        }
    }

    /// The `{token}` path component, if short enough to be worth verifying.
    private func boundedToken(_ context: BasicRequestContext) throws(TokenRefusal) -> String {
        guard let token = context.parameters.get("token"), !token.isEmpty else { throw .unverified }
        guard token.utf8.count <= Self.maxTokenLength else { throw .tooLong }
        return token
    }

    /// A browser (the confirmation page's button) gets a page back; a mailbox provider gets plain text.
    private func wantsHTML(_ request: Request) -> Bool {
        request.headers[values: .accept].contains { $0.contains("text/html") }
    }

    private func refusalResponse(_ refusal: TokenRefusal, _ request: Request) -> Response {
        wantsHTML(request)
            ? Self.html(refusal.status, UnsubscribePage.invalid(reason: refusal.reason))
            : Self.text(refusal.status, refusal.reason)
    }
}
