import HeraldPluginAPI
import HeraldTransport

/// Meta's Custom Audience users edge (PROTOCOLS §6.1): `POST /{version}/{audience_id}/users` adds, `DELETE` on the
/// same path removes; the body is form-encoded `payload={"schema":[…],"data":[[…],…]}` with the multi-key schema
/// of the columns any row of the request uses (an unused column is left out, a missing value is ""). The token
/// goes in the Authorization header, so no body carries it.
enum MetaRequest {
    /// The schema's columns in Meta's names, in a fixed order, with the member's value for each.
    static let columns: [(name: String, value: @Sendable (NormalizedIdentity) -> String?)] = [
        ("EMAIL", { $0.email }), ("PHONE", { $0.phone }), ("FN", { $0.firstName }), ("LN", { $0.lastName }),
        ("CT", { $0.city }), ("ST", { $0.region }), ("ZIP", { $0.postalCode }), ("COUNTRY", { $0.country }),
        ("EXTERN_ID", { $0.externalID }),
    ]

    /// `payload=` and the JSON's fixed parts with every column named: what a request costs beyond its rows.
    static let overhead = 120

    /// A row's encoded size (`["…","…"],`) counting only its own columns: a column another row adds costs this
    /// row 3 more bytes (`"",`), which the overhead's slack and the byte limit's margin absorb.
    static func size(_ member: AudienceMember) -> Int {
        columns.reduce(3) { total, column in
            total + (column.value(member.identity).map { formEncodedCount($0) + 1 } ?? 0)
        }
    }

    static func build(
        _ members: [AudienceMember], audienceID: String, action: AudienceRequest.Action, config: AudienceConfig,
        meta: AudienceConfig.Meta
    ) -> HTTPRequest {
        let used = columns.filter { column in members.contains { column.value($0.identity) != nil } }
        var writer = JSONWriter(reservingCapacity: members.count * 80 + 64)
        writer.object([
            ("schema", .array(used.map { .string($0.name) })),
            ("data", .array(members.map { member in .array(used.map { .string($0.value(member.identity) ?? "") }) })),
        ])
        let body = Array("payload=".utf8) + formEncoded(writer.bytes)
        return HTTPRequest(
            url: "\(config.url)/\(meta.version)/\(audienceID)/users", method: action == .add ? "POST" : "DELETE",
            headers: [
                "Authorization: Bearer \(meta.accessToken)", "Content-Type: application/x-www-form-urlencoded",
                "User-Agent: Herald/1",
            ], body: body, timeout: config.timeout, connectTimeout: config.connectTimeout, caFile: config.caFile,
            captureHeaders: ["x-business-use-case-usage", "x-ad-account-usage", "x-app-usage"])
    }

    /// Bytes a form value may carry as they are. A form parser decodes `%XX` and `+` and takes every other byte
    /// literally, so only the bytes that end or change a value need escaping; the JSON's brackets, quotes and
    /// commas stay readable, and a hashed row costs its 69 bytes, not 81 (Meta's byte limit binds at ~870 rows).
    private static func isLiteral(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "%") && byte != UInt8(ascii: "&")
            && byte != UInt8(ascii: "+") && byte != UInt8(ascii: "=") && byte != UInt8(ascii: "#")
    }

    static func formEncodedCount(_ text: String) -> Int {
        text.utf8.reduce(2) { $0 + (isLiteral($1) ? 1 : 3) }  // with the quotes around a JSON string
    }

    static func formEncoded(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        for byte in bytes {
            if isLiteral(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return out
    }
}
