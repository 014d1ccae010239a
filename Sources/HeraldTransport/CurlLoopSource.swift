import Synchronization

/// Where a client's multi loop comes from: the shared one, or one of its own, started on first use. The loop
/// or the reason libcurl could not be set up (then every request fails with that reason).
final class CurlLoopSource: Sendable {
    private let name: String
    private let started: Mutex<Result<CurlMultiLoop, CurlSetupError>?>

    init(_ loop: Result<CurlMultiLoop, CurlSetupError>) {
        name = "herald-curl"
        started = Mutex(loop)
    }

    init(starting name: String) {
        self.name = name
        started = Mutex(nil)
    }

    var loop: Result<CurlMultiLoop, CurlSetupError> {
        started.withLock { started in
            if let started { return started }
            let made = CurlMultiLoop.make(name: name)
            started = made
            return made
        }
    }
}
