import COpenSSL
import Foundation
import XCTest

@testable import HeraldCrypto

/// The other side of what HeraldCrypto produces, written straight against libcrypto so the tests check Herald's
/// output against an implementation that is not Herald's: ES256 and RS256 verification and AES-128-GCM opening.
/// Herald only signs and encrypts, so none of this ships.
enum Libcrypto {
    /// Verifies a JWS ES256 signature (raw R || S) against a 65-byte uncompressed P-256 public key.
    static func verifyES256(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) throws -> Bool {
        guard signature.count == 64 else { return false }
        let key = try P256.importPublicKey(publicKey)
        guard let sig = ECDSA_SIG_new() else { return false }
        defer { ECDSA_SIG_free(sig) }
        let r = BN_bin2bn(signature, 32, nil)
        let s = signature.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + 32, 32, nil) }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else { return false }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return false }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        return verify(key: key.pointer, signature: der, message: message)
    }

    /// Verifies an RS256 signature with the public half of a PEM private key.
    static func verifyRS256(signature: [UInt8], message: [UInt8], privateKeyPEM: String) -> Bool {
        let pem = Array(privateKeyPEM.utf8)
        let key: OpaquePointer? = pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { _ = BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { return false }
        defer { EVP_PKEY_free(key) }
        return verify(key: key, signature: signature, message: message)
    }

    private static func verify(key: OpaquePointer, signature: [UInt8], message: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let ok = EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }

    /// AES-128-GCM open of ciphertext || tag; nil when the tag does not verify.
    static func openAES128GCM(key: [UInt8], nonce: [UInt8], sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 16, let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        var tag = Array(sealed.suffix(16))
        let ciphertext = Array(sealed.dropLast(16))
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written: Int32 = 0
        var total = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_128_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(context, &plaintext, &written, ciphertext, Int32(ciphertext.count)) == 1
        else { return nil }
        total = Int(written)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else { return nil }
        let final = plaintext.withUnsafeMutableBufferPointer {
            EVP_DecryptFinal_ex(context, $0.baseAddress! + total, &written)
        }
        ERR_clear_error()
        guard final == 1 else { return nil }
        return Array(plaintext.prefix(total + Int(written)))
    }
}

/// Helpers the new key tests share.
func assertThrowsCryptoError<T>(
    _ expression: @autoclosure () throws -> T, _ code: CryptoError.Code, mentions texts: [String],
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try expression()
        XCTFail("expected \(code)", file: file, line: line)
    } catch let error as CryptoError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        for text in texts {
            XCTAssertTrue(error.description.contains(text), "\(error) should mention \(text)", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
}

func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

func base64url(_ text: String) -> [UInt8] {
    guard let bytes = Base64.decode(text) else { preconditionFailure("not base64url: \(text)") }
    return bytes
}

extension XCTestCase {
    func temporaryKeyFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "herald-key-test-\(UUID().uuidString).pem"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
