import XCTest

@testable import HeraldCrypto

/// RFC 8463 Appendix A, as transcribed in PROTOCOLS.md §1.9: keys, the unsigned message, and the published values.
enum RFC8463 {
    static let ed25519Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
    static let ed25519DNS = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    static let rsaPEM = """
        -----BEGIN RSA PRIVATE KEY-----
        MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
        Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
        KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
        AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
        6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
        zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
        6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
        uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
        WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
        WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
        licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
        o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
        uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
        -----END RSA PRIVATE KEY-----
        """
    static let rsaDNS =
        "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi"
        + "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLz"
        + "BfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
    static let message = Array(
        ("From: Joe SixPack <joe@football.example.com>\r\n"
            + "To: Suzie Q <suzie@shopping.example.net>\r\n"
            + "Subject: Is dinner ready?\r\n"
            + "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
            + "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
            + "\r\n"
            + "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n").utf8)
    static let bodyHash = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
    static let ed25519Signature =
        "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw=="
    static let rsaSignature =
        "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9"
        + "mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8="

    /// PKCS#8 for a raw Ed25519 seed: the fixed 16-byte DER prefix, then the seed (RFC 8410).
    static var ed25519PEM: String {
        let prefix: [UInt8] = [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
        ]
        let der = prefix + (Base64.decode(ed25519Seed) ?? [])
        return "-----BEGIN PRIVATE KEY-----\n\(Base64.encode(der))\n-----END PRIVATE KEY-----\n"
    }

    /// The RFC's tags before `bh=`, including `i=` and `q=` and the spaced `h=` list.
    static func tags(algorithm: String, selector: String) -> [(String, String)] {
        [
            ("v", "1"), ("a", algorithm), ("c", "relaxed/relaxed"), ("d", "football.example.com"),
            ("i", "@football.example.com"), ("q", "dns/txt"), ("s", selector), ("t", "1528637909"),
            ("h", "from : to : subject : date : message-id : from : subject : date"),
        ]
    }
}

final class DKIMTests: XCTestCase {
    func testRFC8463Ed25519SignatureIsReproduced() throws {
        let signer = DKIMSigner(
            domain: "football.example.com", selector: "brisbane", key: try DKIMKey(pem: RFC8463.ed25519PEM))
        let header = signer.sign(RFC8463.message, tags: RFC8463.tags(algorithm: "ed25519-sha256", selector: "brisbane"))
        XCTAssertEqual(tagValues(header)["bh"], RFC8463.bodyHash)
        XCTAssertEqual(tagValues(header)["b"], RFC8463.ed25519Signature)
    }

    func testRFC8463RSASignatureIsReproduced() throws {
        let signer = DKIMSigner(domain: "football.example.com", selector: "test", key: try DKIMKey(pem: RFC8463.rsaPEM))
        let header = signer.sign(RFC8463.message, tags: RFC8463.tags(algorithm: "rsa-sha256", selector: "test"))
        XCTAssertEqual(tagValues(header)["bh"], RFC8463.bodyHash)
        XCTAssertEqual(tagValues(header)["b"], RFC8463.rsaSignature)
    }

    func testSignedHeaderHasTagsInOrderAndOverSignsPresentNamesOnly() throws {
        let message = Array(
            ("Received: from relay\r\nFrom: a@example.com\r\nTo: b@example.net\r\nTo: c@example.net\r\n"
                + "Subject: Hi\r\nDate: Sat, 1 Aug 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n"
                + "List-Unsubscribe: <https://u.example.com/u/t>\r\n"
                + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                + "\r\nbody\r\n").utf8)
        let signer = DKIMSigner(domain: "example.com", selector: "s2026", key: try DKIMKey(pem: RFC8463.ed25519PEM))
        let header = signer.sign(message, time: 1_760_435_706)
        let tags = tagValues(header)
        XCTAssertEqual(tagNames(header), ["v", "a", "c", "d", "s", "t", "h", "bh", "b"])
        XCTAssertEqual(tags["a"], "ed25519-sha256")
        XCTAssertEqual(tags["c"], "relaxed/relaxed")
        XCTAssertEqual(tags["t"], "1760435706")
        XCTAssertEqual(
            tags["h"],
            "from:from:to:to:to:subject:subject:date:date:message-id:list-unsubscribe:list-unsubscribe:"
                + "list-unsubscribe-post:list-unsubscribe-post")
        XCTAssertEqual(signer.sign(message, time: 1_760_435_706), header, "Ed25519 signing is deterministic")
    }

    func testHeaderIsFoldedAtSeventyEightColumnsAndEndsInCRLF() throws {
        let message = Array("From: a@example.com\r\nSubject: x\r\n\r\n".utf8)
        for pem in [RFC8463.ed25519PEM, RFC8463.rsaPEM] {
            let signer = DKIMSigner(domain: "mail.example.com", selector: "sel", key: try DKIMKey(pem: pem))
            let header = signer.sign(message, time: 1)
            XCTAssertTrue(header.hasPrefix("DKIM-Signature: v=1; a="))
            // CR LF is one Character in Swift, so splitting on it leaves a final empty piece for the last CRLF.
            var lines = header.split(separator: "\r\n", omittingEmptySubsequences: false)
            XCTAssertEqual(lines.popLast(), "", "ends in CRLF")
            XCTAssertGreaterThan(lines.count, 1)
            for (index, line) in lines.enumerated() {
                XCTAssertLessThanOrEqual(line.utf8.count, 78, String(line))
                XCTAssertFalse(line.contains("\n") || line.contains("\r"))
                if index > 0 { XCTAssertTrue(line.hasPrefix(" ")) }
            }
            XCTAssertEqual(tagValues(header)["bh"], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        }
    }

    func testHeaderListAlwaysIncludesFromAndDropsInvalidNames() throws {
        let signer = DKIMSigner(
            domain: "example.com", selector: "s", key: try DKIMKey(pem: RFC8463.ed25519PEM),
            headers: ["Subject", "subject", "bad name", "", "x:y"], overSign: [])
        XCTAssertEqual(signer.headers, ["from", "subject"])
        let header = signer.sign(Array("From: a@example.com\r\nSubject: s\r\n\r\n".utf8), time: 1)
        XCTAssertEqual(tagValues(header)["h"], "from:subject")
    }

    func testConcurrentSigningWithOneKeyMatchesSerialSigning() async throws {
        for pem in [RFC8463.ed25519PEM, RFC8463.rsaPEM] {
            let signer = DKIMSigner(domain: "example.com", selector: "s", key: try DKIMKey(pem: pem))
            let message = Array("From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n".utf8)
            let expected = signer.sign(message, time: 42)
            let results = await withTaskGroup(of: String.self) { group in
                for _ in 0..<64 { group.addTask { signer.sign(message, time: 42) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(results, Array(repeating: expected, count: 64))
        }
    }

    private static let foldingWhitespace: Set<Unicode.Scalar> = [" ", "\t", "\r", "\n"]

    /// Tag name to value, unfolded, whitespace removed (as a verifier reads `b=`, `bh=` and `h=`).
    private func tagValues(_ header: String) -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in tagList(header) { values[name] = value }
        return values
    }

    private func tagNames(_ header: String) -> [String] { tagList(header).map(\.0) }

    private func tagList(_ header: String) -> [(String, String)] {
        let value = header.drop { $0 != ":" }.dropFirst()
        return value.split(separator: ";").compactMap { tag in
            let scalars = tag.unicodeScalars.filter { !Self.foldingWhitespace.contains($0) }
            let stripped = String(String.UnicodeScalarView(scalars))
            guard let equals = stripped.firstIndex(of: "=") else { return nil }
            return (String(stripped[..<equals]), String(stripped[stripped.index(after: equals)...]))
        }
    }
}
