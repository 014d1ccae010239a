/// The names one JSON object of a message may use, as an enum: `Fields` sorts an object's members by these once,
/// instead of hashing a name for every field it reads. Each type keeps its `NameTable` in a `static let`.
protocol FieldName: RawRepresentable, CaseIterable, Sendable, Equatable where RawValue == String {
    static var table: NameTable<Self> { get }
}

/// Finds a `FieldName` by its text, comparing the text only with the names as long as it, without hashing it
/// (`Self(rawValue:)` compares with every name in turn, a dictionary hashes). Comparing lengths first is exact
/// here: the names are ASCII letters and `_` (a test checks), and no other text is canonically equivalent to
/// those, so no string of another length can equal one.
struct NameTable<Name: FieldName>: Sendable {
    private let names: [String]
    private let lengths: [Int]
    private let cases: [Name]

    init() {
        cases = Array(Name.allCases)
        names = cases.map(\.rawValue)
        lengths = names.map(\.utf8.count)
    }

    func name(_ text: String) -> Name? {
        let length = text.utf8.count
        for index in lengths.indices where lengths[index] == length && names[index] == text {
            return cases[index]
        }
        return nil
    }
}
