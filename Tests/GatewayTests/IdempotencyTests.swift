import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
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
            #expect(intent?.status == .succeeded)
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

/// A gateway killed between a request's commit and the storing of its response: the sweep completes the key from
/// what the request committed (a retry replays it, the status inquiry tells it), or releases a key that committed
/// nothing — never "in progress" forever, never a payment made twice.
@Suite struct InterruptedRequestTests {
    @Test(arguments: StoreEngine.all) func interruptedKeysAreSettledFromWhatTheyCommitted(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let headers: HTTPFields = [IdempotencyMiddleware<GatewayContext>.headerName: "T1-000010"]
            let paid = try await client.post("/v1/payment_intents", IdempotencyTests.form, headers: headers)
            let id = try #require(paid.json["id"] as? String)
            // The process "dies" after the commit: the response is never stored, and a minute passes.
            let sql = try #require(store as? SQLPaymentStore)
            try await sql.sessions.withSession { db in
                try await db.raw("UPDATE idempotency_keys SET status_code = NULL, response_body = NULL, created = created - 120 WHERE key = 'T1-000010'").run()
            }
            #expect(try await client.get("/v1/vtpe/idempotency_keys/T1-000010").json["status"] as? String == "in_progress")
            #expect(try await client.post("/v1/payment_intents", IdempotencyTests.form, headers: headers).status == .conflict)
            // A claim whose request committed nothing (killed before its commit).
            let now = Int64(Date().timeIntervalSince1970)
            #expect(try await store.claimIdempotencyKey("T1-000011", fingerprint: "x", now: now - 120) == .claimed)
            // A request still running (claimed a moment ago) is left alone.
            #expect(try await store.claimIdempotencyKey("T1-000012", fingerprint: "x", now: now) == .claimed)

            let settled = try await InterruptedRequests.sweep(store: store, now: now, logger: .init(label: "t"))
            #expect(settled.sorted() == ["T1-000010", "T1-000011"])
            let inquiry = try await client.get("/v1/vtpe/idempotency_keys/T1-000010")
            #expect(inquiry.json["status"] as? String == "completed" && inquiry.json["response_status"] as? Int == 200)
            let response = try #require(inquiry.json["response"] as? [String: Any])
            #expect(response["id"] as? String == id && response["status"] as? String == "succeeded")
            #expect((response["latest_charge"] as? [String: Any])?["object"] as? String == "charge", "the charge expanded, as a terminal reads it")
            let retry = try await client.post("/v1/payment_intents", IdempotencyTests.form, headers: headers)
            #expect(retry.json["id"] as? String == id && retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true", "no second payment")
            #expect(try await client.get("/v1/vtpe/idempotency_keys/T1-000011").status == .notFound)
            #expect(try await store.claimIdempotencyKey("T1-000011", fingerprint: "y", now: now) == .claimed, "released: a retry runs afresh")
            #expect(try await client.get("/v1/vtpe/idempotency_keys/T1-000012").json["status"] as? String == "in_progress")
            #expect(try await InterruptedRequests.sweep(store: store, now: now, logger: .init(label: "t")).isEmpty)
        }
    }
}
