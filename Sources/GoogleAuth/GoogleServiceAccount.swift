import HeraldCrypto
import HeraldPluginAPI

/// A Google service account's key file, as the Cloud or Firebase console downloads it: who signs the OAuth
/// assertion (`client_email`, `private_key_id`), with which RSA key, where the assertion is exchanged (`token_uri`)
/// and which project it belongs to (`project_id`: FCM's URL names it; the Data Manager API does not use it). Read
/// once when a plugin starts and by `herald check`; it does not talk to Google (`GoogleTokenSource` does) and keeps
/// none of the file's other members. Shared by the push plugin (FCM) and the audience plugin (Data Manager).
public struct GoogleServiceAccount: Sendable {
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    public var clientEmail: String
    /// The JWT header's `kid`; Google finds the key without it, so a file lacking it still works.
    public var privateKeyID: String?
    public var tokenURI: String
    public var projectID: String
    public var key: RSASigningKey

    /// Reads and checks the file at `path`; every error names the file.
    public init(file path: String) throws(GoogleServiceAccountError) {
        guard let text = readTextFile(path, limit: 64 << 10) else {
            throw GoogleServiceAccountError(
                .unreadableFile, file: path, "cannot be read (missing, unreadable or not UTF-8)")
        }
        try self.init(json: Array(text.utf8), file: path)
    }

    /// Parses the file's contents; `file` only names it in errors.
    public init(json: [UInt8], file: String) throws(GoogleServiceAccountError) {
        let parsed: JSONValue
        do throws(JSONParser.Failure) {
            parsed = try JSONParser.parse(json)
        } catch {
            throw GoogleServiceAccountError(
                .invalidJSON, file: file, "is not JSON (\(error)); expected the service-account key file")
        }
        guard case .object(let members) = parsed else {
            throw GoogleServiceAccountError(.invalidJSON, file: file, "is not a JSON object")
        }
        func string(_ name: String, required: Bool = true) throws(GoogleServiceAccountError) -> String? {
            switch members[name] {
            case .string(let text)? where !text.isEmpty: return text
            case nil where !required: return nil
            case nil: throw GoogleServiceAccountError(.missingMember, file: file, member: name, "is missing")
            default:
                throw GoogleServiceAccountError(.malformedMember, file: file, member: name, "is not a non-empty string")
            }
        }
        if let type = try string("type", required: false), type != "service_account" {
            throw GoogleServiceAccountError(
                .malformedMember, file: file, member: "type",
                "is \"\(type)\", not \"service_account\"; download a key under Project settings > Service accounts "
                    + "(google-services.json is the app's file, not a key)")
        }
        func required(_ name: String) throws(GoogleServiceAccountError) -> String {
            guard let text = try string(name) else {
                throw GoogleServiceAccountError(.missingMember, file: file, member: name, "is missing")
            }
            return text
        }
        clientEmail = try required("client_email")
        projectID = try required("project_id")
        privateKeyID = try string("private_key_id", required: false)
        tokenURI = try string("token_uri", required: false) ?? Self.defaultTokenURI
        guard tokenURI.hasPrefix("https://"), !tokenURI.contains(where: { $0 == " " || $0.isNewline }) else {
            throw GoogleServiceAccountError(.malformedMember, file: file, member: "token_uri", "is not an https:// URL")
        }
        let pem = try required("private_key")
        do {
            key = try RSASigningKey(pem: pem)
        } catch {
            throw GoogleServiceAccountError(
                .invalidKey, file: file, member: "private_key", "is not an RSA PEM key", cause: error.description)
        }
    }
}

/// Why a service-account file cannot be used: a stable code, the file, the member, what is wrong and libcrypto's
/// reason for a bad key. `herald check` prints `description`: "firebase.json: private_key is not an RSA PEM key (…)".
public struct GoogleServiceAccountError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unreadableFile = "unreadable_file"
        case invalidJSON = "invalid_json"
        case missingMember = "missing_member"
        case malformedMember = "malformed_member"
        case invalidKey = "invalid_key"
    }

    public var code: Code
    public var file: String
    /// The JSON member at fault (`private_key`); nil when the file as a whole is.
    public var member: String?
    public var message: String
    public var cause: String?

    public init(_ code: Code, file: String, member: String? = nil, _ message: String, cause: String? = nil) {
        self.code = code
        self.file = file
        self.member = member
        self.message = message
        self.cause = cause
    }

    public var description: String {
        var text = "\(file): " + (member.map { "\($0) \(message)" } ?? message)
        if let cause, !cause.isEmpty { text += " (\(cause))" }
        return text
    }
}
