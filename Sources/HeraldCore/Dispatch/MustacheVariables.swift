/// Finds the variables a Mustache template uses outside any section, so rendering can refuse a message whose data
/// lacks one (Mustache itself renders a missing variable as nothing, which would mail "Hi ," to a customer).
/// Variables inside `{{#section}}` or `{{^inverted}}` are not checked: they resolve against the section's item.
enum MustacheVariables {
    static func topLevel(in text: String) -> [String] {
        var names: [String] = []
        var depth = 0
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            let triple = rest.hasPrefix("{")
            guard let close = rest.range(of: triple ? "}}}" : "}}") else { break }
            var tag = rest[..<close.lowerBound]
            rest = rest[close.upperBound...]
            if triple { tag = tag.dropFirst() }
            tag = Substring(tag.trimmingCharacters(in: " \t"))
            guard let sigil = tag.first else { continue }
            switch sigil {
            case "#", "^": depth += 1
            case "/": depth = max(0, depth - 1)
            case "!", ">", "<", "=", "$": continue
            case "&":
                if depth == 0 { names.append(tag.dropFirst().trimmingCharacters(in: " \t")) }
            default:
                if depth == 0, tag != ".", !tag.contains("(") { names.append(String(tag)) }
            }
        }
        return names
    }
}
