import HeraldPluginAPI
import Logging
import XCTest

@testable import EmailPlugin

/// Loopback is decided by parsing the address, not by its text, and AUTH never goes out in clear to anything else.
final class LoopbackHostTests: XCTestCase {
    func testHostsAreParsedNotPrefixMatched() {
        let loopback = ["127.0.0.1", "127.8.9.10", "127.255.255.255", "::1", "[::1]", "0:0:0:0:0:0:0:1",
                        "::ffff:127.0.0.1", "[::ffff:127.0.0.2]", "localhost", "LocalHost", "localhost."]
        let remote = ["127.example.com", "127.0.0.1.example.com", "localhost.example.com", "128.0.0.1", "10.0.0.1",
                      "0.0.0.0", "::", "::2", "::ffff:10.0.0.1", "::127.0.0.1", "127.1", "0x7f.0.0.1", "", "[::1",
                      "fe80::1%lo", "relay.example.com"]
        for host in loopback { XCTAssertTrue(LoopbackHost.contains(host), host) }
        for host in remote { XCTAssertFalse(LoopbackHost.contains(host), host) }
    }

    func testURLHosts() {
        XCTAssertEqual(LoopbackHost.host(ofURL: "smtp://[::1]:2525"), "[::1]")
        XCTAssertEqual(LoopbackHost.host(ofURL: "http://user:pw@127.0.0.1:8080/u?x=1"), "127.0.0.1")
        XCTAssertEqual(LoopbackHost.host(ofURL: "http://127.0.0.1.evil.example/u"), "127.0.0.1.evil.example")
        XCTAssertNil(LoopbackHost.host(ofURL: "127.0.0.1"))
        XCTAssertTrue(LoopbackHost.contains(url: "smtp://localhost:25"))
        XCTAssertFalse(LoopbackHost.contains(url: "http://localhost.evil.example/u"))
        XCTAssertFalse(LoopbackHost.contains(url: "http://127.0.0.1@evil.example/u"), "user info is not the host")
    }

    /// A username with STARTTLS that can fall back (opportunistic) or is off (none) is refused unless the relay
    /// is loopback by address; required STARTTLS and smtps:// are fine anywhere.
    func testAuthInClearOnlyToLoopback() throws {
        let context = PluginContext(channel: "email", logger: Logger(label: "test"), baseDirectory: "/tmp")
        func config(_ url: String, _ starttls: String?) throws -> EmailConfig {
            var values: [String: ConfigValue] = [
                "url": .string(url), "from": .string("News <n@shop.example>"), "username": .string("u"),
                "password": .string("p"),
            ]
            if let starttls { values["starttls"] = .string(starttls) }
            return try EmailConfig(PluginConfig(values: values, scope: "c"), context: context)
        }
        for url in ["smtp://relay.example:587", "smtp://127.example.com:587", "smtp://[::2]:25"] {
            for starttls in ["opportunistic", "none"] {
                XCTAssertThrowsError(try config(url, starttls), "\(url) \(starttls)") { error in
                    XCTAssertEqual((error as? ConfigError)?.key, "starttls")
                }
            }
            XCTAssertNoThrow(try config(url, "required"))
        }
        XCTAssertNoThrow(try config("smtps://relay.example:465", nil))
        for url in ["smtp://127.0.0.1:25", "smtp://[::1]:25", "smtp://localhost:25", "smtp://[::ffff:127.0.0.1]:25"] {
            let loopback = try config(url, "opportunistic")
            XCTAssertTrue(loopback.loopback, url)
            XCTAssertEqual(loopback.server, url)
        }
    }

    /// http:// one-click URLs are for loopback development only, decided the same way.
    func testPlainHTTPUnsubscribeURLOnlyOnLoopback() {
        let context = PluginContext(channel: "email", logger: Logger(label: "test"), baseDirectory: "/tmp")
        func config(_ unsubscribe: String) throws -> EmailConfig {
            try EmailConfig(
                PluginConfig(
                    values: [
                        "url": .string("smtp://127.0.0.1:25"), "starttls": .string("none"),
                        "from": .string("News <n@shop.example>"), "unsubscribe_url": .string(unsubscribe),
                        "unsubscribe_secret": .string("0123456789abcdef"),
                    ], scope: "c"), context: context)
        }
        XCTAssertNoThrow(try config("http://127.0.0.1:8025/u"))
        XCTAssertNoThrow(try config("http://localhost:8025/u"))
        XCTAssertThrowsError(try config("http://127.0.0.1.evil.example/u"))
        XCTAssertThrowsError(try config("http://localhost.evil.example/u"))
    }
}
