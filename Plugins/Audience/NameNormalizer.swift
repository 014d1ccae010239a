/// First and last names as the platforms hash them (PROTOCOLS §6.1, §6.3): lower-cased with Unicode rules, letters
/// of every script kept with their combining marks, punctuation and digits gone, NFC. It does not transliterate or
/// fold script variants (Arabic ي and Persian ی stay different letters).
enum NameNormalizer {
    /// Google drops these from the front of a name (`Mrs. Aminah` → `aminah`).
    static let titles: Set<String> = ["mr", "mrs", "ms", "miss", "dr", "prof"]
    /// Google drops these from the end (`Smith Jr.` → `smith`). Not `md` at the front: in Bangladesh `Md` is
    /// Mohammad, part of the name.
    static let suffixes: Set<String> = ["jr", "sr", "ii", "iii", "iv", "phd", "md"]

    static func normalize(_ raw: String, rule: AudienceRules.Names) -> FieldOutcome {
        let lower = raw.lowercased()
        switch rule {
        case .lettersOnly:
            // Meta's table: no punctuation and, like its SDK, no spaces (`Mary Ann` → `maryann`).
            return .text(letters(lower))
        case .withoutTitles:
            var words = lower.split(whereSeparator: \.isWhitespace).map { letters(String($0)) }.filter { !$0.isEmpty }
            // A lone word is the name itself even if it looks like a title (the surname Ii).
            while words.count > 1, titles.contains(words[0]) { words.removeFirst() }
            while words.count > 1, let last = words.last, suffixes.contains(last) { words.removeLast() }
            return .text(words.joined(separator: " "))
        }
    }

    /// Composed after filtering, because dropping a dot between `e` and a combining accent makes a new pair.
    private static func letters(_ text: String) -> String {
        TextFolding.nfc(TextFolding.keeping(text, TextFolding.isLetterOrMark))
    }
}
