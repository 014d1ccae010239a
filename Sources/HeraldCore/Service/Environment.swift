import Foundation

/// Reads process environment variables (systemd's NOTIFY_SOCKET, WATCHDOG_USEC, CREDENTIALS_DIRECTORY).
public enum Environment {
    public static func get(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
