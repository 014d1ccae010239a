import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// `[database]`: absent means SQLite; the URL's parts; TLS required to anything but loopback; every bad value
/// names its key.
final class DatabaseConfigTests: XCTestCase {
    private func config(_ database: String) throws -> HeraldConfig {
        try ConfigLoader.parse(
            text: """
                [[channel]]
                name = "email"
                plugin = "file"
                directory = "out"
                \(database.isEmpty ? "" : "[database]\n" + database)
                """, file: "/etc/herald/herald.toml")
    }

    func testAbsentMeansSQLite() throws {
        XCTAssertNil(try config("").database)
    }

    func testTheURLAndDefaults() throws {
        let database = try XCTUnwrap(try config("url = \"postgres://herald@db.shop.example/mail\"\npassword = \"pw\"").database)
        XCTAssertEqual(database.host, "db.shop.example")
        XCTAssertEqual(database.port, 5432)
        XCTAssertEqual(database.user, "herald")
        XCTAssertEqual(database.database, "mail")
        XCTAssertEqual(database.password, "pw")
        XCTAssertEqual(database.tls, .verifyFull)
        XCTAssertEqual(database.lease, .seconds(60))
        let local = try XCTUnwrap(try config("url = \"postgresql://h@127.0.0.1:6543/q\"\ntls = \"disable\"\nhost_name = \"mx-2\"").database)
        XCTAssertEqual(local.port, 6543)
        XCTAssertEqual(local.tls, .disable)
        XCTAssertEqual(local.hostName, "mx-2")
        XCTAssertEqual(try XCTUnwrap(try config("url = \"postgres://h@[::1]:5433/q\"").database).host, "::1")
    }

    func testBadValuesNameTheirKey() {
        let bad: [(String, String)] = [
            ("url = \"mysql://h@db/q\"", "url"),
            ("url = \"postgres://h:secret@db/q\"", "url"),
            ("url = \"postgres://db/q\"", "url"),
            ("url = \"postgres://h@db:99999/q\"", "url"),
            ("url = \"postgres://h@db/\"", "url"),
            ("tls = \"disable\"\nurl = \"postgres://h@db.shop.example/q\"", "tls"),
            ("url = \"postgres://h@db/q\"\ntls = \"maybe\"", "tls"),
            ("url = \"postgres://h@db/q\"\nlease = \"1s\"", "lease"),
            ("url = \"postgres://h@db/q\"\nhost_name = \"a b\"", "host_name"),
            ("url = \"postgres://h@db/q\"\npool = 3", "pool"),
            ("password = \"x\"", "url"),
        ]
        for (table, key) in bad {
            XCTAssertThrowsError(try config(table), table) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(table): \(error)")
            }
        }
    }
}
