import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import Gateway

let testKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

/// A gateway on a fresh SQLite file in a temporary folder, driven in-process.
func withGateway(_ body: @Sendable (any TestClientProtocol, any PaymentStore, URL) async throws -> Void) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-gw-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let logger = Logger(label: "test")
    let store = try await StoreLocator.open("sqlite:" + dir.appendingPathComponent("gateway.sqlite").path, logger: logger)
    let app = Application(router: GatewayApp.router(store: store, configuration: GatewayConfiguration(apiKeys: [testKey])), logger: logger)
    do {
        try await app.test(.router) { client in try await body(client, store, dir) }
    } catch {
        await store.shutdown()
        throw error
    }
    await store.shutdown()
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
