/// What one bounced recipient means, from a DSN's `Action`, enhanced `Status` and `Diagnostic-Code` (PROTOCOLS
/// §9.2, after Sisimai's tables). Pure: the rule table is this comment, the README and `BounceClassifierTests`.
///
/// | input | class | reason | suppression |
/// |---|---|---|---|
/// | Action `delivered`, `relayed`, `expanded` | none | — | — |
/// | Action `delayed` (or a 4.x.x status without Action `failed`) | delayed | — | — |
/// | X.7.27 (our *sender* domain has a null MX) | configuration | sender_null_mx | none: alert the operator |
/// | 5.1.1, 5.1.0 with "user unknown"-like text | hard | user_unknown | `hard_bounce` |
/// | 5.1.2, 5.4.4, "host/domain not found" | hard | host_unknown | `hard_bounce` |
/// | 5.1.6, "moved" | hard | has_moved | `hard_bounce` |
/// | 5.1.10 (recipient null MX) | hard | not_accept | `hard_bounce` |
/// | 5.2.2, 4.2.2, "mailbox full", "quota" | soft | mailbox_full | none |
/// | 5.2.1, "disabled", "suspended" | soft | suspend | none |
/// | 5.7.x (policy, authentication, reputation) | soft | blocked | none |
/// | anything else failed | soft | other | none |
///
/// Postfix writes `Status: 5.0.0` when the remote server gave no enhanced code, so a 5.0.0 (or a missing status)
/// is judged by the enhanced code inside the diagnostic, then by its words.
enum BounceClassifier {
    enum Kind: String, Sendable, Equatable {
        case hard, soft, delayed, configuration, none
    }

    struct Verdict: Sendable, Equatable {
        var kind: Kind
        var reason: String
        /// The enhanced status code the verdict rests on (`5.1.1`), when there was one.
        var status: String?
    }

    static func classify(action: String?, status: String?, diagnostic: String?) -> Verdict {
        let action = action?.lowercased().trimmingSpaces
        let text = (diagnostic ?? "").lowercased()
        var code = status.flatMap { enhancedCode(in: $0) }
        if code == nil || code == "5.0.0" || code == "4.0.0" { code = enhancedCode(in: text) ?? code }
        switch action {
        case "delivered", "relayed", "expanded": return Verdict(kind: .none, reason: action ?? "", status: code)
        case "delayed": return Verdict(kind: .delayed, reason: "delayed", status: code)
        default: break
        }
        if let code, code.hasSuffix(".7.27") { return Verdict(kind: .configuration, reason: "sender_null_mx", status: code) }
        if let code, code.hasPrefix("4."), action != "failed" { return Verdict(kind: .delayed, reason: "delayed", status: code) }
        let reason = reason(code: code, text: text)
        let permanent = code.map { $0.hasPrefix("5.") } ?? (action == "failed")
        let hard = permanent && ["user_unknown", "host_unknown", "has_moved", "not_accept"].contains(reason)
        return Verdict(kind: hard ? .hard : .soft, reason: reason, status: code)
    }

    private static func reason(code: String?, text: String) -> String {
        switch code.map({ String($0.dropFirst(2)) }) {
        case "1.1": return "user_unknown"
        case "1.2", "4.4": return "host_unknown"
        case "1.6": return "has_moved"
        case "1.10": return "not_accept"
        case "2.2": return "mailbox_full"
        case "2.1": return "suspend"
        case let detail? where detail.hasPrefix("7."): return "blocked"
        default: break
        }
        let words: [(String, [String])] = [
            ("mailbox_full", ["mailbox full", "mailbox is full", "over quota", "quota exceeded", "insufficient storage"]),
            ("suspend", ["disabled", "suspended", "inactive"]),
            ("user_unknown", [
                "user unknown", "unknown user", "no such user", "does not exist", "mailbox unavailable", "no mailbox",
                "recipient not found", "invalid recipient", "unknown recipient", "address rejected",
            ]),
            ("host_unknown", ["host not found", "domain not found", "host unknown", "no such domain", "name service error"]),
            ("has_moved", ["has moved", "moved permanently"]),
            ("blocked", ["blocked", "blacklisted", "spam", "policy", "reputation"]),
        ]
        for (reason, phrases) in words where phrases.contains(where: text.contains) { return reason }
        return "other"
    }

    /// `5.1.1` from `5.1.1`, `smtp; 550 5.1.1 …`: the first class.subject.detail with a class of 2, 4 or 5.
    static func enhancedCode(in text: String) -> String? {
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            if let code = code(at: index, in: bytes) { return code }
            index += 1
        }
        return nil
    }

    private static func code(at start: Int, in bytes: [UInt8]) -> String? {
        guard [UInt8(ascii: "2"), UInt8(ascii: "4"), UInt8(ascii: "5")].contains(bytes[start]),
            start == 0 || !isDigitOrDot(bytes[start - 1])
        else { return nil }
        var index = start + 1
        var parts = 1
        var digits = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                guard digits > 0 || parts == 1 else { return nil }
                parts += 1
                digits = 0
                if parts > 3 { return nil }
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                digits += 1
                if digits > 3 { return nil }
            } else {
                break
            }
            index += 1
        }
        guard parts == 3, digits > 0 else { return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isDigitOrDot(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
