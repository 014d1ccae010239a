import PostgresNIO

/// A postgres-nio error in words an operator can act on: the server's own message and SQLSTATE when it sent
/// one (`password authentication failed for user "herald" (28P01)`), else the error's description. postgres-nio
/// keeps the server's words out of `description` on purpose (they may quote data); these are about the login
/// or the schema, never a recipient.
public enum PostgresErrorText {
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (\($0))" } ?? ""
                return message + code
            }
            return "\(error.code)"
        }
        return "\(error)"
    }
}
