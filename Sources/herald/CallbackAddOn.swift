import HeraldCore
import HeraldTransport
import ServiceLifecycle

/// `[callbacks]` as a daemon add-on: the core's callback service, sending through the shared libcurl client
/// (HeraldCore has no network code of its own). Nothing when `[callbacks]` is absent.
enum CallbackAddOn {
    static func services(_ runtime: HeraldService.Runtime) -> [any Service] {
        guard let callbacks = runtime.config.callbacks else { return [] }
        let timeout = callbacks.timeout
        return [
            CallbackService(
                ledger: runtime.ledger, url: callbacks.url, secret: callbacks.secret, batch: callbacks.batch,
                events: Set(callbacks.events.map(\.rawValue)), logger: runtime.logger
            ) { url, headers, body in
                switch await HTTPClient.shared.send(HTTPRequest(url: url, headers: headers, body: body, timeout: timeout)) {
                case .success(let response): return response.status
                case .failure: return 0
                }
            }
        ]
    }
}
