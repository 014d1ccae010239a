/// What one field's normaliser made of a raw value, before hashing: the text to hash or send, nothing (the value was
/// blank or only punctuation, so there is nothing to match on), or a reason to drop it and tell the sender.
enum FieldOutcome: Sendable, Equatable {
    case value(String)
    case empty
    case problem(AudienceProblem.Reason)

    /// `.empty` for "", so no normaliser can hand on an empty string: the hash of "" would match nobody and
    /// Meta counts it as an invalid entry.
    static func text(_ text: String) -> FieldOutcome {
        text.isEmpty ? .empty : .value(text)
    }
}
