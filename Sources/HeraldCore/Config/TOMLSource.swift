import HeraldPluginAPI
import TOMLKit

/// Reads a TOML file into `ConfigValue`s plus the line each key stands on, so later validation can point at the
/// line of a bad value (TOMLKit reports lines for syntax errors only). Keys of `[[channel]]` tables are recorded
/// under `channel#N`, N counting from 0.
struct TOMLSource {
    var root: [String: ConfigValue]
    /// scope ("", "log", "channel#0", …) → key → 1-based line.
    var lines: [String: [String: Int]]

    init(text: String, file: String) throws(ConfigError) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, line: error.source.begin.line, scope: "", key: "syntax", reason: error.description)
        } catch {
            throw ConfigError(file: file, line: nil, scope: "", key: "syntax", reason: "\(error)")
        }
        root = Self.convert(table)
        lines = Self.keyLines(text)
    }

    private static func convert(_ table: TOMLTable) -> [String: ConfigValue] {
        var result: [String: ConfigValue] = [:]
        for key in table.keys {
            if let value = table[key] { result[key] = convert(value.tomlValue) }
        }
        return result
    }

    private static func convert(_ value: TOMLValue) -> ConfigValue {
        switch value.type {
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array: return .array(value.array.map { $0.map { convert($0.tomlValue) } } ?? [])
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .string: return .string(value.string ?? "")
        default: return .string(value.debugDescription)
        }
    }

    /// A line scanner good enough for locating keys: it follows `[table]` and `[[array]]` headers and records
    /// `key =` at the start of a line. Keys inside inline tables are located at their parent key's line.
    private static func keyLines(_ text: String) -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        var scope = ""
        var arrayCounts: [String: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[[") {
                let name = line.dropFirst(2).prefix { $0 != "]" }.filter { $0 != " " }
                let index = arrayCounts[String(name), default: 0]
                arrayCounts[String(name)] = index + 1
                scope = "\(name)#\(index)"
            } else if line.hasPrefix("[") {
                scope = String(line.dropFirst().prefix { $0 != "]" }.filter { $0 != " " })
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<equals].trimmingCharacters(in: " \t\"")
                if !key.isEmpty, result[scope, default: [:]][key] == nil { result[scope, default: [:]][key] = offset + 1 }
            }
        }
        return result
    }
}
