import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SQLKit
import Testing
@testable import Gateway

let testKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

/// The SQL engines the store and API suites run on: SQLite always, PostgreSQL when `VTPE_TEST_POSTGRES_URL` names a
/// server (`make test` starts one on loopback), each test on a database of its own.
enum StoreEngine: String, CustomStringConvertible, Sendable {
    case sqlite
    case postgres

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["VTPE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var all: [StoreEngine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var description: String { rawValue }
}

/// A fresh database for one test: a SQLite file in `dir`, or a new PostgreSQL database dropped afterwards.
func withStore<T>(_ engine: StoreEngine, in dir: URL, _ body: (any PaymentStore, String) async throws -> T) async throws -> T {
    let logger = Logger(label: "test")
    switch engine {
    case .sqlite:
        let spec = "sqlite:" + dir.appendingPathComponent("gateway.sqlite").path
        return try await body(try await StoreLocator.open(spec, logger: logger), spec)
    case .postgres:
        let admin = try #require(StoreEngine.postgresURL)
        let name = "vtpe_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let sessions = try await PostgresSessions.connect(url: admin, logger: logger)
        try await sessions.withSession { db in try await db.raw(SQLQueryString("CREATE DATABASE " + name)).run() }
        var parts = URLComponents(string: admin)!
        parts.path = "/" + name
        let spec = parts.string!
        do {
            let result = try await body(try await StoreLocator.open(spec, logger: logger), spec)
            try await sessions.withSession { db in try await db.raw(SQLQueryString("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")).run() }
            await sessions.shutdown()
            return result
        } catch {
            try? await sessions.withSession { db in try await db.raw(SQLQueryString("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")).run() }
            await sessions.shutdown()
            throw error
        }
    }
}

/// A gateway on a fresh database (SQLite by default) in a temporary folder, driven in-process.
func withGateway(_ engine: StoreEngine = .sqlite, fees: FeeModel = .standard, vault: CardVault = .ephemeral(),
                 clock: any GatewayClock = SystemClock(), _ body: @Sendable (any TestClientProtocol, any PaymentStore, URL) async throws -> Void) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-gw-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let logger = Logger(label: "test")
    try await withStore(engine, in: dir) { store, _ in
        let app = Application(router: GatewayApp.router(store: store, configuration: GatewayConfiguration(apiKeys: [testKey], fees: fees, clock: clock), vault: vault), logger: logger)
        do {
            try await app.test(.router) { client in try await body(client, store, dir) }
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }
}

extension TestClientProtocol {
    /// POSTs a form body with the test key.
    func post(_ path: String, _ form: String, key: String = testKey, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/x-www-form-urlencoded"]
        headers.append(contentsOf: extra)
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    func get(_ path: String, key: String = testKey) async throws -> TestResponse {
        try await execute(uri: path, method: .get, headers: [.authorization: "Bearer \(key)"])
    }
}

extension TestResponse {
    /// The body as JSON.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:]
    }

    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
}
