import Foundation
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class TemplateStoreTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "herald-templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "Hi {{first_name}}\n".write(toFile: directory + "/cart.email.subject.mustache", atomically: true, encoding: .utf8)
        try "{{first_name}} & co: {{#items}}{{name}};{{/items}}".write(
            toFile: directory + "/cart.email.text.mustache", atomically: true, encoding: .utf8)
        try "<b>{{first_name}}</b>".write(toFile: directory + "/cart.email.html.mustache", atomically: true, encoding: .utf8)
        try "{{first_name}} {{missing}}".write(toFile: directory + "/broken.webhook.mustache", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testRendersPartsEscapingOnlyHTML() throws {
        let store = TemplateStore(directory: directory)
        let data: JSONValue = .object([
            "first_name": .string("Ana <3"), "items": .array([.object(["name": .string("Serum & Oil")])]),
        ])
        let content = try store.render(template: "cart", channel: "email", data: data, context: [:])
        XCTAssertEqual(content.subject, "Hi Ana <3")
        XCTAssertEqual(content.text, "Ana <3 & co: Serum & Oil;")
        XCTAssertEqual(content.html, "<b>Ana &lt;3</b>")
        XCTAssertNil(content.body)
    }

    func testMissingTemplateAndMissingVariableAreErrors() {
        let store = TemplateStore(directory: directory)
        XCTAssertThrowsError(try store.render(template: "nope", channel: "email", data: nil, context: [:])) {
            XCTAssertTrue("\($0)".contains("no template \"nope\""), "\($0)")
        }
        XCTAssertThrowsError(
            try store.render(template: "broken", channel: "webhook", data: .object(["first_name": .string("A")]), context: [:])
        ) {
            XCTAssertTrue("\($0)".contains("\"missing\""), "\($0)")
        }
    }

    func testTopLevelVariables() {
        XCTAssertEqual(
            MustacheVariables.topLevel(in: "{{a}} {{{b}}} {{& c}} {{#s}}{{x}}{{/s}} {{^t}}{{y}}{{/t}} {{! note}} {{d.e}}"),
            ["a", "b", "c", "d.e"])
    }
}
