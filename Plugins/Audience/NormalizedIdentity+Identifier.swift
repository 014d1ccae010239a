extension NormalizedIdentity {
    /// Whether anything is left that names the person: names and places alone match nobody.
    var hasIdentifier: Bool { email != nil || phone != nil || externalID != nil }
}
