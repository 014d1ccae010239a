import HeraldPluginAPI
import XCTest

final class JSONParserTests: XCTestCase {
    func testValues() throws {
        let value = try JSONParser.parse(Array(#" {"a":[1,-2.5e1,true,false,null,"x\u00e9\ud83d\ude00\n"],"b":{}} "#.utf8))
        XCTAssertEqual(
            value,
            .object([
                "a": .array([.int(1), .double(-25), .bool(true), .bool(false), .null, .string("xé😀\n")]),
                "b": .object([:]),
            ]))
    }

    func testRejects() {
        for text in ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "\"\\x\"", "\"\u{01}\"", "{\"a\" 1}", "[1] 2",
            "\"\\ud800\"", "{\"a\":1,\"a\":2}", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)]
        {
            XCTAssertThrowsError(try JSONParser.parse(Array(text.utf8)), text)
        }
    }

    func testWriterRoundTrip() throws {
        let value: JSONValue = .object(["s": .string("a\"b\\c\u{01}é"), "n": .int(-3), "l": .array([.bool(true), .null])])
        var writer = JSONWriter()
        writer.value(value)
        XCTAssertEqual(try JSONParser.parse(writer.bytes), value)
        XCTAssertEqual(String(decoding: writer.bytes, as: UTF8.self), #"{"l":[true,null],"n":-3,"s":"a\"b\\c\u0001é"}"#)
    }
}

/// The parser's own UTF-8 check, number reading and duplicate detection, held to what the stdlib and the
/// dictionary-based parser did: same acceptance, same values, same failure and position.
final class JSONParserEdgeTests: XCTestCase {
    private func parseString(_ raw: [UInt8]) -> String? {
        guard case .string(let text)? = try? JSONParser.parse([0x22] + raw + [0x22]) else { return nil }
        return text
    }

    /// Every lead byte past ASCII with every possible second byte, and enough third and fourth bytes to hit each
    /// boundary of the UTF-8 table (overlong forms, surrogates, past U+10FFFF, truncated sequences).
    func testUTF8CheckAgreesWithStringValidating() {
        let plain = (UInt8(0x20)...0xFF).filter { $0 != 0x22 && $0 != 0x5C }
        let edges: [UInt8] = [0x41, 0x80, 0xBF, 0xC0]
        var sequences: [[UInt8]] = []
        for lead in UInt8(0x80)...0xFF {
            for second in plain {
                sequences.append([lead, second])
                if lead >= 0xE0 { sequences += edges.map { [lead, second, $0] } }
                if lead >= 0xF0 {
                    sequences += [[lead, second, 0x80, 0x80], [lead, second, 0xBF, 0xBF], [lead, second, 0x80, 0x41]]
                }
            }
        }
        for sequence in sequences {
            let expected = String(validating: sequence, as: UTF8.self)
            XCTAssertEqual(parseString(sequence), expected, "\(sequence.map { String($0, radix: 16) })")
            // After an escape the text goes the slower way; it must agree too.
            XCTAssertEqual(parseString(Array(#"\n"#.utf8) + sequence), expected.map { "\n" + $0 })
        }
    }

    func testInvalidUTF8FailsAfterTheClosingQuote() {
        XCTAssertThrowsError(try JSONParser.parse([0x5B, 0x22, 0x61, 0xC3, 0x22, 0x5D])) { error in
            XCTAssertEqual((error as? JSONParser.Failure)?.description, "invalid UTF-8 at byte 5")
        }
    }

    func testIntegersFitInt64OrBecomeDoubles() throws {
        let cases: [(String, JSONValue)] = [
            ("0", .int(0)), ("-0", .int(0)), ("9223372036854775807", .int(.max)),
            ("-9223372036854775808", .int(.min)), ("9223372036854775808", .double(9_223_372_036_854_775_808)),
            ("-9223372036854775809", .double(-9_223_372_036_854_775_809)), ("12e0", .double(12)),
            ("-1.5", .double(-1.5)),
        ]
        for (text, value) in cases {
            XCTAssertEqual(try JSONParser.parse(Array(text.utf8)), value, text)
        }
    }

    /// Duplicates are found among the first members (compared one by one) and past them (looked up), and reported
    /// at the second key, before anything later in the file is looked at.
    func testDuplicateKeysInSmallAndLargeObjects() throws {
        for count in [1, 2, 15, 16, 17, 40] {
            let members = (0..<count).map { "\"k\($0)\":\($0)" }
            let object = try JSONParser.parse(Array("{\(members.joined(separator: ","))}".utf8))
            let expected = Dictionary(uniqueKeysWithValues: (0..<count).map { ("k\($0)", JSONValue.int(Int64($0))) })
            XCTAssertEqual(object, .object(expected))
            for duplicate in Set([0, count / 2, count - 1]) {
                let prefix = "{\(members.joined(separator: ",")),"
                let text = prefix + "\"k\(duplicate)\":true,]"
                XCTAssertThrowsError(try JSONParser.parse(Array(text.utf8))) { error in
                    XCTAssertEqual(
                        (error as? JSONParser.Failure)?.description,
                        "duplicate key \"k\(duplicate)\" at byte \(prefix.utf8.count)", text)
                }
            }
        }
    }

    /// Keys that are equal as Swift strings (canonically equivalent) are duplicates, as they were in a dictionary.
    func testCanonicallyEquivalentKeysAreDuplicates() {
        XCTAssertThrowsError(try JSONParser.parse(Array(#"{"é":1,"e\u0301":2}"#.utf8)))
        let many = (0..<20).map { "\"k\($0)\":0" }.joined(separator: ",")
        XCTAssertThrowsError(try JSONParser.parse(Array(#"{\#(many),"é":1,"e\u0301":2}"#.utf8)))
    }

    func testNestedObjectsKeepTheirOwnMembers() throws {
        let value = try JSONParser.parse(Array(#"{"a":{"a":{"a":1},"b":2},"b":{"a":3}}"#.utf8))
        XCTAssertEqual(
            value, .object(["a": .object(["a": .object(["a": .int(1)]), "b": .int(2)]), "b": .object(["a": .int(3)])]))
    }
}
