import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Gateway

@Suite struct CustomerTests {
    @Test(arguments: StoreEngine.all) func createRetrieveUpdateDelete(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let created = try await client.post("/v1/customers", "email=jenny%40example.com&name=Jenny+Rosen&metadata[tier]=gold&metadata[ref]=7")
            #expect(created.status == .ok)
            let id = try #require(created.json["id"] as? String)
            #expect(id.hasPrefix("cus_"))
            #expect(created.json["object"] as? String == "customer")
            #expect(created.json["email"] as? String == "jenny@example.com")
            #expect((created.json["metadata"] as? [String: String]) == ["tier": "gold", "ref": "7"])

            let pm = try await client.post("/v1/payment_methods", "type=card&card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=2031").json["id"] as! String
            let notYours = try await client.post("/v1/customers/\(id)", "invoice_settings[default_payment_method]=\(pm)")
            #expect(notYours.error["param"] as? String == "invoice_settings[default_payment_method]")
            _ = try await client.post("/v1/payment_methods/\(pm)/attach", "customer=\(id)")
            let updated = try await client.post("/v1/customers/\(id)", "name=&metadata[ref]=&metadata[city]=Paris&invoice_settings[default_payment_method]=\(pm)")
            #expect(updated.json["name"] is NSNull)
            #expect((updated.json["metadata"] as? [String: String]) == ["tier": "gold", "city": "Paris"])
            #expect((updated.json["invoice_settings"] as? [String: Any])?["default_payment_method"] as? String == pm)

            let fetched = try await client.get("/v1/customers/\(id)")
            #expect(fetched.json["email"] as? String == "jenny@example.com")

            let deleted = try await client.execute(uri: "/v1/customers/\(id)", method: .delete, headers: [.authorization: "Bearer \(testKey)"])
            #expect(deleted.json["deleted"] as? Bool == true)
            let after = try await client.get("/v1/customers/\(id)")
            #expect(after.json["deleted"] as? Bool == true)
            let updateDeleted = try await client.post("/v1/customers/\(id)", "name=x")
            #expect(updateDeleted.status == .notFound)
            let list = try await client.get("/v1/customers")
            #expect((list.json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: StoreEngine.all) func badCustomerInput(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let email = try await client.post("/v1/customers", "email=not-an-email")
            #expect(email.status == .badRequest)
            #expect(email.error["param"] as? String == "email")
            let unknown = try await client.post("/v1/customers", "colour=red")
            #expect(unknown.error["message"] as? String == "Received unknown parameter: colour")
            let missing = try await client.get("/v1/customers/cus_nope")
            #expect(missing.status == .notFound)
        }
    }
}

@Suite struct PaginationTests {
    /// Five customers created in a known order (same second, so the id breaks ties — the order must still be total).
    func fiveCustomers(_ client: any TestClientProtocol) async throws -> [String] {
        var ids: [String] = []
        for i in 0..<5 {
            let r = try await client.post("/v1/customers", "email=c\(i)%40example.com")
            ids.append(r.json["id"] as! String)
        }
        return ids
    }

    func page(_ client: any TestClientProtocol, _ query: String) async throws -> (ids: [String], hasMore: Bool, response: TestResponse) {
        let r = try await client.get("/v1/customers?\(query)")
        let data = (r.json["data"] as? [[String: Any]]) ?? []
        return (data.compactMap { $0["id"] as? String }, r.json["has_more"] as? Bool ?? false, r)
    }

    @Test(arguments: StoreEngine.all) func walksForwardAndBackwardWithoutGapsOrRepeats(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            _ = try await fiveCustomers(client)
            let all = try await page(client, "limit=100")
            #expect(all.ids.count == 5)
            #expect(all.response.json["object"] as? String == "list")
            #expect(all.response.json["url"] as? String == "/v1/customers")
            #expect(!all.hasMore)

            var seen: [String] = []
            var cursor: String?
            repeat {
                let p = try await page(client, "limit=2" + (cursor.map { "&starting_after=\($0)" } ?? ""))
                seen += p.ids
                cursor = p.hasMore ? p.ids.last : nil
            } while cursor != nil
            #expect(seen == all.ids)

            let before = try await page(client, "limit=2&ending_before=\(all.ids[3])")
            #expect(before.ids == [all.ids[1], all.ids[2]])
            #expect(before.hasMore)
            let filtered = try await page(client, "email=c3%40example.com")
            #expect(filtered.ids.count == 1)
        }
    }

    @Test(arguments: StoreEngine.all) func listParametersAreChecked(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            for (query, param) in [("limit=0", "limit"), ("limit=101", "limit"), ("starting_after=cus_x&ending_before=cus_y", "ending_before"),
                                   ("starting_after=cus_missing", "starting_after"), ("created[gt]=abc", "created[gt]"), ("sort=asc", "sort")] {
                let r = try await client.get("/v1/customers?\(query)")
                #expect((400...404).contains(Int(r.status.code)), "\(query)")
                #expect(r.error["param"] as? String == param, "\(query)")
            }
            let empty = try await page(client, "created[gt]=4102444800")
            #expect(empty.ids.isEmpty)
        }
    }

    @Test(arguments: StoreEngine.all) func paymentIntentsListNewestFirst(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            var ids: [String] = []
            for amount in [100, 200, 300] {
                let r = try await client.post("/v1/payment_intents", "amount=\(amount)&currency=usd&payment_method=pm_card_visa&confirm=true")
                ids.append(r.json["id"] as! String)
            }
            let r = try await client.get("/v1/payment_intents?limit=2")
            let data = (r.json["data"] as? [[String: Any]]) ?? []
            #expect(data.count == 2)
            #expect(r.json["has_more"] as? Bool == true)
            #expect(Set(data.compactMap { $0["id"] as? String }).isSubset(of: Set(ids)))
        }
    }
}
