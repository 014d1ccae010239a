import Foundation
import HeraldCrypto
import HeraldPluginAPI
import XCTest

@testable import HeraldCore

final class PolicyConfigTests: XCTestCase {
    static let secretBytes = [UInt8](repeating: 7, count: 32)
    let secret = "whsec_" + Base64.encode(PolicyConfigTests.secretBytes)

    var full: String {
        """
        spool = "/tmp/spool"

        [policy]
        quiet_hours = { start = "21:00", end = "08:00" }
        default_timezone = "Asia/Kuala_Lumpur"
        quiet_jitter = "15m"
        frequency_cap = [ { max = 3, per = "1d" }, { max = 1, per = "4h", channel = "push" } ]
        on_cap = "defer"
        suppression_import_max = 5000

        [http]
        listen = "[::1]:8025"
        public_url = "https://shop.example/"

        [callbacks]
        url = "https://crm.example.com/hooks/herald-events"
        secret = "\(secret)"
        events = ["delivered", "failed", "quiet_hours"]
        batch = 50
        timeout = "5s"

        [[channel]]
        name = "email"
        plugin = "file"
        directory = "out"
        fallback = ["push"]
        fallback_after = 3
        adaptive_concurrency = true

        [[channel]]
        name = "push"
        plugin = "file"
        directory = "push"
        """
    }

    func testParsesEveryKey() throws {
        let config = try ConfigLoader.parse(text: full, file: "/etc/herald/herald.toml", credentialsDirectory: nil)
        let policy = config.policy
        XCTAssertEqual(
            policy.quietHours,
            QuietHours(start: 21 * 60, end: 8 * 60, defaultTimezone: "Asia/Kuala_Lumpur", jitter: .seconds(900)))
        XCTAssertEqual(policy.defaultTimezone, "Asia/Kuala_Lumpur")
        XCTAssertEqual(policy.quietJitter, .seconds(900))
        XCTAssertEqual(
            policy.frequencyCap.rules,
            [.init(max: 3, per: .seconds(86_400)), .init(max: 1, per: .seconds(4 * 3600), channel: "push")])
        XCTAssertEqual(policy.onCap, .defer)
        XCTAssertEqual(policy.suppressionImportMax, 5000)
        XCTAssertEqual(
            config.http, HeraldConfig.HTTP(listen: .init(host: "::1", port: 8025), publicURL: "https://shop.example"))
        XCTAssertEqual(config.http?.listen.description, "[::1]:8025")
        var callbacks = HeraldConfig.Callbacks(
            url: "https://crm.example.com/hooks/herald-events", secret: Self.secretBytes,
            events: [.delivered, .failed, .quietHours], batch: 50, timeout: .seconds(5))
        callbacks.secretIsInline = true
        XCTAssertEqual(config.callbacks, callbacks)
        let email = config.channel(named: "email")
        XCTAssertEqual(email?.fallback, ["push"])
        XCTAssertEqual(email?.fallbackAfter, 3)
        XCTAssertEqual(email?.adaptiveConcurrency, true)
        XCTAssertEqual(email?.pluginConfig.values, ["directory": .string("out")], "core keys are not the plugin's")
        let push = config.channel(named: "push")
        XCTAssertEqual(push?.fallback, [])
        XCTAssertNil(push?.fallbackAfter)
        XCTAssertEqual(push?.adaptiveConcurrency, false)
    }

    func testDefaults() throws {
        let text =
            "[[channel]]\nname = \"email\"\nplugin = \"file\"\n[policy]\n[callbacks]\nurl = \"http://127.0.0.1:9/h\"\n"
        let config = try ConfigLoader.parse(text: text, file: "h.toml", credentialsDirectory: nil)
        XCTAssertEqual(config.policy, HeraldConfig.Policy())
        XCTAssertNil(config.policy.quietHours)
        XCTAssertEqual(config.policy.defaultTimezone, "UTC")
        XCTAssertEqual(config.policy.quietJitter, .seconds(600))
        XCTAssertTrue(config.policy.frequencyCap.isEmpty)
        XCTAssertEqual(config.policy.onCap, .drop)
        XCTAssertEqual(config.policy.suppressionImportMax, 1_000_000)
        XCTAssertNil(config.http)
        XCTAssertEqual(config.callbacks, HeraldConfig.Callbacks(url: "http://127.0.0.1:9/h"))
        XCTAssertEqual(config.callbacks?.events, [.delivered, .failed, .suppressed, .capped, .fallback, .expired, .reply, .bounced, .complained])
        XCTAssertNil(config.callbacks?.secret)
        XCTAssertEqual(config.callbacks?.batch, 100)
        XCTAssertEqual(config.callbacks?.timeout, .seconds(10))
        let bare = try ConfigLoader.parse(text: "[[channel]]\nname = \"a\"\nplugin = \"file\"\n", file: "h.toml")
        XCTAssertNil(bare.callbacks)
        XCTAssertEqual(bare.channels[0].fallback, [])
    }

    /// (replace this, with that, the key the error must name, in which table).
    func testRejectsBadValues() {
        let cases: [(String, String, String, String)] = [
            ("start = \"21:00\"", "start = \"25:00\"", "quiet_hours.start", "policy"),
            ("end = \"08:00\"", "end = \"21:00\"", "quiet_hours.end", "policy"),
            ("end = \"08:00\"", "end = \"8am\"", "quiet_hours.end", "policy"),
            (", end = \"08:00\" }", " }", "quiet_hours.end", "policy"),
            ("end = \"08:00\" }", "end = \"08:00\", zone = \"UTC\" }", "quiet_hours.zone", "policy"),
            ("{ start = \"21:00\", end = \"08:00\" }", "\"21-08\"", "quiet_hours", "policy"),
            ("\"Asia/Kuala_Lumpur\"", "\"Mars/Olympus_Mons\"", "default_timezone", "policy"),
            ("\"Asia/Kuala_Lumpur\"", "\"+08:00\"", "default_timezone", "policy"),
            ("quiet_jitter = \"15m\"", "quiet_jitter = \"7h\"", "quiet_jitter", "policy"),
            ("{ max = 3, per = \"1d\" }", "{ max = 0, per = \"1d\" }", "frequency_cap[0].max", "policy"),
            ("{ max = 3, per = \"1d\" }", "{ per = \"1d\" }", "frequency_cap[0].max", "policy"),
            ("{ max = 3, per = \"1d\" }", "{ max = 3 }", "frequency_cap[0].per", "policy"),
            ("{ max = 3, per = \"1d\" }", "{ max = 3, per = \"daily\" }", "frequency_cap[0].per", "policy"),
            ("{ max = 3, per = \"1d\" }", "{ max = 3, per = \"10s\" }", "frequency_cap[0].per", "policy"),
            ("{ max = 3, per = \"1d\" }", "{ max = \"3\", per = \"1d\" }", "frequency_cap[0].max", "policy"),
            ("{ max = 3, per = \"1d\" }", "{ max = 3, per = \"1d\", every = 2 }", "frequency_cap[0].every", "policy"),
            ("{ max = 3, per = \"1d\" }", "3", "frequency_cap[0]", "policy"),
            ("channel = \"push\" }", "channel = \"sms\" }", "frequency_cap[1].channel", "policy"),
            ("on_cap = \"defer\"", "on_cap = \"later\"", "on_cap", "policy"),
            ("suppression_import_max = 5000", "suppression_import_max = 0", "suppression_import_max", "policy"),
            ("on_cap = \"defer\"", "on_cap = \"defer\"\nquiet = true", "quiet", "policy"),
            ("[policy]", "[polcy]", "polcy", ""),
            ("\"[::1]:8025\"", "\"127.0.0.1\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"127.0.0.1:0\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"127.0.0.1:65536\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"::1:8025\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"[::1]8025\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"[fe80::zz]:8025\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"999.0.0.1:8025\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"shop example:8025\"", "listen", "http"),
            ("\"[::1]:8025\"", "\"127.0.0.1:80x\"", "listen", "http"),
            ("listen = \"[::1]:8025\"\n", "", "listen", "http"),
            ("\"https://shop.example/\"", "\"ftp://shop.example\"", "public_url", "http"),
            ("public_url", "base_url", "base_url", "http"),
            ("\"https://crm.example.com/hooks/herald-events\"", "\"http//crm.example.com\"", "url", "callbacks"),
            ("\"https://crm.example.com/hooks/herald-events\"", "\"https://crm.example.com/a b\"", "url", "callbacks"),
            ("url = \"https://crm.example.com/hooks/herald-events\"\n", "", "url", "callbacks"),
            (secret, "whsec_c2hvcnQ=", "secret", "callbacks"),
            (secret, "whsec_not base64!", "secret", "callbacks"),
            (secret, "whsec_" + Base64.encode([UInt8](repeating: 1, count: 65)), "secret", "callbacks"),
            ("secret = ", "secret_file = \"/nonexistent/herald-secret\"\nsecret = ", "secret", "callbacks"),
            ("secret = \"\(secret)\"", "secret_file = \"/nonexistent/herald-secret\"", "secret_file", "callbacks"),
            ("\"quiet_hours\"]", "\"opened\"]", "events", "callbacks"),
            ("[\"delivered\", \"failed\", \"quiet_hours\"]", "[]", "events", "callbacks"),
            ("[\"delivered\", \"failed\", \"quiet_hours\"]", "\"delivered\"", "events", "callbacks"),
            ("batch = 50", "batch = 0", "batch", "callbacks"),
            ("batch = 50", "batch = 1001", "batch", "callbacks"),
            ("timeout = \"5s\"", "timeout = \"1h\"", "timeout", "callbacks"),
            ("fallback = [\"push\"]", "fallback = [\"sms\"]", "fallback", "channel \"email\""),
            ("fallback = [\"push\"]", "fallback = [\"email\"]", "fallback", "channel \"email\""),
            ("fallback = [\"push\"]", "fallback = [\"push\", \"push\"]", "fallback", "channel \"email\""),
            ("fallback = [\"push\"]", "fallback = \"push\"", "fallback", "channel \"email\""),
            ("fallback = [\"push\"]", "fallback = [1]", "fallback", "channel \"email\""),
            ("fallback_after = 3", "fallback_after = 0", "fallback_after", "channel \"email\""),
            ("fallback_after = 3", "fallback_after = 101", "fallback_after", "channel \"email\""),
            (
                "adaptive_concurrency = true", "adaptive_concurrency = \"yes\"", "adaptive_concurrency",
                "channel \"email\""
            ),
        ]
        for (old, new, key, scope) in cases {
            XCTAssertTrue(full.contains(old), "the fixture lacks \(old)")
            let text = full.replacingOccurrences(of: old, with: new)
            do {
                _ = try ConfigLoader.parse(text: text, file: "h.toml", credentialsDirectory: nil)
                XCTFail("accepted: \(new)")
            } catch {
                XCTAssertEqual(error.key, key, "\(new): \(error)")
                XCTAssertEqual(error.scope, scope, "\(new): \(error)")
                XCTAssertTrue(error.description.hasPrefix("h.toml"), error.description)
                // Errors point at the line of the key, or of the table or inline table it belongs in.
                if let line = error.line {
                    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                    let written = line <= lines.count ? String(lines[line - 1]) : ""
                    let stem = key.prefix { $0 != "." && $0 != "[" }
                    XCTAssertTrue(written.hasPrefix(String(stem)), "\(new): line \(line) is \(written)")
                } else {
                    XCTAssertTrue(["polcy", "listen", "url"].contains(key), "\(new): no line in \(error)")
                }
            }
        }
    }

    func testListenAddresses() {
        let cases: [(String, String?, Int?)] = [
            ("127.0.0.1:8025", "127.0.0.1", 8025), ("0.0.0.0:80", "0.0.0.0", 80), ("[::1]:8025", "::1", 8025),
            ("[::]:65535", "::", 65535), ("localhost:8025", "localhost", 8025),
            ("herald-1.internal.example:1", "herald-1.internal.example", 1), (":8025", nil, nil), ("[::1]:", nil, nil),
            ("-bad.example:80", nil, nil), ("127.0.0.1:+80", nil, nil), ("127.0.0.1:080000", nil, nil),
        ]
        for (text, host, port) in cases {
            let address = HeraldConfig.ListenAddress(text)
            XCTAssertEqual(address?.host, host, text)
            XCTAssertEqual(address?.port, port, text)
        }
    }

    /// A bare `secret_file` name is a systemd credential; a path with a slash is relative to the config.
    func testSecretFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-policy-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory + "/etc", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try (secret + "\n").write(toFile: directory + "/callback-secret", atomically: true, encoding: .utf8)
        try secret.write(toFile: directory + "/etc/local-secret", atomically: true, encoding: .utf8)
        let bare = full.replacingOccurrences(of: "secret = \"\(secret)\"", with: "secret_file = \"callback-secret\"")
        let fromCredentials = try ConfigLoader.parse(
            text: bare, file: directory + "/etc/herald.toml", credentialsDirectory: directory)
        XCTAssertEqual(fromCredentials.callbacks?.secret, Self.secretBytes)
        let relative = full.replacingOccurrences(of: "secret = \"\(secret)\"", with: "secret_file = \"./local-secret\"")
        let fromConfigDirectory = try ConfigLoader.parse(
            text: relative, file: directory + "/etc/herald.toml", credentialsDirectory: directory)
        XCTAssertEqual(fromConfigDirectory.callbacks?.secret, Self.secretBytes)
        XCTAssertThrowsError(
            try ConfigLoader.parse(text: bare, file: directory + "/etc/herald.toml", credentialsDirectory: nil)
        ) { error in
            XCTAssertEqual((error as? ConfigError)?.key, "secret_file")
        }
    }
}
