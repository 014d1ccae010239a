/// Signs finished messages with DKIM (RFC 6376; Ed25519 per RFC 8463) as `c=relaxed/relaxed`, producing the
/// `DKIM-Signature` field to prepend. Tags are always `v a c d s t h bh b`: no `l=` (it lets anyone append
/// content) and no `x=`. It does not build, parse or send messages, and never verifies signatures.
/// Safe to use from many threads at once: each call has its own libcrypto context and the key is only read.
public struct DKIMSigner: Sendable {
    /// Everything a receiver shows or acts on, including the RFC 8058 one-click headers (PROTOCOLS.md §1.8–1.9).
    public static let defaultHeaders = [
        "from", "to", "subject", "date", "message-id", "mime-version", "content-type", "list-unsubscribe",
        "list-unsubscribe-post", "reply-to", "cc", "list-id",
    ]

    public let domain: String
    public let selector: String
    public let key: DKIMKey
    /// Lowercased, deduplicated, always including `from` (RFC 6376 requires From to be signed).
    public let headers: [String]
    /// Names listed in `h=` once more than they occur, so a second copy added in transit breaks the signature.
    public let overSign: Set<String>

    /// `domain` and `selector` are emitted as given: the caller validates them as DNS names (no `;`, spaces or
    /// line breaks). Names in `headers` that cannot be field names are ignored.
    public init(
        domain: String, selector: String, key: DKIMKey, headers: [String] = DKIMSigner.defaultHeaders,
        overSign: Set<String> = ["from", "to", "subject", "date", "list-unsubscribe", "list-unsubscribe-post"]
    ) {
        self.domain = domain
        self.selector = selector
        self.key = key
        var names: [String] = []
        for name in ["from"] + headers.map({ DKIMCanonicalization.lowercased($0.utf8) })
        where Self.isFieldName(name) && !names.contains(name) {
            names.append(name)
        }
        self.headers = names
        self.overSign = Set(overSign.map { DKIMCanonicalization.lowercased($0.utf8) })
    }

    /// `message`: the complete RFC 5322 message (header block, empty line, body) with CRLF line endings, before
    /// SMTP dot-stuffing. It must have a From field (the caller builds it); bare-LF messages sign wrongly.
    /// Returns the complete `DKIM-Signature: …` header field, folded at ≤ 78 columns with CRLF + SP, ending in
    /// CRLF, to prepend to the message.
    public func sign(_ message: [UInt8], time: Int64) -> String {
        let present = DKIMCanonicalization.split(message).headers
        let tags = [
            ("v", "1"), ("a", key.algorithm.rawValue), ("c", "relaxed/relaxed"), ("d", domain), ("s", selector),
            ("t", String(time)), ("h", signedNames(present: present).joined(separator: ":")),
        ]
        return sign(message, tags: tags)
    }

    /// `h=`: each configured name as often as it occurs, plus once more if over-signed. An over-signed name that
    /// is absent is listed once, which signs its absence: a relay cannot add a List-Unsubscribe to a receipt.
    func signedNames(present: [DKIMCanonicalization.HeaderField]) -> [String] {
        var counts: [String: Int] = [:]
        for field in present { counts[field.name, default: 0] += 1 }
        return headers.flatMap { name -> [String] in
            let count = counts[name] ?? 0
            return Array(repeating: name, count: count + (overSign.contains(name) ? 1 : 0))
        }
    }

    /// Signs with an explicit tag list (everything before `bh=`, which must include `h`), appending `bh=` and
    /// `b=`. Internal so tests can reproduce signatures that use other tags, such as RFC 8463's `i=` and `q=`.
    func sign(_ message: [UInt8], tags: [(String, String)]) -> String {
        let (fields, body) = DKIMCanonicalization.split(message)
        let bodyHash = Base64.encode(Digest.sha256(DKIMCanonicalization.relaxedBody(body)))
        var folder = DKIMHeaderFolder(fieldName: "DKIM-Signature")
        var selectedNames: [String] = []
        for (name, value) in tags {
            if name == "h" {
                selectedNames = value.split(separator: ":").map(Self.trimmedName).filter { !$0.isEmpty }
                Self.appendHeaderList("h=\(value);", to: &folder)
            } else {
                folder.append("\(name)=\(value);", separator: " ")
            }
        }
        folder.append("bh=\(bodyHash);", separator: " ")
        folder.append("b=", separator: " ", reserve: 8)
        // The signed form of this field is itself with `b=` empty and no CRLF (RFC 6376 §3.7).
        var input = headerHashInput(fields: fields, names: selectedNames)
        input += DKIMCanonicalization.relaxedHeader(Array(folder.text.utf8)[...])
        let signature: [UInt8]
        do {
            signature = try key.signature(over: input)
        } catch {
            // The key signed at load time; failing now means libcrypto ran out of memory.
            preconditionFailure("DKIM signing failed: \(error)")
        }
        folder.appendBreakingAnywhere(Base64.encode(signature))
        return folder.text + "\r\n"
    }

    /// Step 4 of PROTOCOLS.md §1.9: for each name, the last not yet used instance, bottom-up; a name with no
    /// instance left contributes nothing, which is what makes over-signing work.
    private func headerHashInput(fields: [DKIMCanonicalization.HeaderField], names: [String]) -> [UInt8] {
        var used = Set<Int>()
        var input: [UInt8] = []
        for name in names {
            guard let index = fields.indices.last(where: { fields[$0].name == name && !used.contains($0) }) else {
                continue
            }
            used.insert(index)
            input += DKIMCanonicalization.relaxedHeader(fields[index].raw)
            input += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        }
        return input
    }

    /// Folds after any colon as well as at spaces: `h=` allows whitespace around its separators.
    private static func appendHeaderList(_ tag: String, to folder: inout DKIMHeaderFolder) {
        for word in tag.split(separator: " ") {
            var separator = " "
            var piece = ""
            for character in word {
                piece.append(character)
                guard character == ":" else { continue }
                folder.append(piece, separator: separator)
                separator = ""
                piece = ""
            }
            if !piece.isEmpty { folder.append(piece, separator: separator) }
        }
    }

    /// One `h=` entry without the whitespace the tag allows around it, lowercased for matching.
    private static func trimmedName(_ entry: Substring) -> String {
        DKIMCanonicalization.lowercased(entry.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") })
    }

    /// RFC 5322 field names: printable ASCII except the colon.
    private static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { (33...126).contains($0) && $0 != UInt8(ascii: ":") }
    }
}
