import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Gateway

@Suite struct IdempotencyTests {
    static let form = "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true"

    func post(_ client: any TestClientProtocol, _ form: String = form, key: String) async throws -> TestResponse {
        try await client.post("/v1/payment_intents", form, headers: [IdempotencyMiddleware<GatewayContext>.headerName: key])
    }

    @Test(arguments: StoreEngine.all) func retryReplaysTheFirstResponse(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let first = try await post(client, key: "order-42")
            #expect(first.status == .ok)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let second = try await post(client, key: "order-42")
            #expect(second.status == .ok)
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(String(buffer: second.body) == String(buffer: first.body))
            #expect(second.json["id"] as? String == first.json["id"] as? String)
            // Without a key, or with another key, a new payment is made.
            let other = try await post(client, key: "order-43")
            #expect(other.json["id"] as? String != first.json["id"] as? String)
        }
    }

    @Test(arguments: StoreEngine.all) func declinesAreReplayedToo(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let form = "amount=500&currency=usd&payment_method=pm_card_visa_chargeDeclinedInsufficientFunds&confirm=true"
            let first = try await post(client, form, key: "k-decline")
            #expect(first.status.code == 402)
            let second = try await post(client, form, key: "k-decline")
            #expect(second.status.code == 402)
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(String(buffer: second.body) == String(buffer: first.body))
        }
    }

    @Test(arguments: StoreEngine.all) func otherParametersWithTheSameKeyAreRefused(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            _ = try await post(client, key: "k1")
            let r = try await post(client, "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true", key: "k1")
            #expect(r.status == .badRequest)
            #expect(r.error["type"] as? String == "idempotency_error")
            #expect((r.error["message"] as? String)?.hasPrefix("Keys for idempotent requests can only be used with the same parameters") == true)
        }
    }

    @Test(arguments: StoreEngine.all) func concurrentRequestsWithOneKeyExecuteOnce(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let ids = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let r = try await post(client, key: "race")
                        return (Int(r.status.code), r.json["id"] as? String ?? (r.error["type"] as? String))
                    }
                }
                var out: [(Int, String?)] = []
                for try await r in group { out.append(r) }
                return out
            }
            let executed = Set(ids.filter { $0.0 == 200 }.compactMap(\.1))
            #expect(executed.count == 1, "\(ids)")
            #expect(ids.allSatisfy { $0.0 == 200 || ($0.0 == 409 && $0.1 == "idempotency_error") }, "\(ids)")
            let intent = try await store.find(PaymentIntentRecord.self, id: executed.first!)
            #expect(intent?.status == "succeeded")
        }
    }

    @Test(arguments: StoreEngine.all) func keyLengthIsChecked(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let r = try await post(client, key: String(repeating: "k", count: 256))
            #expect(r.status == .badRequest)
            #expect(r.error["message"] as? String == "Idempotency-Key must be 1 to 255 characters long, not 256.")
        }
    }
}

@Suite struct IdempotencyStoreTests {
    @Test(arguments: StoreEngine.all) func keysExpireAfter24Hours(engine: StoreEngine) async throws {
        try await withGateway(engine) { _, store, _ in
            let t0: Int64 = 1_800_000_000
            #expect(try await store.claimIdempotencyKey("T1-000001", fingerprint: "a", now: t0) == .claimed)
            try await store.completeIdempotencyKey("T1-000001", status: 200, body: "{}")
            #expect(try await store.claimIdempotencyKey("T1-000001", fingerprint: "a", now: t0 + 3600) == .replay(status: 200, body: "{}"))
            #expect(try await store.claimIdempotencyKey("T1-000001", fingerprint: "b", now: t0 + 3600) == .mismatch)
            // A day later the key is free again (terminals reuse STANs).
            #expect(try await store.claimIdempotencyKey("T1-000001", fingerprint: "b", now: t0 + 24 * 3600 + 1) == .claimed)
            #expect(try await store.claimIdempotencyKey("T1-000001", fingerprint: "b", now: t0 + 24 * 3600 + 2) == .inProgress)
        }
    }
}
