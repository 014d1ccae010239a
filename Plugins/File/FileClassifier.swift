#if canImport(Glibc)
import Glibc
#endif
import HeraldPluginAPI

/// Maps a file-system result to an outcome.
///
/// | result                         | outcome            |
/// |--------------------------------|--------------------|
/// | written and renamed            | delivered (id = file name) |
/// | ENOSPC, EDQUOT, EIO, EAGAIN, … | transient          |
/// | EACCES, EPERM, EROFS           | credentialsInvalid (the channel cannot write: fix permissions) |
enum FileClassifier {
    static func classify(_ error: AtomicFile.WriteError?, name: String) -> Outcome {
        guard let error else { return .delivered(providerID: name, reply: Reply(code: "ok", text: "written \(name)")) }
        let reply = Reply(code: "errno:\(error.errno)", text: error.description)
        switch error.errno {
        case EACCES, EPERM, EROFS: return .credentialsInvalid(reply: reply)
        default: return .transient(reply: reply, retryAfter: nil)
        }
    }
}
