/// Which layer a libcurl failure belongs to, for reports that tell an operator where to look (a probe's
/// "failed (tls)"). A reading of libcurl's codes (`curl.h`, PROTOCOLS §0.2), not a retry policy: plugins'
/// classifiers still decide what a failed delivery means.
extension TransportError {
    public enum Layer: String, Sendable, CaseIterable {
        case dns
        case connect
        case tls
        case auth
        case timeout
        /// The peer answered, but not as the protocol expects, or something else went wrong.
        case reply
    }

    public var layer: Layer {
        switch curlCode {
        case 5, 6: return .dns  // COULDNT_RESOLVE_PROXY, COULDNT_RESOLVE_HOST
        case 7, 52, 55, 56: return .connect  // COULDNT_CONNECT, GOT_NOTHING, SEND_ERROR, RECV_ERROR
        case 28: return .timeout  // OPERATION_TIMEDOUT
        // SSL_CONNECT_ERROR, SSL_ENGINE_*, SSL_CERTPROBLEM, SSL_CIPHER, PEER_FAILED_VERIFICATION,
        // USE_SSL_FAILED (STARTTLS refused or not offered), SSL_CACERT_BADFILE, SSL_SHUTDOWN_FAILED,
        // SSL_CRL_BADFILE, SSL_ISSUER_ERROR, SSL_PINNEDPUBKEYNOTMATCH, SSL_INVALIDCERTSTATUS, SSL_CLIENTCERT
        case 35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98: return .tls
        case 67: return .auth  // LOGIN_DENIED
        default: return .reply
        }
    }
}
