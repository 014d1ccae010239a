// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "herald", targets: ["herald"]),
        .library(name: "HeraldPluginAPI", targets: ["HeraldPluginAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .target(
            name: "HeraldPluginAPI",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        .target(name: "HeraldCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(
            name: "HeraldTransport",
            dependencies: ["HeraldPluginAPI", "CCurl", "CEpoll", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // Google's OAuth service-account flow (RS256 assertion → access token), shared by FCM and the Data Manager API.
        .target(
            name: "GoogleAuth", dependencies: ["HeraldPluginAPI", "HeraldTransport", "HeraldCrypto"],
            swiftSettings: swiftSettings),
        .target(
            name: "HeraldCore",
            dependencies: [
                "HeraldPluginAPI", "HeraldCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "HeraldHTTP",
            dependencies: [
                "HeraldCore", "HeraldPluginAPI", "HeraldCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "HeraldPluginTesting", dependencies: ["HeraldPluginAPI", "HeraldCore"], swiftSettings: swiftSettings),
        .target(
            name: "WebhookPlugin",
            dependencies: ["HeraldPluginAPI", "HeraldTransport", "HeraldCrypto"],
            path: "Plugins/Webhook", exclude: ["README.md", "sample.toml"],
            swiftSettings: swiftSettings),
        .target(
            name: "EmailPlugin",
            dependencies: [
                "HeraldPluginAPI", "HeraldTransport", "HeraldCrypto", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Plugins/Email", exclude: ["README.md", "sample.toml"],
            swiftSettings: swiftSettings),
        .target(
            name: "PushPlugin",
            dependencies: ["HeraldPluginAPI", "HeraldTransport", "HeraldCrypto", "GoogleAuth"],
            path: "Plugins/Push", exclude: ["README.md", "sample.toml"],
            swiftSettings: swiftSettings),
        .target(
            name: "AudiencePlugin",
            dependencies: [
                "HeraldPluginAPI", "HeraldTransport", "HeraldCrypto", "GoogleAuth",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Audience", exclude: ["README.md", "sample.toml"],
            swiftSettings: swiftSettings),
        .target(
            name: "LiveChatPlugin",
            dependencies: [
                "HeraldPluginAPI", "HeraldCrypto", "HeraldTransport", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Plugins/LiveChat", exclude: ["README.md", "sample.toml"],
            swiftSettings: swiftSettings),
        .target(
            name: "HeraldPostgres",
            dependencies: [
                "HeraldCore", "HeraldPluginAPI", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "FilePlugin", dependencies: ["HeraldPluginAPI"],
            path: "Plugins/File", exclude: ["README.md", "sample.toml"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldCore", "HeraldPluginAPI", "HeraldHTTP", "HeraldTransport", "WebhookPlugin", "EmailPlugin", "FilePlugin",
                "PushPlugin", "AudiencePlugin", "LiveChatPlugin", "HeraldPostgres",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "herald-ledger-bench", dependencies: ["HeraldCore"], path: "Benchmarks/LedgerBench",
            swiftSettings: swiftSettings),
        .testTarget(name: "HeraldCoreTests", dependencies: ["HeraldCore", "HeraldPluginTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HeraldHTTPTests",
            dependencies: [
                "HeraldHTTP", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),
        // Test-side libcrypto (verifiers, the browser's half of Web Push) and test keys, shared by the crypto and
        // push tests; COpenSSL only here and in the tests that decrypt, never in Herald's own code beyond HeraldCrypto.
        .target(
            name: "CryptoTestSupport", dependencies: ["COpenSSL"], path: "Tests/CryptoTestSupport",
            swiftSettings: swiftSettings),
        // COpenSSL only for the test-side verifiers and Web Push decrypter, which Herald itself never needs.
        .testTarget(
            name: "HeraldCryptoTests", dependencies: ["HeraldCrypto", "COpenSSL", "CryptoTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "HeraldTransportTests", dependencies: ["HeraldTransport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WebhookPluginTests", dependencies: ["WebhookPlugin", "HeraldPluginTesting", "HeraldCrypto"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EmailPluginTests", dependencies: ["EmailPlugin", "HeraldPluginTesting", "HeraldCrypto", "CryptoTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PushPluginTests",
            dependencies: ["PushPlugin", "GoogleAuth", "HeraldPluginTesting", "HeraldCrypto", "COpenSSL", "CryptoTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AudiencePluginTests",
            dependencies: ["AudiencePlugin", "GoogleAuth", "HeraldPluginTesting", "HeraldCrypto", "CryptoTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "LiveChatPluginTests", dependencies: ["LiveChatPlugin", "HeraldPluginTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "FilePluginTests", dependencies: ["FilePlugin", "HeraldPluginTesting"], swiftSettings: swiftSettings),
    ]
)
