import Foundation
import HeraldCrypto
import HeraldPluginAPI

/// Turns a spool file's bytes into a `Message`, or the first reason it is not one. Strict by design: unknown
/// fields, wrong types, unknown channels and unsafe header or address text are all refused, each naming the
/// field, so producers find their mistake in `rejected/NAME.error.json` instead of in a customer's inbox.
public struct MessageDecoder: Sendable {
    /// The configured channel names; a message may only name these.
    public var channels: Set<String>
    /// Each channel's plugin contract: what a message on that channel, or falling back to it, must satisfy.
    public var contracts: [String: ChannelContract]
    /// The top-level names some plugin declares, accepted by the first pass and judged once the channel is known.
    let pluginFieldNames: Set<String>
    /// The `to` members some plugin declares (`recipientExtensions`), judged once the channel is known.
    let recipientExtensionNames: Set<String>
    /// Set for bytes intake already validated (the queue's copy): the field rules are not run again, which halves
    /// the cost of decoding on the delivery path. Structure and types are still checked.
    public var trusted: Bool

    public init(contracts: [String: ChannelContract], trusted: Bool = false) {
        channels = Set(contracts.keys)
        self.contracts = contracts
        pluginFieldNames = Set(contracts.values.flatMap { $0.fields.map(\.name) })
        recipientExtensionNames = Set(contracts.values.flatMap { $0.recipientExtensions.map(\.name) })
        self.trusted = trusted
    }

    /// Channels whose plugins declare nothing beyond the default contract (tests, tools).
    public init(channels: Set<String>, trusted: Bool = false) {
        self.init(
            contracts: Dictionary(uniqueKeysWithValues: channels.map { ($0, ChannelContract(addressKind: $0)) }),
            trusted: trusted)
    }

    /// The names a message's top level may use.
    enum TopLevelName: String, FieldName {
        case id, channel, fallback, to, campaign, stage, trigger, category, template, data, content, priority, headers
        case endpoint
        case notBefore = "not_before"
        case expiresAt = "expires_at"

        static let table = NameTable<Self>()
    }

    enum PushDeviceName: String, FieldName {
        case platform, token, endpoint, keys

        static let table = NameTable<Self>()
    }

    /// - Parameter fileName: the spool file's name, used to derive an id when the message has none.
    public func decode(_ bytes: [UInt8], fileName: String) throws(IntakeError) -> Message {
        let root: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONParser.parse(bytes) else {
                throw IntakeError(.notObject, field: nil, "the file must hold one JSON object")
            }
            root = object
        } catch let failure as JSONParser.Failure {
            throw IntakeError(.invalidJSON, field: nil, "not valid JSON: \(failure)")
        } catch let error as IntakeError {
            throw error
        } catch {
            throw IntakeError(.invalidJSON, field: nil, "not valid JSON")
        }
        let fields = try Fields<TopLevelName>(root, path: "", extra: pluginFieldNames)

        let channel = try fields.requiredString(.channel)
        guard channels.contains(channel) else {
            throw IntakeError(
                .unknownChannel, field: "channel",
                "no channel named \"\(channel)\"; configured: \(channels.sorted().joined(separator: ", "))")
        }
        let fallback = try fields.stringArray(.fallback) ?? []
        for (index, name) in fallback.enumerated() where !channels.contains(name) || name == channel {
            throw IntakeError(
                .unknownChannel, field: "fallback[\(index)]",
                name == channel ? "\"\(name)\" is already the message's channel" : "no channel named \"\(name)\"")
        }
        let id = try fields.string(.id) ?? Self.derivedID(fileName: fileName, bytes: bytes)
        if !trusted { try MessageRules.checkID(id) }

        let route = ([channel] + fallback).compactMap { name in contracts[name].map { (name, $0) } }
        let hashedIdentifiers = route.allSatisfy { $0.1.takesHashedIdentifiers }
        var recipient = try decodeRecipient(fields.object(.to), hashedIdentifiers: hashedIdentifiers)
        recipient.extensions = try checkRecipientExtensions(recipient.extensions, route: route)
        let category = try fields.enumValue(.category, Message.Category.self) ?? .marketing
        let priority = try fields.enumValue(.priority, Message.Priority.self) ?? .normal
        let stage = try fields.string(.stage)
        if let stage, !Message.stages.contains(stage) {
            throw IntakeError(
                .badValue, field: "stage", "\"\(stage)\" is not a lifecycle stage; use one of "
                    + Message.stages.sorted().joined(separator: ", "))
        }
        let pluginFields = try checkPluginFields(fields.extras, route: route)
        if !trusted { try Self.checkRecipientFields(recipient, route: route) }
        let template = try fields.string(.template)
        let content = try fields.object(.content).map(decodeContent)
        if template != nil, content != nil {
            throw IntakeError(.conflict, field: "content", "give either template (+ data) or content, not both")
        }
        if template == nil, content == nil || content?.isEmpty == true,
            let needing = route.first(where: { $0.1.needsContent })
        {
            throw IntakeError(
                .missingField, field: "content", "a message for channel \(needing.0) needs a template or inline content")
        }
        if let template, !trusted { try MessageRules.checkTemplateName(template) }
        let data = fields.raw(.data)
        if let data, case .object = data {} else if data != nil {
            throw IntakeError(.wrongType, field: "data", "must be an object")
        }
        let notBefore = try fields.timestamp(.notBefore)
        let expiresAt = try fields.timestamp(.expiresAt)
        if let notBefore, let expiresAt, expiresAt <= notBefore {
            throw IntakeError(.badValue, field: "expires_at", "must be later than not_before")
        }
        let headers = try fields.stringMap(.headers) ?? [:]
        if !trusted {
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
                try MessageRules.checkHeader(name: name, value: value)
                for (channelName, contract) in route {
                    if let reason = contract.header?(name, value) {
                        throw IntakeError(.badValue, field: "headers.\(name)", "channel \(channelName): \(reason)")
                    }
                }
            }
        }

        return Message(
            id: id, channel: channel, fallback: fallback, to: recipient, campaign: try fields.label(.campaign),
            stage: stage, trigger: try fields.label(.trigger), category: category, template: template, data: data,
            content: content, notBefore: notBefore, expiresAt: expiresAt, priority: priority, headers: headers,
            endpoint: try fields.label(.endpoint), pluginFields: pluginFields)
    }

    /// - Parameter hashedIdentifiers: every channel on the route takes `to.email` and `to.phone` as SHA-256 hashes.
    private func decodeRecipient(_ object: [String: JSONValue]?, hashedIdentifiers: Bool) throws(IntakeError) -> Recipient {
        guard let object else { throw IntakeError(.missingField, field: "to", "who the message is for is required") }
        let fields = try Fields<Recipient.CodingKeys>(object, path: "to.", extra: recipientExtensionNames)
        var recipient = Recipient(
            email: try fields.string(.email), name: try fields.string(.name), timezone: try fields.string(.timezone),
            phone: try fields.string(.phone), visitor: try fields.string(.visitor),
            externalID: try fields.string(.externalID),
            profile: Recipient.Profile(
                firstName: try fields.string(.firstName), lastName: try fields.string(.lastName),
                city: try fields.string(.city), region: try fields.string(.region),
                postalCode: try fields.string(.postalCode), country: try fields.string(.country)),
            extensions: fields.extras)
        if let devices = fields.raw(.push) {
            guard case .array(let items) = devices else {
                throw IntakeError(.wrongType, field: "to.push", "must be an array of devices: {platform, token} or {platform, endpoint, keys}")
            }
            var push: [PushDevice] = []
            for (index, item) in items.enumerated() {
                let path = "to.push[\(index)]"
                guard case .object(let deviceObject) = item else {
                    throw IntakeError(.wrongType, field: path, "must be an object: {platform, token} or {platform, endpoint, keys}")
                }
                // A browser's `PushSubscription.toJSON()` has `expirationTime`: taken as it is and not used (the
                // push service says when a subscription is gone).
                let deviceFields = try Fields<PushDeviceName>(deviceObject, path: path + ".", extra: ["expirationTime"])
                let device = PushDevice(
                    platform: try deviceFields.requiredString(.platform), token: try deviceFields.string(.token),
                    endpoint: try deviceFields.string(.endpoint), keys: try deviceFields.stringMap(.keys))
                guard device.address != nil else {
                    throw IntakeError(.missingField, field: path + ".token", "a device needs a token (apps) or an endpoint (browsers)")
                }
                push.append(device)
            }
            recipient.push = push
        }
        if !trusted { try MessageRules.checkRecipient(recipient, hashedIdentifiers: hashedIdentifiers) }
        return recipient
    }

    private func decodeContent(_ object: [String: JSONValue]) throws(IntakeError) -> RenderedContent {
        let fields = try Fields<ContentPartName>(object, path: "content.")
        // In the order of `RenderedContent.partNames`, so the first bad part is the one reported.
        let content = RenderedContent(
            subject: try fields.string(.subject), text: try fields.string(.text), html: try fields.string(.html),
            title: try fields.string(.title), body: try fields.string(.body), url: try fields.string(.url))
        if let subject = content.subject, subject.utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            throw IntakeError(.badValue, field: "content.subject", "must be one line: no CR or LF")
        }
        return content
    }

    /// `FILENAME-HASH`: stable for the same file, so a re-dropped copy is still recognised as a duplicate.
    static func derivedID(fileName: String, bytes: [UInt8]) -> String {
        var stem = fileName.hasSuffix(".json") ? String(fileName.dropLast(5)) : fileName
        stem = String(stem.map { MessageRules.isIDCharacter($0) ? $0 : "_" }.prefix(100))
        let hash = Hex.lowercase(Digest.sha256(bytes).prefix(8))
        return stem.isEmpty ? hash : "\(stem)-\(hash)"
    }
}

extension Recipient.CodingKeys: FieldName {
    static let table = NameTable<Self>()
}

/// `RenderedContent.partNames` as field names (a test keeps the two lists equal).
enum ContentPartName: String, FieldName {
    case subject, text, html, title, body, url

    static let table = NameTable<Self>()
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
