import Foundation

/// A file-system operation on the spool or state that failed, with the path and the system's reason.
public enum SpoolError: Error, Sendable, CustomStringConvertible {
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }

    /// No space or quota left: pause and wait, do not give up on the input.
    public var isNoSpace: Bool {
        switch self {
        case .io(_, _, let code): code == ENOSPC || code == EDQUOT
        }
    }
}
