/// Assembles SMTP replies from the server lines libcurl hands the header callback: a reply is complete at the
/// line whose code is followed by a space (or nothing) rather than a dash (`250-PIPELINING` … `250 SMTPUTF8`).
/// Lines without a three-digit code are skipped. Pure; shared by mail transactions and probes.
struct SMTPReplyReader {
    private var pendingLines: [Substring] = []

    /// The replies that `text` completes, in order.
    mutating func feed(_ text: Substring) -> [SMTPReply] {
        var replies: [SMTPReply] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let bytes = Array(line.utf8.prefix(4))
            guard bytes.count >= 3, bytes[0...2].allSatisfy({ (48...57).contains($0) }) else { continue }
            pendingLines.append(line.dropFirst(4))
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
                let code = bytes[0...2].reduce(0) { $0 * 10 + Int($1 - 48) }
                replies.append(SMTPReply(code: code, text: pendingLines.joined(separator: " ")))
                pendingLines = []
            }
        }
        return replies
    }
}
