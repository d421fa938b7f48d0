import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL sessions: a pool of connections (PostgresNIO's `PostgresClient`); each session leases one connection,
/// so a transaction stays on its connection while other requests run on others.
public final class PostgresSessions: SQLSessionProvider {
    private let client: PostgresClient
    private let runner: Task<Void, Never>

    private init(client: PostgresClient, runner: Task<Void, Never>) {
        self.client = client
        self.runner = runner
    }

    /// Connects to `postgres://user[:password]@host[:port]/database[?sslmode=disable|require]` and checks the server
    /// answers within `timeout`.
    public static func connect(url: String, logger: Logger, maximumConnections: Int = 16,
                               timeout: Duration = .seconds(10)) async throws -> PostgresSessions {
        var configuration = try Self.configuration(url: url)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = timeout
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        let sessions = PostgresSessions(client: client, runner: runner)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await client.withConnection { try await $0.query("SELECT 1", logger: logger) } }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw GatewaySetupError(message: "no answer within \(timeout)")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await sessions.shutdown()
            throw GatewaySetupError(message: "cannot connect to PostgreSQL at \(Self.redacted(url)): \(String(reflecting: error).prefix(300))")
        }
        return sessions
    }

    public func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        // No query logging: binds hold sealed card numbers, fingerprints and client secrets.
        try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    /// `synchronous_commit = off` for the session's commits (PostgreSQL's own deferred durability).
    public func withDeferredDurabilitySession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession(setting: "SET synchronous_commit = off", reset: "RESET synchronous_commit", body)
    }

    /// Migrations from several gateway processes at once take turns under an advisory lock.
    public func withMigrationSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession(setting: "SELECT pg_advisory_lock(7386247)", reset: "SELECT pg_advisory_unlock(7386247)", body)
    }

    public func shutdown() async {
        runner.cancel()
        await runner.value
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "(unparsable URL)" }
        if parts.password != nil { parts.password = "***" }
        return parts.string ?? "(unparsable URL)"
    }

    static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let user = parts.user, !user.isEmpty else {
            throw GatewaySetupError(message: "invalid PostgreSQL URL '\(redacted(url))': expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !database.isEmpty else {
            throw GatewaySetupError(message: "the PostgreSQL URL '\(redacted(url))' names no database (…/DATABASE)")
        }
        var tls = PostgresClient.Configuration.TLS.disable
        switch parts.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": break
        case "require": tls = .require(.makeClientConfiguration())
        case let other: throw GatewaySetupError(message: "unsupported sslmode '\(other.prefix(20))': use disable or require")
        }
        if let socket = parts.queryItems?.first(where: { $0.name == "host" })?.value, socket.hasPrefix("/") {
            let path = socket.hasSuffix(".s.PGSQL.\(parts.port ?? 5432)") ? socket : socket + "/.s.PGSQL.\(parts.port ?? 5432)"
            return .init(unixSocketPath: path, username: user, password: parts.password, database: database)
        }
        return .init(host: parts.host ?? "127.0.0.1", port: parts.port ?? 5432, username: user, password: parts.password,
                     database: database, tls: tls)
    }
}
