import HeraldPluginAPI

extension TransportError {
    /// What a request that got no answer means, the same for every HTTP channel: a broken chain of trust does not
    /// mend by itself (credentials invalid, the channel pauses and says so); anything else on the way (DNS,
    /// connect, reset, timeout) is transient.
    public var outcome: Outcome {
        let reply = Reply(code: code, text: message)
        return isCertificateProblem ? .credentialsInvalid(reply: reply) : .transient(reply: reply, retryAfter: nil)
    }
}
