import Foundation
import HeraldPluginAPI

/// Reads delivery-log lines back for `stats` and `tail`: each line parsed with the same strict JSON parser.
enum DeliveryLogReader {
    static func fields(_ line: Substring) -> [String: JSONValue]? {
        guard case .object(let object)? = try? JSONParser.parse(Array(line.utf8)) else { return nil }
        return object
    }

    static func string(_ object: [String: JSONValue], _ key: String) -> String? {
        if case .string(let text)? = object[key] { return text }
        return nil
    }
}
