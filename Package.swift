// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    // An import a target does not declare fails to build (SE-0444).
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "vtpe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vtpe", targets: ["vtpe"]),
        .library(name: "PaymentCore", targets: ["PaymentCore"]),
        .library(name: "PaymentCrypto", targets: ["PaymentCrypto"]),
        .library(name: "EMV", targets: ["EMV"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .library(name: "TerminalEngine", targets: ["TerminalEngine"]),
        .library(name: "CaisseAP", targets: ["CaisseAP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // MARK: C shims (never API)
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("crypto")]),
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CPCSC", pkgConfig: "libpcsclite", providers: [.apt(["libpcsclite-dev"])]),

        // MARK: Domain
        .target(
            name: "PaymentCore",
            resources: [.copy("Resources/test-cards.json")],
            swiftSettings: strict
        ),
        .target(
            name: "PaymentCrypto",
            dependencies: [
                "PaymentCore", "CCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(name: "EMV", dependencies: ["PaymentCore", "PaymentCrypto"], resources: [.copy("Resources/card-profiles.json")], swiftSettings: strict),
        .target(name: "CardReaders", dependencies: ["EMV", "PaymentCore"], swiftSettings: strict),
        .target(name: "CaisseAP", dependencies: ["PaymentCore"], swiftSettings: strict),
        .target(name: "CardReadersUSB", dependencies: ["CardReaders", "CLibUSB", "CPCSC", "EMV", "PaymentCore"], swiftSettings: strict),
        .target(
            name: "TerminalEngine",
            dependencies: [
                "CaisseAP", "CardReaders", "EMV", "PaymentCore", "PaymentCrypto",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(name: "TerminalUI", dependencies: ["TerminalEngine", "CardReaders", "PaymentCore"], swiftSettings: strict),
        .target(name: "Scenarios", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        .target(name: "TerminalUICurses", dependencies: ["TerminalUI", "CNcurses"], swiftSettings: strict),
        .target(
            name: "Gateway",
            dependencies: [
                "PaymentCore", "PaymentCrypto", "EMV",
                .product(name: "Hummingbird", package: "hummingbird"),
                // A reader's long poll answers as soon as the gateway begins its graceful shutdown.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // SQLiteDirect drives SQLite through sqlite-nio's bundled C module (VaporCSQLite), which that
                // package exposes only through this product.
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // Webhook deliveries.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "vtpe",
            dependencies: [
                "PaymentCore", "PaymentCrypto", "EMV", "CardReaders", "CardReadersUSB",
                "TerminalEngine", "TerminalUI", "TerminalUICurses", "Gateway", "Scenarios", "CaisseAP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // MARK: Tests
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "PaymentCoreTests", dependencies: ["PaymentCore", "TestSupport"], resources: [.copy("Vectors")], swiftSettings: strict),
        .testTarget(name: "PaymentCryptoTests", dependencies: ["PaymentCrypto", "PaymentCore", "TestSupport"], exclude: ["Vectors"], swiftSettings: strict),
        .testTarget(name: "EMVTests", dependencies: ["EMV", "PaymentCore", "PaymentCrypto", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CardReadersTests", dependencies: ["CardReaders", "EMV", "PaymentCore"], swiftSettings: strict),
        .testTarget(name: "CardReadersUSBTests", dependencies: ["CardReadersUSB", "CardReaders", "EMV", "PaymentCore", "TestSupport"],
                    resources: [.copy("Traces")], swiftSettings: strict),
        .testTarget(
            name: "TerminalEngineTests",
            dependencies: ["TerminalEngine", "CaisseAP", "CardReaders", "CardReadersUSB", "EMV", "PaymentCore", "PaymentCrypto", "TestSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios"], swiftSettings: strict),
        .testTarget(name: "CaisseAPTests", dependencies: ["CaisseAP", "PaymentCore"], swiftSettings: strict),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "TerminalEngine", "CardReaders", "EMV", "PaymentCore"], exclude: ["Snapshots"], swiftSettings: strict),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "PaymentCore", "PaymentCrypto", "EMV", "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ]
)
