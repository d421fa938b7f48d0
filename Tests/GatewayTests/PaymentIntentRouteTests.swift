import Foundation
import Hummingbird
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

@Suite struct PaymentIntentRouteTests {
    @Test(arguments: StoreEngine.all) func confirmsWithTestPaymentMethod(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let r = try await client.post("/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true")
            #expect(r.status == .ok)
            #expect(r.headers[.init("Request-Id")!]?.hasPrefix("req_") == true)
            let pi = r.json
            #expect(pi["object"] as? String == "payment_intent")
            #expect(pi["status"] as? String == "succeeded")
            #expect(pi["amount"] as? Int == 1000)
            #expect(pi["amount_received"] as? Int == 1000)
            #expect(pi["currency"] as? String == "usd")
            #expect(pi["livemode"] as? Bool == false)
            #expect((pi["id"] as? String)?.hasPrefix("pi_") == true)
            #expect((pi["latest_charge"] as? String)?.hasPrefix("ch_") == true)
            #expect(pi["last_payment_error"] is NSNull)
            let stored = try await store.find(PaymentIntentRecord.self, id: pi["id"] as! String)
            #expect(stored?.status == .succeeded)
            let charge = try await store.find(ChargeRecord.self, id: pi["latest_charge"] as! String)
            #expect(charge?.paid == true && charge?.amountCaptured == 1000)
        }
    }

    @Test(arguments: [
        ("4000000000009995", "insufficient_funds", "card_declined"),
        ("4000000000000002", "generic_decline", "card_declined"),
        ("4000000000009987", "lost_card", "card_declined"),
        ("4000000000009979", "stolen_card", "card_declined"),
        ("4000000000000069", "expired_card", "expired_card"),
        ("4000000000000127", "incorrect_cvc", "incorrect_cvc"),
        ("4000000000000119", "processing_error", "processing_error"),
    ])
    func declinesCatalogCards(number: String, declineCode: String, code: String) async throws {
        try await withGateway { client, store, _ in
            let form = "amount=2000&currency=eur&confirm=true&payment_method_data[type]=card"
                + "&payment_method_data[card][number]=\(number)&payment_method_data[card][exp_month]=12"
                + "&payment_method_data[card][exp_year]=2034&payment_method_data[card][cvc]=123"
            let r = try await client.post("/v1/payment_intents", form)
            #expect(r.status.code == 402)
            let e = r.error
            #expect(e["type"] as? String == "card_error")
            #expect(e["code"] as? String == code)
            #expect(e["decline_code"] as? String == declineCode)
            let pi = try #require(e["payment_intent"] as? [String: Any])
            #expect(pi["status"] as? String == "requires_payment_method")
            let lastError = try #require(pi["last_payment_error"] as? [String: Any])
            #expect(lastError["decline_code"] as? String == declineCode)
            let stored = try await store.find(PaymentIntentRecord.self, id: pi["id"] as! String)
            #expect(stored?.status == .requiresPaymentMethod)
            let charge = try await store.find(ChargeRecord.self, id: e["charge"] as! String)
            #expect(charge?.status == .failed && charge?.paid == false)
        }
    }

    @Test func luhnFailureIsIncorrectNumberAndWritesNothing() async throws {
        try await withGateway { client, _, dir in
            let r = try await client.post("/v1/payment_intents", "amount=500&currency=usd&confirm=true&payment_method_data[type]=card"
                + "&payment_method_data[card][number]=4242424242424241&payment_method_data[card][exp_month]=1&payment_method_data[card][exp_year]=2040")
            #expect(r.status.code == 402)
            #expect(r.error["code"] as? String == "incorrect_number")
            #expect(r.error["param"] as? String == "number")
            #expect(!(String(buffer: r.body).contains("4242424242424241")))
        }
    }

    @Test(arguments: StoreEngine.all) func manualCaptureHoldsTheAmount(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let r = try await client.post("/v1/payment_intents", "amount=1234&currency=jpy&payment_method=pm_card_mastercard&confirm=true&capture_method=manual&expand[]=latest_charge")
            #expect(r.status == .ok)
            #expect(r.json["status"] as? String == "requires_capture")
            #expect(r.json["amount_capturable"] as? Int == 1234)
            let charge = try #require(r.json["latest_charge"] as? [String: Any])
            #expect(charge["captured"] as? Bool == false)
            let details = try #require(charge["payment_method_details"] as? [String: Any])
            #expect((details["card"] as? [String: Any])?["brand"] as? String == "mastercard")
            #expect((details["card"] as? [String: Any])?["last4"] as? String == "4444")
        }
    }

    @Test(arguments: StoreEngine.all) func tipsArePartOfTheAmount(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let created = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method_types[]=card_present")
            #expect((created.json["amount_details"] as? [String: Any])?["tip"] as? [String: Int] == [:])
            let id = try #require(created.json["id"] as? String)
            let tipped = try await client.post("/v1/payment_intents/\(id)", "amount=1150&amount_details[tip][amount]=150")
            #expect(tipped.json["amount"] as? Int == 1150)
            #expect((tipped.json["amount_details"] as? [String: Any])?["tip"] as? [String: Int] == ["amount": 150])
            let again = try await client.get("/v1/payment_intents/\(id)")
            #expect((again.json["amount_details"] as? [String: Any])?["tip"] as? [String: Int] == ["amount": 150])
            let tooBig = try await client.post("/v1/payment_intents/\(id)", "amount_details[tip][amount]=1150")
            #expect(tooBig.status == .badRequest && tooBig.error["param"] as? String == "amount_details[tip][amount]")
            let withTip = try await client.post("/v1/payment_intents", "amount=500&currency=eur&amount_details[tip][amount]=50")
            #expect((withTip.json["amount_details"] as? [String: Any])?["tip"] as? [String: Int] == ["amount": 50])
        }
    }

    @Test(arguments: StoreEngine.all) func retrievesAndExpands(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let created = try await client.post("/v1/payment_intents", "amount=700&currency=usd&payment_method=pm_card_visa&confirm=true&metadata[order_id]=42")
            let id = try #require(created.json["id"] as? String)
            let r = try await client.get("/v1/payment_intents/\(id)?expand[]=latest_charge")
            #expect(r.status == .ok)
            #expect(r.json["id"] as? String == id)
            #expect((r.json["metadata"] as? [String: String]) == ["order_id": "42"])
            #expect((r.json["latest_charge"] as? [String: Any])?["object"] as? String == "charge")
            let missing = try await client.get("/v1/payment_intents/pi_doesnotexist")
            #expect(missing.status == .notFound)
            #expect(missing.error["code"] as? String == "resource_missing")
            #expect(missing.error["message"] as? String == "No such payment_intent: 'pi_doesnotexist'")
        }
    }

    @Test(arguments: StoreEngine.all) func createWithoutConfirmWaitsForAPaymentMethod(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let r = try await client.post("/v1/payment_intents", "amount=100&currency=usd")
            #expect(r.json["status"] as? String == "requires_payment_method")
            #expect(r.json["latest_charge"] is NSNull)
            #expect((r.json["client_secret"] as? String)?.contains("_secret_") == true)
        }
    }
}

@Suite struct GatewayConventionTests {
    @Test(arguments: StoreEngine.all) func authentication(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let none = try await client.execute(uri: "/v1/payment_intents/pi_x", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.error["type"] as? String == "invalid_request_error")
            #expect((none.error["message"] as? String)?.hasPrefix("You did not provide an API key") == true)

            let wrong = try await client.get("/v1/payment_intents/pi_x", key: "sk_test_wrongwrongwrong1234")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.error["message"] as? String == "Invalid API Key provided: sk_test_***************1234.")

            let basic = Data("\(testKey):".utf8).base64EncodedString()
            let ok = try await client.execute(uri: "/v1/payment_intents/pi_x", method: .get, headers: [.authorization: "Basic \(basic)"])
            #expect(ok.status == .notFound)
        }
    }

    @Test(arguments: [
        ("currency=usd", "amount", "Missing required param: amount."),
        ("amount=abc&currency=usd", "amount", "Invalid integer: abc"),
        ("amount=1e3&currency=usd", "amount", "Invalid integer: 1e3"),
        ("amount=10.5&currency=usd", "amount", "Invalid integer: 10.5"),
        ("amount=-5&currency=usd", "amount", nil),
        ("amount=99999999999999999999999&currency=usd", "amount", nil),
        ("amount=0x10&currency=usd", "amount", nil),
        ("amount=&currency=usd", "amount", nil),
        ("amount=100&currency=usd&description=%zz", nil, nil),
        ("amount=0&currency=usd", "amount", nil),
        ("amount=100&currency=zzz", "currency", nil),
        ("amount=100&currency=usd&foo=1", "foo", "Received unknown parameter: foo"),
        ("amount=100&currency=usd&payment_method_data[type]=card&payment_method_data[card][number]=4242424242424242&payment_method_data[card][exp_month]=1&payment_method_data[card][exp_year]=2040&payment_method_data[card][colour]=red",
         "payment_method_data[card][colour]", "Received unknown parameter: payment_method_data[card][colour]"),
        ("amount=100&amount=200&currency=usd", "amount", nil),
        ("amount[x]=1&currency=usd", "amount", nil),
        ("amount=100&currency=usd&confirm=maybe", "confirm", "Invalid boolean: maybe"),
        ("amount=105&currency=kwd", "amount", nil),
        ("amount=100&currency=usd&capture_method=later", "capture_method", nil),
        ("amount=100&currency=usd&confirm=true", "payment_method", nil),
        ("amount=100&currency=usd&payment_method=pm_nope", "payment_method", nil),
        ("amount=100&currency=usd&metadata[\(String(repeating: "k", count: 41))]=v", nil, nil),
        ("a[b][c][d][e][f][g][h][i][j]=1", "a[b][c][d][e][f][g][h][i][j]", nil),
        ("amount=100&currency=usd&payment_method_types[5]=card", "payment_method_types[5]", nil),
    ] as [(String, String?, String?)])
    func badParametersAreNamed(form: String, param: String?, message: String?) async throws {
        try await withGateway { client, store, _ in
            let r = try await client.post("/v1/payment_intents", form)
            #expect((400...404).contains(Int(r.status.code)), "\(form) → \(r.status)")
            #expect(r.error["type"] as? String == "invalid_request_error")
            if let param { #expect(r.error["param"] as? String == param, "\(form)") }
            if let message { #expect(r.error["message"] as? String == message) }
        }
    }

    @Test func hostileBodiesGetA4xxNeverA500() async throws {
        try await withGateway { client, _, _ in
            var rng = SystemRandomNumberGenerator()
            let alphabet = Array("ab[]=&%+0123456789xyz_\u{0}é")
            let endpoints = ["/v1/payment_intents", "/v1/customers", "/v1/payment_methods", "/v1/refunds", "/v1/payment_intents/pi_x/capture"]
            for i in 0..<300 {
                let len = Int.random(in: 0..<80, using: &rng)
                let form = String((0..<len).map { _ in alphabet.randomElement(using: &rng)! })
                let r = try await client.post(endpoints[i % endpoints.count], form)
                #expect(r.status.code < 500, "\(form.debugDescription) → \(r.status)")
            }
            // Structured noise: real parameter names at random depths with odd values.
            let names = ["amount", "currency", "confirm", "payment_method", "metadata", "expand", "customer", "payment_method_data", "card", "charge"]
            let values = ["", "1", "-1", "1e9", "99999999999999999999", "true", "usd", "pm_card_visa", "%00", "%C3%28", "é", "[", "]"]
            for i in 0..<300 {
                let pairs = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                    let depth = Int.random(in: 0...3, using: &rng)
                    let key = names.randomElement(using: &rng)! + (0..<depth).map { _ in Bool.random(using: &rng) ? "[]" : "[\(names.randomElement(using: &rng)!)]" }.joined()
                    return key + "=" + values.randomElement(using: &rng)!
                }
                let form = pairs.joined(separator: "&")
                let r = try await client.post(endpoints[i % endpoints.count], form)
                #expect(r.status.code < 500, "\(form.debugDescription) → \(r.status)")
                if r.status.code >= 400 { #expect(r.error["message"] is String, "\(form)") }
            }
            var invalidUTF8 = ByteBuffer(string: "amount=1&currency=")
            invalidUTF8.writeBytes([0xC3, 0x28, 0xFF])
            let bad = try await client.execute(uri: "/v1/payment_intents", method: .post,
                                               headers: [.authorization: "Bearer \(testKey)", .contentType: "application/x-www-form-urlencoded"], body: invalidUTF8)
            #expect(bad.status == .badRequest)
            let huge = try await client.post("/v1/payment_intents", "description=" + String(repeating: "x", count: GatewayApp.maxBodySize + 10))
            #expect(huge.status.code == 413)
            #expect(huge.error["type"] as? String == "invalid_request_error")
            let json = try await client.execute(uri: "/v1/payment_intents", method: .post,
                                                headers: [.authorization: "Bearer \(testKey)", .contentType: "application/json"],
                                                body: ByteBuffer(string: "{\"amount\": 1}"))
            #expect(json.status == .badRequest)
        }
    }

    @Test func unknownRouteIsStripeShaped() async throws {
        try await withGateway { client, _, _ in
            let r = try await client.post("/v1/nope", "")
            #expect(r.status == .notFound)
            #expect((r.error["message"] as? String)?.hasPrefix("Unrecognized request URL (POST: /v1/nope)") == true)
        }
    }

    @Test func databaseNeverHoldsAFullCardNumber() async throws {
        try await withGateway { client, store, dir in
            for number in ["4242424242424242", "4000000000009995"] {
                _ = try await client.post("/v1/payment_intents", "amount=1000&currency=usd&confirm=true&payment_method_data[type]=card"
                    + "&payment_method_data[card][number]=\(number)&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2035&payment_method_data[card][cvc]=987")
            }
            await store.shutdown()
            for file in ["gateway.sqlite", "gateway.sqlite-wal"] {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                #expect(!text.contains("4242424242424242"))
                #expect(!text.contains("4000000000009995"))
                #expect(!text.contains("987\""))
            }
        }
    }
}

@Suite struct FormNodeTests {
    @Test func parsesStripeBrackets() throws {
        var p = FormParams(try FormNode.parse("a=1&b[c]=2&list[]=x&list[]=y&idx[0]=p&idx[1]=q&items[][k]=1&items[][k]=2&sp=a+b%26c"))
        #expect(try p.string("a") == "1")
        #expect(try p.string("b", "c") == "2")
        #expect(try p.stringList("list") == ["x", "y"])
        #expect(try p.stringList("idx") == ["p", "q"])
        #expect(try p.string("items", "0", "k") == "1")
        #expect(try p.string("items", "1", "k") == "2")
        #expect(try p.string("sp") == "a b&c")
        try p.rejectUnknown()
    }

    @Test func rejectsDuplicatesAndMixedShapes() {
        #expect(throws: APIError.self) { try FormNode.parse("a=1&a=2") }
        #expect(throws: APIError.self) { try FormNode.parse("a=1&a[b]=2") }
        #expect(throws: APIError.self) { try FormNode.parse("a[0]=1&a[b]=2") }
        #expect(throws: APIError.self) { try FormNode.parse("a[2]=1") }
        #expect(throws: APIError.self) { try FormNode.parse("a]=1") }
        #expect(throws: APIError.self) { try FormNode.parse("[a]=1") }
        #expect(throws: APIError.self) { try FormNode.parse("a[b=1") }
    }
}
