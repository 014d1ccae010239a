import HeraldPluginAPI
import XCTest

final class TimestampTests: XCTestCase {
    func testParsesRFC3339Forms() {
        XCTAssertEqual(Timestamp.parse("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(Timestamp.parse("2026-11-23T10:00:01.234Z"), 1_795_428_001_234)
        XCTAssertEqual(Timestamp.parse("2026-11-23T18:00:01.234+08:00"), 1_795_428_001_234)
        XCTAssertEqual(Timestamp.parse("2026-11-23T04:15:01.234-05:45"), 1_795_428_001_234)
        XCTAssertEqual(Timestamp.parse("2024-02-29T00:00:00Z"), 1_709_164_800_000)
    }

    func testRejectsMalformed() {
        for text in ["2026-11-23", "2026-11-23T10:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
            "2026-11-23T24:00:00Z", "2026-11-23T10:00:00+0800", "2026-11-23T10:00:00.Z", "x026-11-23T10:00:00Z"]
        {
            XCTAssertNil(Timestamp.parse(text), text)
        }
    }

    func testFormatRoundTrips() {
        for millis: Int64 in [0, 1_795_428_001_234, 951_782_400_000, 4_102_444_799_999] {
            XCTAssertEqual(Timestamp.parse(Timestamp.format(millis)), millis)
        }
        XCTAssertEqual(Timestamp.format(1_795_428_001_234), "2026-11-23T10:00:01.234Z")
    }
}
