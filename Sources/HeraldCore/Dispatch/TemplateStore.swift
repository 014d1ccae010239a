import Foundation
import HeraldPluginAPI
import Mustache
import Synchronization

/// Renders a message's `template` + `data` for one channel (DESIGN §4) with Mustache, from the templates
/// directory: `NAME.CHANNEL.PART.mustache` for each content part (subject, text, html, title, body, url), or
/// `NAME.CHANNEL.mustache` for the body alone. Compiled templates are cached until `reload()` (SIGHUP).
/// Inline `content` bypasses it entirely.
public final class TemplateStore: Sendable {
    public struct RenderError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private let directory: String
    /// path → compiled template, or nil when the file does not exist.
    private let cache = Mutex<[String: CachedTemplate]>([:])
    /// Paths the cache holds at most (templates and misses).
    static let cacheLimit = 4096

    private struct CachedTemplate: Sendable {
        var template: MustacheTemplate?
        var text: String
    }

    public init(directory: String) {
        self.directory = directory
    }

    public func reload() {
        cache.withLock { $0.removeAll() }
    }

    public func render(template name: String, channel: String, data: JSONValue?, context extra: [String: Any])
        throws(RenderError) -> RenderedContent
    {
        var root: [String: Any] = extra
        if case .object(let members)? = data {
            for (key, value) in members { root[key] = value.plainValue }
        }
        var content = RenderedContent()
        var found = false
        for part in RenderedContent.partNames {
            if let rendered = try renderFile("\(name).\(channel).\(part).mustache", root) {
                content[part] = part == "subject" || part == "title" || part == "url" ? rendered.singleLine : rendered
                found = true
            }
        }
        if content.body == nil, let body = try renderFile("\(name).\(channel).mustache", root) {
            content.body = body
            found = true
        }
        guard found else {
            throw RenderError(
                description: "no template \"\(name)\" for channel \(channel): expected \(directory)/\(name).\(channel)"
                    + ".mustache or \(name).\(channel).PART.mustache")
        }
        return content
    }

    private func renderFile(_ file: String, _ root: [String: Any]) throws(RenderError) -> String? {
        let path = directory + "/" + file
        let cached = try load(path)
        guard let template = cached.template else { return nil }
        if let missing = MustacheVariables.topLevel(in: cached.text).first(where: { !Self.resolves($0, in: root) }) {
            throw RenderError(description: "\(file): variable \"\(missing)\" is not in the message's data")
        }
        return template.render(root)
    }

    private func load(_ path: String) throws(RenderError) -> CachedTemplate {
        if let hit = cache.withLock({ $0[path] }) { return hit }
        let entry: CachedTemplate
        if let text = readTextFile(path) {
            do {
                // Mustache escapes for HTML by default; only the html part should be escaped.
                let source = path.hasSuffix(".html.mustache") ? text : "{{% CONTENT_TYPE: TEXT}}" + text
                entry = CachedTemplate(template: try MustacheTemplate(string: source), text: text)
            } catch {
                throw RenderError(description: "\(path): template does not parse: \(error)")
            }
        } else {
            entry = CachedTemplate(template: nil, text: "")
        }
        cache.withLock { cache in
            // Names come from messages, and misses are cached too: a producer naming a new template per message
            // must not grow the cache without end. Starting again empty costs one read per template in use.
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[path] = entry
        }
        return entry
    }

    static func resolves(_ path: String, in root: [String: Any]) -> Bool {
        var current: Any = root
        for key in path.split(separator: ".") {
            guard let dictionary = current as? [String: Any], let next = dictionary[String(key)] else { return false }
            current = next
        }
        return true
    }
}

extension String {
    /// Subjects and titles are one line whatever the template did with whitespace.
    var singleLine: String {
        split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: " \t") }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}
