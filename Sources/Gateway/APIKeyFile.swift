import Foundation
import Logging

/// The gateway's secret key, kept in `<data-dir>/gateway-secret-key` (mode 0600) and created on first start.
public enum APIKeyFile {
    public static func path(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("gateway-secret-key")
    }

    /// Returns the stored key, creating a new `sk_test_…` key when there is none. `created` tells which.
    public static func loadOrCreate(in dataDirectory: URL) throws -> (key: String, created: Bool) {
        let url = path(in: dataDirectory)
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard key.hasPrefix("sk_test_"), key.count >= 16 else {
                throw GatewaySetupError(message: "\(url.path) does not hold an sk_test_ key; delete it to create a new one")
            }
            return (key, false)
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let key = "sk_test_" + ObjectID.random(length: 32)
        try Data((key + "\n").utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        return (key, true)
    }
}

/// A gateway that cannot start, in words an operator can act on.
public struct GatewaySetupError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Opens the store a `--database` URL names: `sqlite:PATH` (or a bare path) or `postgres://USER@HOST:PORT/DB`,
/// and brings its schema up to date.
public enum StoreLocator {
    /// The database URL without a password, for messages and logs.
    public static func redacted(_ spec: String) -> String {
        spec.contains("://") && !spec.hasPrefix("sqlite") ? PostgresSessions.redacted(spec) : spec
    }

    public static func open(_ spec: String, logger: Logging.Logger) async throws -> any PaymentStore {
        let store: SQLPaymentStore
        let name: String
        if spec.hasPrefix("postgres://") || spec.hasPrefix("postgresql://") {
            store = try await SQLPaymentStore.postgres(url: spec, logger: logger)
            name = PostgresSessions.redacted(spec)
        } else {
            let path: String
            if spec.hasPrefix("sqlite://") { path = String(spec.dropFirst("sqlite://".count)) }
            else if spec.hasPrefix("sqlite:") { path = String(spec.dropFirst("sqlite:".count)) }
            else if !spec.contains("://") { path = spec }
            else { throw GatewaySetupError(message: "unknown database URL '\(spec.prefix(60))': use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE") }
            guard !path.isEmpty else { throw GatewaySetupError(message: "the sqlite: database URL needs a file path") }
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            store = try await SQLPaymentStore.sqlite(path: path, logger: logger)
            name = path
        }
        do { try await store.migrate() } catch {
            await store.shutdown()
            throw GatewaySetupError(message: "cannot prepare the database \(name): \(error)")
        }
        return store
    }
}
