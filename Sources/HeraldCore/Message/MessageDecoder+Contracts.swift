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
        for (channel, contract) in route {
            for field in contract.fields where field.required && extras[field.name] == nil {
                throw IntakeError(.missingField, field: field.name, "channel \(channel) needs this field")
            }
        }
        guard !extras.isEmpty else { return [:] }
        for name in extras.keys.sorted() {
            guard let value = extras[name] else { continue }
            let owners = route.filter { $0.1.fields.contains { $0.name == name } }
            guard !owners.isEmpty else {
                throw IntakeError(
                    .unknownField, field: name,
                    "no channel on this message's route (\(route.map(\.0).joined(separator: ", "))) takes this field")
            }
            if trusted { continue }
            for (_, contract) in owners {
                for field in contract.fields where field.name == name {
                    if let problem = field.validate(value) {
                        throw IntakeError(.badValue, field: name + problem.path, problem.reason)
                    }
                }
            }
        }
        return extras
    }

    /// The `to` members plugins declare: each must be declared by a channel on the route and pass its validator,
    /// and a channel that requires one gets it.
    func checkRecipientExtensions(_ extensions: [String: JSONValue], route: [(String, ChannelContract)]) throws(IntakeError)
        -> [String: JSONValue]
    {
        for (channel, contract) in route {
            for field in contract.recipientExtensions where field.required && extensions[field.name] == nil {
                throw IntakeError(.missingField, field: "to." + field.name, "channel \(channel) sends to this")
            }
        }
        for name in extensions.keys.sorted() {
            guard let value = extensions[name] else { continue }
            let owners = route.filter { $0.1.recipientExtensions.contains { $0.name == name } }
            guard !owners.isEmpty else {
                throw IntakeError(
                    .unknownField, field: "to." + name,
                    "no channel on this message's route (\(route.map(\.0).joined(separator: ", "))) takes this field")
            }
            if trusted { continue }
            for (_, contract) in owners {
                for field in contract.recipientExtensions where field.name == name {
                    if let problem = field.validate(value) {
                        throw IntakeError(.badValue, field: "to." + name + problem.path, problem.reason)
                    }
                }
            }
        }
        return extensions
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
