import Foundation
import HeraldPluginAPI
import HeraldPluginTesting
import Logging
import XCTest

@testable import FilePlugin

final class FilePluginTests: XCTestCase {
    var directory = ""
    var context: PluginContext { PluginContext(channel: "email", logger: Logger(label: "test"), baseDirectory: directory) }

    override func setUp() {
        directory = NSTemporaryDirectory() + "herald-file-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testWritesOneDocumentPerDelivery() async throws {
        let plugin = try FilePlugin(config: PluginConfig(values: ["directory": .string("out")], scope: "c"), context: context)
        let outcomes = await plugin.deliver([
            PluginConformance.sampleDelivery(id: "a-1"), PluginConformance.sampleDelivery(id: "a-2"),
        ])
        XCTAssertEqual(outcomes.map(\.label), ["delivered", "delivered"])
        let data = try XCTUnwrap(FileManager.default.contents(atPath: directory + "/out/a-2.json"))
        guard case .object(let document) = try JSONParser.parse(Array(data)) else { return XCTFail() }
        XCTAssertEqual(document["id"], .string("a-2"))
        XCTAssertEqual(document["stage"], .string("activation"))
        guard case .object(let content)? = document["content"] else { return XCTFail() }
        XCTAssertEqual(content["subject"], .string("Hello"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory + "/out").filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary files stay behind")
    }

    func testUnwritableDirectoryPausesTheChannel() async throws {
        let plugin = try FilePlugin(config: PluginConfig(values: ["directory": .string("ro")], scope: "c"), context: context)
        chmod(directory + "/ro", 0o500)
        defer { chmod(directory + "/ro", 0o700) }
        guard getuid() != 0 else { throw XCTSkip("root writes anywhere; permission outcome cannot be observed") }
        let outcomes = await plugin.deliver([PluginConformance.sampleDelivery()])
        XCTAssertEqual(outcomes.map(\.label), ["credentials_invalid"])
    }

    func testFullDiskIsTransient() {
        let outcome = FileClassifier.classify(AtomicFile.WriteError(path: "/x", operation: "write", errno: ENOSPC), name: "x")
        XCTAssertEqual(outcome.label, "transient")
    }

    func testUnknownKeyIsRefused() {
        XCTAssertThrowsError(
            try FilePlugin(config: PluginConfig(values: ["directory": .string("o"), "dir": .string("x")], scope: "c"), context: context)
        ) { XCTAssertEqual(($0 as? ConfigError)?.key, "dir") }
    }

    func testSampleConfigBuildsThePlugin() throws {
        var values = try SampleConfig.channelValues(path: #filePath, sample: "Plugins/File/sample.toml")
        values["directory"] = .string(directory + "/sample")
        XCTAssertNoThrow(try FilePlugin(config: PluginConfig(values: values, scope: "sample"), context: context))
    }

    func testConformance() async throws {
        let plugin = try FilePlugin(config: PluginConfig(values: ["directory": .string("c")], scope: "c"), context: context)
        // A name in a directory that does not exist cannot be created: transient, between two that are written.
        // (No cancellation check: the plugin waits on no peer, so there is nothing for a cancel to cut short.)
        let problems = await PluginConformance.check(
            plugin,
            cases: [
                .init(PluginConformance.sampleDelivery(id: "c-1"), expect: "delivered"),
                .init(PluginConformance.sampleDelivery(id: "missing/c-2"), expect: "transient"),
                .init(PluginConformance.sampleDelivery(id: "c-3"), expect: "delivered"),
            ])
        XCTAssertEqual(problems, [])
    }

    func testProbeChecksTheDirectory() async throws {
        let plugin = try FilePlugin(config: PluginConfig(values: ["directory": .string("out")], scope: "c"), context: context)
        let results = await plugin.probe()
        XCTAssertEqual(results, [.ok("directory \(directory)/out", "writable")])
        try FileManager.default.removeItem(atPath: directory + "/out")
        let gone = await plugin.probe()
        XCTAssertEqual(gone.map(\.label), ["failed (local)"])
    }
}
