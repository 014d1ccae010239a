/// HTTP routes a plugin serves on the daemon's embedded server (`[http]`): a chat widget's stream and its acks,
/// a provider's webhook. Described without any server library, so a plugin depends on this API alone; the core
/// mounts them under `/SPACE/` (`/SPACE/CHANNEL/` when several channels of the plugin are configured).
public struct PluginRoutes: Sendable {
    /// The first path segment: `chat`.
    public var space: String
    public var routes: [PluginRoute]
    /// Paths that upgrade to a WebSocket.
    public var webSockets: [PluginWebSocketRoute]
    /// Mount under `/SPACE/CHANNEL/` even when the channel is the plugin's only one: for URLs registered with
    /// someone else (a provider's webhook settings), which must not move when a second channel is added.
    public var underChannel: Bool

    public init(space: String, routes: [PluginRoute], webSockets: [PluginWebSocketRoute] = [], underChannel: Bool = false) {
        self.space = space
        self.routes = routes
        self.webSockets = webSockets
        self.underChannel = underChannel
    }
}

/// A path that upgrades to a WebSocket, when `accept` says so for the upgrade request (its query and headers).
/// A refused upgrade is answered as a plain GET of the path would be: declare one (it can say 403).
public struct PluginWebSocketRoute: Sendable {
    /// Below the mount point, without a leading slash: `v1/ws`.
    public var path: String
    public var accept: @Sendable (PluginHTTPRequest) async -> PluginWebSocketSession?

    public init(_ path: String, accept: @escaping @Sendable (PluginHTTPRequest) async -> PluginWebSocketSession?) {
        self.path = path
        self.accept = accept
    }
}

/// One accepted WebSocket: text messages to send (each element one message, UTF-8) until `outbound` finishes, what to do with each text message the
/// client sends, and `onClose` when either side ends it (or the server stops; it may run twice).
public struct PluginWebSocketSession: Sendable {
    public var outbound: AsyncStream<[UInt8]>
    public var inbound: @Sendable (String) async -> Void
    public var onClose: @Sendable () -> Void

    public init(
        outbound: AsyncStream<[UInt8]>, inbound: @escaping @Sendable (String) async -> Void,
        onClose: @escaping @Sendable () -> Void
    ) {
        self.outbound = outbound
        self.inbound = inbound
        self.onClose = onClose
    }
}

public struct PluginRoute: Sendable {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", options = "OPTIONS"
    }

    public var method: Method
    /// Below the mount point, without a leading slash: `v1/stream`.
    public var path: String
    /// Request bodies past this many bytes are refused with 413 before the handler runs.
    public var maxBody: Int
    public var handler: @Sendable (PluginHTTPRequest) async -> PluginHTTPResponse

    public init(
        _ method: Method, _ path: String, maxBody: Int = 16 * 1024,
        handler: @escaping @Sendable (PluginHTTPRequest) async -> PluginHTTPResponse
    ) {
        self.method = method
        self.path = path
        self.maxBody = maxBody
        self.handler = handler
    }
}

public struct PluginHTTPRequest: Sendable {
    public var method: PluginRoute.Method
    public var path: String
    /// Query parameters, the last value of each name.
    public var query: [String: String]
    /// Header names lower-cased, in the order they came.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: PluginRoute.Method, path: String, query: [String: String] = [:],
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The last value of header `name` (any case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name == wanted }?.value
    }
}

public struct PluginHTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// Written as it comes (Server-Sent Events); `onClose` runs when the response ends, whether the stream
        /// finished or the client went away, and at shutdown, when it must finish the stream; it may run twice.
        case stream(AsyncStream<[UInt8]>, onClose: @Sendable () -> Void)
    }

    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Body

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func text(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> PluginHTTPResponse {
        PluginHTTPResponse(
            status: status, headers: [("content-type", "text/plain; charset=utf-8")] + headers, body: .bytes(Array(text.utf8)))
    }
}
