/// A private key parsed from PEM text that can also be read from a file, with every error naming the file.
public protocol PEMKeyFile {
    /// What the key is for, in a missing-file error ("ES256 signing key").
    static var purpose: String { get }
    init(pem: String) throws(CryptoError)
}

extension PEMKeyFile {
    /// Reads `path` and parses it like `init(pem:)`; every error names the file.
    public init(pemFile path: String) throws(CryptoError) {
        let text = try KeyFile.read(path, purpose: Self.purpose)
        do {
            try self.init(pem: text)
        } catch {
            throw error.at(path: path)
        }
    }
}
