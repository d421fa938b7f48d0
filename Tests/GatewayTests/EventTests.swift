import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import Gateway

/// Events over HTTP: each change writes its event in the change's transaction; `GET /v1/events` lists them newest
/// first with Stripe's filters.
@Suite struct EventTests {
    static func types(_ response: TestResponse) -> [String] {
        ((response.json["data"] as? [[String: Any]]) ?? []).compactMap { $0["type"] as? String }
    }

    @Test(arguments: StoreEngine.all) func paymentsLeaveTheirEventsInOrder(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let paid = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true",
                                             headers: [HTTPField.Name("Idempotency-Key")!: "order-1"])
            let intentID = try #require(paid.json["id"] as? String)
            let chargeID = try #require(paid.json["latest_charge"] as? String)
            let declined = try await client.post("/v1/payment_intents", "amount=500&currency=eur&payment_method=pm_card_visa_chargeDeclined&confirm=true")
            #expect(declined.status == .paymentRequired402)
            let refund = try await client.post("/v1/refunds", "payment_intent=\(intentID)&amount=300")
            #expect(refund.status == .ok)

            let all = try await client.get("/v1/events?limit=100")
            #expect(all.status == .ok && all.json["object"] as? String == "list")
            #expect(Self.types(all) == [
                "charge.refunded", "refund.created",
                "payment_intent.payment_failed", "charge.failed", "payment_intent.created",
                "payment_intent.succeeded", "charge.succeeded", "payment_intent.created",
            ])
            let events = try #require(all.json["data"] as? [[String: Any]])
            // The first payment's success: its object is the intent as it ended, its request the one that paid.
            let succeeded = try #require(events.first { $0["type"] as? String == "payment_intent.succeeded" })
            #expect((succeeded["id"] as? String)?.hasPrefix("evt_") == true)
            #expect(succeeded["object"] as? String == "event" && succeeded["livemode"] as? Bool == false)
            let object = try #require((succeeded["data"] as? [String: Any])?["object"] as? [String: Any])
            #expect(object["id"] as? String == intentID && object["status"] as? String == "succeeded")
            let request = try #require(succeeded["request"] as? [String: Any])
            #expect(request["idempotency_key"] as? String == "order-1")
            #expect(request["id"] as? String == paid.headers[.init("Request-Id")!])
            let charged = try #require(events.first { $0["type"] as? String == "charge.refunded" })
            let refunded = try #require((charged["data"] as? [String: Any])?["object"] as? [String: Any])
            #expect(refunded["id"] as? String == chargeID && refunded["amount_refunded"] as? Int == 300)

            // Filters: one type, a wildcard, a list of types; retrieve by id.
            #expect(Self.types(try await client.get("/v1/events?type=charge.succeeded")) == ["charge.succeeded"])
            #expect(Self.types(try await client.get("/v1/events?type=payment_intent.*")) == [
                "payment_intent.payment_failed", "payment_intent.created", "payment_intent.succeeded", "payment_intent.created"])
            #expect(Self.types(try await client.get("/v1/events?types[]=refund.created&types[]=charge.failed")) == ["refund.created", "charge.failed"])
            #expect(Self.types(try await client.get("/v1/events?type=no.such")) == [])
            let page = try await client.get("/v1/events?limit=2")
            #expect(Self.types(page) == ["charge.refunded", "refund.created"] && page.json["has_more"] as? Bool == true)
            let id = try #require(events.first?["id"] as? String)
            let one = try await client.get("/v1/events/\(id)")
            #expect(one.status == .ok && one.json["type"] as? String == "charge.refunded")
            #expect(try await client.get("/v1/events/evt_missing").status == .notFound)
            let both = try await client.get("/v1/events?type=charge.failed&types[]=refund.created")
            #expect(both.status == .badRequest)
            // `delivery_success` is not supported: refused, not ignored.
            #expect(try await client.get("/v1/events?delivery_success=true").status == .badRequest)
        }
    }

    @Test func aRefusedRequestLeavesNoEvent() async throws {
        try await withGateway { client, _, _ in
            let paid = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true")
            let id = try #require(paid.json["id"] as? String)
            let before = Self.types(try await client.get("/v1/events?limit=100"))
            #expect(try await client.post("/v1/payment_intents/\(id)/cancel", "").status == .badRequest)
            #expect(try await client.post("/v1/payment_intents/\(id)/capture", "").status == .badRequest)
            #expect(Self.types(try await client.get("/v1/events?limit=100")) == before)
        }
    }

    @Test func customersAndPaymentMethodsHaveTheirEvents() async throws {
        try await withGateway { client, _, _ in
            let customer = try #require(try await client.post("/v1/customers", "email=a%40example.com").json["id"] as? String)
            _ = try await client.post("/v1/customers/\(customer)", "name=Ana")
            let method = try #require(try await client.post("/v1/payment_methods", PaymentMethodTests.card("4242424242424242")).json["id"] as? String)
            _ = try await client.post("/v1/payment_methods/\(method)/attach", "customer=\(customer)")
            _ = try await client.post("/v1/payment_methods/\(method)/detach", "")
            _ = try await client.execute(uri: "/v1/customers/\(customer)", method: .delete, headers: [.authorization: "Bearer \(testKey)"])
            #expect(Self.types(try await client.get("/v1/events")) == [
                "customer.deleted", "payment_method.detached", "payment_method.attached", "customer.updated", "customer.created"])
        }
    }

    /// The webhook body splices the stored object in as it is: the same JSON as the event the API answers.
    @Test func theWebhookPayloadIsTheEventAsTheAPIRendersIt() async throws {
        try await withGateway { client, store, _ in
            _ = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true&metadata[note]=%22quoted%22%20%C3%A9",
                                      headers: [.init("Idempotency-Key")!: "key-\"1\""])
            let events = try await store.list(EventRecord.self, PageRequest(limit: 10)).items
            #expect(events.count == 3)
            for event in events {
                let payload = try #require(try JSONSerialization.jsonObject(with: Data(Render.eventPayload(event))) as? NSDictionary)
                let rendered = try #require(try JSONSerialization.jsonObject(with: Data(Render.event(event).data())) as? NSDictionary)
                #expect(payload == rendered)
                #expect((payload["request"] as? [String: Any])?["idempotency_key"] as? String == "key-\"1\"")
            }
        }
    }
}
