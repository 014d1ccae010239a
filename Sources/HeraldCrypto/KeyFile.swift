#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a small PEM key file into a string with the system's reason when that fails, so `DKIMKey(pemFile:)` and
/// the push signing keys can say "No such file or directory" rather than "invalid key". Not a general file reader:
/// it refuses anything larger than a key file could be, so a mistyped path such as `/dev/zero` cannot stall startup.
enum KeyFile {
    /// A 4096-bit RSA PEM is about 3.3 KB; 64 KiB leaves room for comments and a certificate chain.
    static let maximumSize = 64 * 1024

    /// `purpose` names the key in messages ("DKIM key", "APNs signing key").
    static func read(_ path: String, purpose: String) throws(CryptoError) -> String {
        guard let file = fopen(path, "rb") else {
            throw CryptoError(
                .unreadableFile,
                "cannot open the \(purpose) file; give the path of a PEM private key readable by "
                    + "the daemon", path: path, cause: systemError())
        }
        defer { fclose(file) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            contents.append(contentsOf: chunk.prefix(count))
            guard contents.count <= maximumSize else {
                throw CryptoError(
                    .unreadableFile,
                    "the \(purpose) file is larger than 64 KiB; expected a single PEM private key", path: path)
            }
            if count < chunk.count { break }
        }
        guard ferror(file) == 0 else {
            throw CryptoError(
                .unreadableFile, "cannot read the \(purpose) file; give the path of a PEM private key file",
                path: path, cause: systemError())
        }
        return String(decoding: contents, as: UTF8.self)
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
