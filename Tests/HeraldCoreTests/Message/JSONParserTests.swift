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
