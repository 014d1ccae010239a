import COpenSSL
import Foundation
import XCTest

@testable import HeraldCrypto

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
