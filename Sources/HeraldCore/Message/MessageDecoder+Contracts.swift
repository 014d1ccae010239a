import HeraldPluginAPI

/// The part of decoding that runs plugins' declarations (`ChannelContract`) for the message's channel and its
/// fallback channels: their own fields and the recipient fields they need. The rules are the plugins'; this file
/// only applies them and names the field.
extension MessageDecoder {
    /// `extras` are the top-level members some plugin declares; each must be declared by a channel on this
    /// message's route, and each declaring plugin's validator must accept it.
    func checkPluginFields(_ extras: [String: JSONValue], route: [(String, ChannelContract)]) throws(IntakeError)
        -> [String: JSONValue]
    {
        try checkDeclared(extras, declared: \.fields, path: "", missing: "needs this field", route: route)
    }

    /// The `to` members plugins declare (`to.chat`), by the same rules.
    func checkRecipientExtensions(_ extensions: [String: JSONValue], route: [(String, ChannelContract)]) throws(IntakeError)
        -> [String: JSONValue]
    {
        try checkDeclared(extensions, declared: \.recipientExtensions, path: "to.", missing: "sends to this", route: route)
    }

    /// Members that plugins declare in `declared`, named `path + name` in errors: a channel on the route that
    /// requires one gets it, each is declared by a channel on the route, and each declaring plugin's validator
    /// accepts it.
    private func checkDeclared(
        _ values: [String: JSONValue], declared: KeyPath<ChannelContract, [MessageField]>, path: String, missing: String,
        route: [(String, ChannelContract)]
    ) throws(IntakeError) -> [String: JSONValue] {
        for (channel, contract) in route {
            for field in contract[keyPath: declared] where field.required && values[field.name] == nil {
                throw IntakeError(.missingField, field: path + field.name, "channel \(channel) \(missing)")
            }
        }
        guard !values.isEmpty else { return [:] }
        for name in values.keys.sorted() {
            guard let value = values[name] else { continue }
            let owners = route.filter { $0.1[keyPath: declared].contains { $0.name == name } }
            guard !owners.isEmpty else {
                throw IntakeError(
                    .unknownField, field: path + name,
                    "no channel on this message's route (\(route.map(\.0).joined(separator: ", "))) takes this field")
            }
            if trusted { continue }
            for (_, contract) in owners {
                for field in contract[keyPath: declared] where field.name == name {
                    if let problem = field.validate(value) {
                        throw IntakeError(.badValue, field: path + name + problem.path, problem.reason)
                    }
                }
            }
        }
        return values
    }

    /// Every channel on the route must be able to reach the recipient (a fallback to email needs `to.email`), and
    /// each plugin's own check of the recipient must pass.
    static func checkRecipientFields(_ recipient: Recipient, route: [(String, ChannelContract)]) throws(IntakeError) {
        for (name, contract) in route where !contract.recipientFields.isEmpty {
            guard contract.recipientFields.contains(where: { $0.isSet(in: recipient) }) else {
                let needed = contract.recipientFields.map { "to.\($0.rawValue)" }.joined(separator: " or ")
                throw IntakeError(.missingField, field: "to", "channel \(name) sends to \(needed); the message has none")
            }
        }
        for (name, contract) in route {
            if let problem = contract.recipient?(recipient) {
                throw IntakeError(.badValue, field: "to" + problem.path, "channel \(name): \(problem.reason)")
            }
        }
    }
}
