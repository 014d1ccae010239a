import Foundation
import HeraldPluginAPI
import Logging
import XCTest

@testable import HeraldCore

/// One intake scan over a real spool directory: the spool contract (committed files unlinked, refused files moved
/// to `rejected/` with their `.error.json`, duplicates reported) and the exact delivery log lines it writes.
final class IntakeTests: XCTestCase {
    var root = ""
    var layout: SpoolLayout { SpoolLayout(root: root + "/spool") }
    var logPath: String { root + "/log/delivery.log" }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "herald-intake-\(UUID().uuidString)"
        try layout.create()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func makeIntake(store: QueueStore) throws -> Intake {
        let logger = Logger(label: "test")
        return Intake(
            layout: layout, store: store, decoder: MessageDecoder(channels: ["webhook"]),
            settings: .init(batch: 2, rescan: .seconds(5), maxFileSize: 4096, allowedGroups: nil),
            log: try DeliveryLog(path: logPath, logger: logger), mask: RecipientMask(full: false), logger: logger,
            onQueued: {}, onFirstScan: {})
    }

    private func drop(_ name: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: layout.incoming + "/" + name, contents: Data(text.utf8))
    }

    private func message(_ id: String) -> String {
        #"{"id":"\#(id)","channel":"webhook","to":{"email":"ana@example.com"},"campaign":"c\"1","stage":"conversion","#
            + #""content":{"title":"Hi"}}"#
    }

    /// The log lines with their timestamps replaced by `TS`, which depend on the clock.
    private func logLines() throws -> [String] {
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        return text.split(separator: "\n").map {
            String($0).replacing(#/"ts":"[0-9T:.Z-]+"/#, with: #""ts":"TS""#)
        }
    }

    func testScanQueuesRejectsAndReportsDuplicates() throws {
        let store = try QueueStore(directory: root + "/state")
        let intake = try makeIntake(store: store)
        drop("a.json", message("m-1"))
        drop("b.json", #"{"channel":"fax","to":{"email":"a@b.example"},"content":{"text":"x"}}"#)
        drop("c.json", "{not json")
        drop("ignored.tmp", "x")
        XCTAssertEqual(intake.scan(), .done)

        XCTAssertEqual(SpoolFile.list(directory: layout.incoming), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.incoming + "/ignored.tmp"))
        XCTAssertEqual(try store.claim(channel: "webhook", limit: 10, now: .max).map(\.id), ["m-1"])
        let rejected = try FileManager.default.contentsOfDirectory(atPath: layout.rejected).sorted()
        XCTAssertEqual(rejected, ["b.error.json", "b.json", "c.error.json", "c.json"])
        let errorFile = try Data(contentsOf: URL(fileURLWithPath: layout.rejected + "/b.error.json"))
        let error = try JSONParser.parse(Array(errorFile))
        guard case .object(let members) = error else { return XCTFail("not an object") }
        XCTAssertEqual(members["error"], .string("unknown_channel"))
        XCTAssertEqual(members["field"], .string("channel"))
        XCTAssertEqual(members["file"], .string("b.json"))

        drop("again.json", message("m-1"))
        XCTAssertEqual(intake.scan(), .done)
        XCTAssertEqual(SpoolFile.list(directory: layout.incoming), [])

        let lines = try logLines()
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(
            Set(lines.prefix(3)),
            [
                #"{"ts":"TS","id":"m-1","event":"accepted","channel":"webhook","campaign":"c\"1","stage":"conversion","#
                    + #""to":"a***@example.com","file":"a.json"}"#,
                #"{"ts":"TS","event":"rejected","code":"unknown_channel","#
                    + #""detail":"no channel named \"fax\"; configured: webhook","file":"b.json","field":"channel"}"#,
                #"{"ts":"TS","event":"rejected","code":"invalid_json","#
                    + #""detail":"not valid JSON: expected a key string at byte 1","file":"c.json"}"#,
            ])
        XCTAssertEqual(
            lines[3],
            #"{"ts":"TS","id":"m-1","event":"duplicate","channel":"webhook","campaign":"c\"1","stage":"conversion","#
                + #""to":"a***@example.com","detail":"a message with this id is already known; not sent again","#
                + #""file":"again.json"}"#)
    }

    /// Every member of a log line, in the documented order, with the timestamps formatted once per value.
    func testLogEventLine() {
        let event = LogEvent(
            ts: Timestamp.parse("2026-11-23T10:00:00.250Z")!, id: "m", event: .failed, channel: "email", plugin: "smtp",
            attempt: 3, campaign: "c", stage: "s", to: "t", code: "550", detail: "d\n", providerID: "p", latencyMs: 12,
            retryAt: Timestamp.parse("2026-11-23T10:01:00Z")!, file: "f", field: "x")
        var writer = JSONWriter()
        event.write(into: &writer)
        XCTAssertEqual(
            String(decoding: writer.bytes, as: UTF8.self),
            #"{"ts":"2026-11-23T10:00:00.250Z","id":"m","event":"failed","channel":"email","plugin":"smtp","#
                + #""attempt":3,"campaign":"c","stage":"s","to":"t","code":"550","detail":"d\n","provider_id":"p","#
                + #""latency_ms":12,"#
                + #""retry_at":"2026-11-23T10:01:00.000Z","file":"f","field":"x"}"# + "\n")
        var timestamps = TimestampText()
        XCTAssertEqual(timestamps.format(0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(timestamps.format(0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(timestamps.format(1), "1970-01-01T00:00:00.001Z")
    }
}
