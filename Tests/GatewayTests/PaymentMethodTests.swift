import Foundation
import PaymentCore
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Gateway

@Suite struct PaymentMethodTests {
    static func card(_ number: String, cvc: String = "123") -> String {
        "type=card&card[number]=\(number)&card[exp_month]=12&card[exp_year]=2034&card[cvc]=\(cvc)"
    }

    @Test func createRetrieveAttachListDetach() async throws {
        try await withGateway { client, _, dir in
            let pm = try await client.post("/v1/payment_methods", Self.card("4242424242424242"))
            #expect(pm.status == .ok)
            let id = try #require(pm.json["id"] as? String)
            let card = try #require(pm.json["card"] as? [String: Any])
            #expect(card["brand"] as? String == "visa")
            #expect(card["last4"] as? String == "4242")
            #expect(card["exp_year"] as? Int == 2034)
            let fingerprint = try #require(card["fingerprint"] as? String)
            #expect(fingerprint.count == 16)
            // The same number gives the same fingerprint; another number another one.
            let again = try await client.post("/v1/payment_methods", Self.card("4242424242424242"))
            #expect((again.json["card"] as? [String: Any])?["fingerprint"] as? String == fingerprint)
            let other = try await client.post("/v1/payment_methods", Self.card("5555555555554444"))
            #expect((other.json["card"] as? [String: Any])?["fingerprint"] as? String != fingerprint)

            let cus = try await client.post("/v1/customers", "email=a%40b.co")
            let cusID = try #require(cus.json["id"] as? String)
            let attached = try await client.post("/v1/payment_methods/\(id)/attach", "customer=\(cusID)")
            #expect(attached.json["customer"] as? String == cusID)
            let list = try await client.get("/v1/payment_methods?customer=\(cusID)&type=card")
            #expect(((list.json["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [id])
            let detached = try await client.post("/v1/payment_methods/\(id)/detach", "")
            #expect(detached.json["customer"] is NSNull)
            let detachAgain = try await client.post("/v1/payment_methods/\(id)/detach", "")
            #expect(detachAgain.status == .badRequest)
            let noCustomer = try await client.post("/v1/payment_methods/\(id)/attach", "customer=cus_nope")
            #expect(noCustomer.status == .notFound)
            #expect(noCustomer.error["param"] as? String == "customer")
            #expect(!(String(buffer: pm.body).contains("4242424242424242")))
        }
    }

    @Test(arguments: StoreEngine.all) func storedMethodsPayWithTheirOwnCard(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let good = try await client.post("/v1/payment_methods", Self.card("4242424242424242"))
            let r = try await client.post("/v1/payment_intents", "amount=1500&currency=eur&confirm=true&payment_method=\(good.json["id"] as! String)")
            #expect(r.status == .ok)
            #expect(r.json["status"] as? String == "succeeded")
            #expect(r.json["payment_method"] as? String == good.json["id"] as? String)

            let broke = try await client.post("/v1/payment_methods", Self.card("4000000000009995"))
            let d = try await client.post("/v1/payment_intents", "amount=1500&currency=eur&confirm=true&payment_method=\(broke.json["id"] as! String)")
            #expect(d.status.code == 402)
            #expect(d.error["decline_code"] as? String == "insufficient_funds")

            let missing = try await client.post("/v1/payment_intents", "amount=1500&currency=eur&confirm=true&payment_method=pm_doesnotexist")
            #expect(missing.status == .notFound)
            #expect(missing.error["param"] as? String == "payment_method")
        }
    }

    @Test(arguments: StoreEngine.all) func badCardsAreRefusedAndNothingIsStored(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let luhn = try await client.post("/v1/payment_methods", Self.card("4242424242424241"))
            #expect(luhn.status.code == 402)
            #expect(luhn.error["code"] as? String == "incorrect_number")
            let cvc = try await client.post("/v1/payment_methods", Self.card("4242424242424242", cvc: "12a"))
            #expect(cvc.error["code"] as? String == "invalid_cvc")
            let type = try await client.post("/v1/payment_methods", "type=ideal")
            #expect(type.error["param"] as? String == "type")
            let page = try await store.list(PaymentMethodRecord.self, PageRequest(limit: 100))
            #expect(page.items.isEmpty)
        }
    }

    @Test(arguments: StoreEngine.all) func testPaymentMethodIDsBecomeNewMethods(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let customer = try await client.post("/v1/customers", "email=t%40example.com").json["id"] as! String
            let attached = try await client.post("/v1/payment_methods/pm_card_visa/attach", "customer=\(customer)")
            #expect(attached.status == .ok)
            let id = try #require(attached.json["id"] as? String)
            #expect(id != "pm_card_visa" && id.hasPrefix("pm_"))
            #expect(attached.json["customer"] as? String == customer)
            #expect((attached.json["card"] as? [String: Any])?["last4"] as? String == "4242")
            let paid = try await client.post("/v1/payment_intents", "amount=300&currency=usd&customer=\(customer)&payment_method=\(id)&confirm=true")
            #expect(paid.json["status"] as? String == "succeeded")
            let mastercard = try await client.get("/v1/payment_methods/pm_card_mastercard")
            #expect((mastercard.json["card"] as? [String: Any])?["brand"] as? String == "mastercard")
            let listed = try await client.get("/v1/payment_methods?customer=\(customer)")
            #expect((listed.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        }
    }

    @Test func vaultSealsAndOpens() throws {
        let vault = CardVault(keyMaterial: Array(repeating: 7, count: 32))
        let pan = try PAN("4242424242424242")
        let sealed = try vault.seal(pan)
        #expect(!sealed.contains("4242424242424242"))
        #expect(try vault.open(sealed) == pan)
        #expect(vault.fingerprint(pan) == CardVault(keyMaterial: Array(repeating: 7, count: 32)).fingerprint(pan))
        #expect(vault.fingerprint(pan) != CardVault(keyMaterial: Array(repeating: 8, count: 32)).fingerprint(pan))
        #expect(throws: (any Error).self) { try CardVault(keyMaterial: Array(repeating: 8, count: 32)).open(sealed) }
    }
}
