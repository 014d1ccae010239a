import HeraldCrypto
import Synchronization

/// The SNS signing certificates fetched so far, by URL, so a burst of notifications costs one fetch. Bounded: SNS
/// signs with one certificate per region and rotates it rarely, so a few entries suffice, and past `capacity` the
/// oldest goes (a flood of URLs can only reach here after passing the host rule, i.e. on Amazon's hosts). Only
/// certificates that parsed are kept; a failed fetch is tried again next time. A `Mutex`, not an actor: nothing
/// inside suspends, and two concurrent misses for one URL both fetching is harmless.
final class CertificateCache: Sendable {
    private struct State {
        var certificates: [String: X509Certificate] = [:]
        var order: [String] = []
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 8) {
        self.capacity = max(1, capacity)
    }

    func certificate(for url: String) -> X509Certificate? {
        state.withLock { $0.certificates[url] }
    }

    func store(_ certificate: X509Certificate, for url: String) {
        state.withLock { state in
            if state.certificates.updateValue(certificate, forKey: url) == nil { state.order.append(url) }
            while state.order.count > capacity {
                state.certificates[state.order.removeFirst()] = nil
            }
        }
    }

    var count: Int { state.withLock { $0.certificates.count } }
}
