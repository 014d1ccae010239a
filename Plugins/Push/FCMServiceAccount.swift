import HeraldCrypto
import HeraldPluginAPI

/// A Google service account's key file, as the Firebase console downloads it: who signs the OAuth assertion
/// (`client_email`, `private_key_id`), with which RSA key, where the assertion is exchanged (`token_uri`) and which
/// Firebase project messages go to (`project_id`). Read once when the plugin starts and by `herald check`; it does
/// not talk to Google (`FCMTokenSource` does) and keeps none of the file's other members.
struct FCMServiceAccount: Sendable {
    static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    var clientEmail: String
    /// The JWT header's `kid`; Google finds the key without it, so a file lacking it still works.
    var privateKeyID: String?
    var tokenURI: String
    var projectID: String
    var key: RSASigningKey

    /// Reads and checks the file at `path`; every error names the file.
    init(file path: String) throws(FCMServiceAccountError) {
        guard let text = readTextFile(path, limit: 64 << 10) else {
            throw FCMServiceAccountError(
                .unreadableFile, file: path, "cannot be read (missing, unreadable or not UTF-8)")
        }
        try self.init(json: Array(text.utf8), file: path)
    }

    /// Parses the file's contents; `file` only names it in errors.
    init(json: [UInt8], file: String) throws(FCMServiceAccountError) {
        let parsed: JSONValue
        do throws(JSONParser.Failure) {
            parsed = try JSONParser.parse(json)
        } catch {
            throw FCMServiceAccountError(
                .invalidJSON, file: file, "is not JSON (\(error)); expected the service-account key file")
        }
        guard case .object(let members) = parsed else {
            throw FCMServiceAccountError(.invalidJSON, file: file, "is not a JSON object")
        }
        func string(_ name: String, required: Bool = true) throws(FCMServiceAccountError) -> String? {
            switch members[name] {
            case .string(let text)? where !text.isEmpty: return text
            case nil where !required: return nil
            case nil: throw FCMServiceAccountError(.missingMember, file: file, member: name, "is missing")
            default:
                throw FCMServiceAccountError(.malformedMember, file: file, member: name, "is not a non-empty string")
            }
        }
        if let type = try string("type", required: false), type != "service_account" {
            throw FCMServiceAccountError(
                .malformedMember, file: file, member: "type",
                "is \"\(type)\", not \"service_account\"; download a key under Project settings > Service accounts "
                    + "(google-services.json is the app's file, not a key)")
        }
        clientEmail = try string("client_email")!
        projectID = try string("project_id")!
        privateKeyID = try string("private_key_id", required: false)
        tokenURI = try string("token_uri", required: false) ?? Self.defaultTokenURI
        guard tokenURI.hasPrefix("https://"), !tokenURI.contains(where: { $0 == " " || $0.isNewline }) else {
            throw FCMServiceAccountError(.malformedMember, file: file, member: "token_uri", "is not an https:// URL")
        }
        let pem = try string("private_key")!
        do {
            key = try RSASigningKey(pem: pem)
        } catch {
            throw FCMServiceAccountError(
                .invalidKey, file: file, member: "private_key", "is not an RSA PEM key", cause: error.description)
        }
    }
}

/// Why a service-account file cannot be used: a stable code, the file, the member, what is wrong and libcrypto's
/// reason for a bad key. `herald check` prints `description`: "firebase.json: private_key is not an RSA PEM key (…)".
struct FCMServiceAccountError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: String, Sendable {
        case unreadableFile = "unreadable_file"
        case invalidJSON = "invalid_json"
        case missingMember = "missing_member"
        case malformedMember = "malformed_member"
        case invalidKey = "invalid_key"
    }

    var code: Code
    var file: String
    /// The JSON member at fault (`private_key`); nil when the file as a whole is.
    var member: String?
    var message: String
    var cause: String?

    init(_ code: Code, file: String, member: String? = nil, _ message: String, cause: String? = nil) {
        self.code = code
        self.file = file
        self.member = member
        self.message = message
        self.cause = cause
    }

    var description: String {
        var text = "\(file): " + (member.map { "\($0) \(message)" } ?? message)
        if let cause, !cause.isEmpty { text += " (\(cause))" }
        return text
    }
}
