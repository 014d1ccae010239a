/// The small HTML pages of the unsubscribe flow: the confirmation (a button that POSTs the one-click form to the
/// same URL), the result, and the refusal. Self-contained: inline style, no scripts, fonts, images or links, so the
/// page works where only Herald's port is reachable and tells no third party who opened it. Every value shown is
/// HTML-escaped, and `noindex` keeps tokens out of search engines. The receipt's campaign is an internal name and is
/// logged, not shown. Not a preference centre.
enum UnsubscribePage {
    static func confirm(_ receipt: UnsubscribeReceipt) -> String {
        // No `action`: the form posts to the page's own URL, so a reverse proxy's path prefix is kept.
        page(
            title: "Unsubscribe",
            body: """
                <h1>Unsubscribe</h1>
                <p>Stop sending these messages to <strong>\(escape(receipt.maskedRecipient))</strong>?</p>
                <form method="post">
                <input type="hidden" name="List-Unsubscribe" value="One-Click">
                <button type="submit">Unsubscribe</button>
                </form>
                """)
    }

    static func done(_ receipt: UnsubscribeReceipt) -> String {
        page(
            title: "Unsubscribed",
            body: """
                <h1>Unsubscribed</h1>
                <p><strong>\(escape(receipt.maskedRecipient))</strong> will receive no more of these messages.</p>
                """)
    }

    static func invalid(reason: String) -> String {
        page(
            title: "Link not valid",
            body: """
                <h1>Link not valid</h1>
                <p>\(escape(reason))</p>
                """)
    }

    /// Escapes the five characters that matter in element content and in quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <meta name="referrer" content="no-referrer">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #222; }
        button { font-size: 1rem; padding: 0.6rem 1.4rem; cursor: pointer; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }
}
