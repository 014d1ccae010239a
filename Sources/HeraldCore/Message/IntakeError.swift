/// Why a spool file was refused, in the shape of its `NAME.error.json`: a stable code, the field at fault (dotted
/// path, `to.email`, `fallback[1]`), and a sentence that says what a good value looks like.
public struct IntakeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJSON = "invalid_json"
        case notObject = "not_object"
        case unknownField = "unknown_field"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        case badValue = "bad_value"
        case badTimestamp = "bad_timestamp"
        case unknownChannel = "unknown_channel"
        case conflict = "conflict"
        case tooLarge = "too_large"
        case notRegularFile = "not_regular_file"
        case notPermitted = "not_permitted"
        case unreadable = "unreadable"
        /// The file's name is not valid UTF-8: it cannot be named in a log line or a message id as it is.
        case badFileName = "bad_file_name"
    }

    public var code: Code
    public var field: String?
    public var detail: String

    public init(_ code: Code, field: String?, _ detail: String) {
        self.code = code
        self.field = field
        self.detail = detail
    }

    public var description: String {
        field.map { "\(code.rawValue) at \($0): \(detail)" } ?? "\(code.rawValue): \(detail)"
    }
}
