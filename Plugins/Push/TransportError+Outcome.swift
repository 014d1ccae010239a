import HeraldPluginAPI
import HeraldTransport

extension TransportError {
    /// What a request that got no HTTP answer means for its device, the same for every push service: a broken
    /// chain of trust does not mend by itself (credentials invalid, the channel pauses and says so); anything else
    /// on the way (DNS, connect, reset, timeout) is transient.
    var pushOutcome: Outcome {
        let reply = Reply(code: code, text: message)
        return isCertificateProblem ? .credentialsInvalid(reply: reply) : .transient(reply: reply, retryAfter: nil)
    }
}
