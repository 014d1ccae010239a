import HeraldCore
import Logging
import NIOSSL
import PostgresNIO

/// How Herald reaches the `[database]` PostgreSQL (postgres-nio): the connection settings and TLS from the
/// config. Not the stores themselves, which keep their connections (`PostgresConnections`).
public struct PostgresState: Sendable {
    public let settings: HeraldConfig.Database
    let logger: Logger

    public init(_ settings: HeraldConfig.Database, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The database as logs and commands name it, without the password.
    public var location: String {
        "postgres://\(settings.user)@\(settings.host):\(settings.port)/\(settings.database)"
    }

    /// One connection of its own, outside any pool, for the migrations and the lease upkeep: it fails at once with
    /// the server's reason (a refused login).
    public func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration: try connectionConfiguration(), id: 1, logger: logger)
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            try Self.tlsConfiguration(settings).map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
        return PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: tls)
    }

    /// nil for `tls = "disable"`; certificate and host name checked for `verify-full`, only encryption for
    /// `require` (libpq's `sslmode=require`).
    private static func tlsConfiguration(_ settings: HeraldConfig.Database) throws -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch settings.tls {
        case .disable:
            return nil
        case .require:
            tls.certificateVerification = .none
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            if let caFile = settings.caFile {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
        }
        return tls
    }
}
