import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import Gateway

/// `/v1/webhook_endpoints` over HTTP: Stripe's object and errors; the secret shown once.
@Suite struct WebhookEndpointTests {
    static func delete(_ client: any TestClientProtocol, _ path: String) async throws -> TestResponse {
        try await client.execute(uri: path, method: .delete, headers: [.authorization: "Bearer \(testKey)"])
    }

    @Test(arguments: StoreEngine.all) func endpointsAreCreatedChangedListedAndDeleted(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let created = try await client.post("/v1/webhook_endpoints",
                                                "url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&enabled_events[]=charge.succeeded&enabled_events[]=payment_intent.succeeded&description=shop&metadata[env]=qa")
            #expect(created.status == .ok)
            let id = try #require(created.json["id"] as? String)
            #expect(id.hasPrefix("we_") && created.json["object"] as? String == "webhook_endpoint")
            let secret = try #require(created.json["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && secret.count == 38)
            #expect(created.json["enabled_events"] as? [String] == ["charge.succeeded", "payment_intent.succeeded"])
            #expect(created.json["status"] as? String == "enabled" && created.json["url"] as? String == "http://127.0.0.1:9/hook")
            #expect(created.json["description"] as? String == "shop" && (created.json["metadata"] as? [String: String]) == ["env": "qa"])
            #expect(created.json["livemode"] as? Bool == false && created.json["api_version"] is NSNull)

            // The secret is never shown again.
            let retrieved = try await client.get("/v1/webhook_endpoints/\(id)")
            #expect(retrieved.status == .ok && retrieved.json["secret"] == nil && retrieved.json["id"] as? String == id)

            let updated = try await client.post("/v1/webhook_endpoints/\(id)", "enabled_events[]=*&disabled=true&url=https%3A%2F%2Fshop.example%2Fwh&metadata[env]=")
            #expect(updated.status == .ok)
            #expect(updated.json["enabled_events"] as? [String] == ["*"] && updated.json["status"] as? String == "disabled")
            #expect(updated.json["url"] as? String == "https://shop.example/wh" && (updated.json["metadata"] as? [String: String]) == [:])
            #expect(updated.json["secret"] == nil)
            let enabled = try await client.post("/v1/webhook_endpoints/\(id)", "disabled=false")
            #expect(enabled.json["status"] as? String == "enabled" && enabled.json["description"] as? String == "shop")

            _ = try await client.post("/v1/webhook_endpoints", "url=http%3A%2F%2F127.0.0.1%3A9%2Fother&enabled_events[]=*")
            let list = try await client.get("/v1/webhook_endpoints")
            let data = try #require(list.json["data"] as? [[String: Any]])
            #expect(data.count == 2 && data[1]["id"] as? String == id && data.allSatisfy { $0["secret"] == nil })

            let deleted = try await Self.delete(client, "/v1/webhook_endpoints/\(id)")
            #expect(deleted.status == .ok && deleted.json["deleted"] as? Bool == true && deleted.json["id"] as? String == id)
            #expect(try await client.get("/v1/webhook_endpoints/\(id)").status == .notFound)
            #expect(try await Self.delete(client, "/v1/webhook_endpoints/\(id)").status == .notFound)
            #expect((try await client.get("/v1/webhook_endpoints").json["data"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func badEndpointsAreRefusedWithStripesErrors() async throws {
        try await withGateway { client, _, _ in
            func refusal(_ form: String) async throws -> (String?, String?) {
                let r = try await client.post("/v1/webhook_endpoints", form)
                #expect(r.status == .badRequest, "\(form)")
                return (r.error["param"] as? String, r.error["message"] as? String)
            }
            #expect(try await refusal("enabled_events[]=*").0 == "url")
            #expect(try await refusal("url=http%3A%2F%2F127.0.0.1%2Fh").0 == "enabled_events")
            let (param, message) = try await refusal("url=http%3A%2F%2F127.0.0.1%2Fh&enabled_events[]=charge.succeeded&enabled_events[]=charge.succeded")
            #expect(param == "enabled_events[1]" && message?.hasPrefix("Invalid enabled_events[1]: must be * or one of payment_intent.created,") == true)
            #expect(try await refusal("url=ftp%3A%2F%2F127.0.0.1%2Fh&enabled_events[]=*").0 == "url")
            #expect(try await refusal("url=not%20a%20url&enabled_events[]=*").0 == "url")
            #expect(try await refusal("url=http%3A%2F%2F127.0.0.1%2Fh&enabled_events[]=*&colour=red").0 == "colour")
            #expect((try await client.get("/v1/webhook_endpoints").json["data"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await client.post("/v1/webhook_endpoints/we_missing", "disabled=true").status == .notFound)

            for n in 0..<WebhookEndpointRoutes.maxEndpoints {
                #expect(try await client.post("/v1/webhook_endpoints", "url=http%3A%2F%2F127.0.0.1%2Fh\(n)&enabled_events[]=*").status == .ok)
            }
            let (_, limit) = try await refusal("url=http%3A%2F%2F127.0.0.1%2Fh&enabled_events[]=*")
            #expect(limit == "You have reached the maximum of 16 test webhook endpoints.")
        }
    }
}
