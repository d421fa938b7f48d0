import Foundation
import NIOCore
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// Incremental authorization of card-present payments: who may, the issuer's checks on the increase, declines that
/// change nothing, the ten attempts, partial capture after an increment, and the card's hold, on every SQL engine.
@Suite struct IncrementalAuthorizationTests {
    static let request = "&capture_method=manual&payment_method_options[card_present][request_incremental_authorization_support]=true"

    @Test(arguments: StoreEngine.all) func incrementThenCaptureLess(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let terminal = try await TestChipTerminal.make(client)
            let pi = try await terminal.swipeSale(try track("4242424242424242"), amount: 1000, Self.request)
            let id = pi["id"] as! String
            #expect(pi["status"] as? String == "requires_capture")
            let options = (pi[object: "payment_method_options"]?[object: "card_present"])
            #expect(options?["request_incremental_authorization_support"] as? Bool == true)
            #expect(options?["request_extended_authorization"] as? Bool == false)
            let details = try #require(pi.cardPresent)
            #expect(details["incremental_authorization_supported"] as? Bool == true)
            #expect(details["overcapture_supported"] as? Bool == false)
            #expect(details["amount_authorized"] as? Int == 1000)

            let same = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=1000")
            #expect(same.status == .badRequest && same.error["param"] as? String == "amount" && same.error["code"] as? String == "parameter_invalid")
            let missing = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "")
            #expect(missing.status == .badRequest && missing.error["param"] as? String == "amount")
            let unknown = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=1500&tip=1")
            #expect(unknown.error["message"] as? String == "Received unknown parameter: tip")

            let raised = try await client.post("/v1/payment_intents/\(id)/increment_authorization",
                                               "amount=1500&description=Room%20service&metadata[folio]=12&statement_descriptor=HOTEL&expand[]=latest_charge")
            #expect(raised.status == .ok)
            #expect(raised.json["amount"] as? Int == 1500 && raised.json["amount_capturable"] as? Int == 1500)
            #expect(raised.json["status"] as? String == "requires_capture")
            #expect(raised.json["description"] as? String == "Room service" && raised.json["statement_descriptor"] as? String == "HOTEL")
            #expect(raised.json[object: "metadata"]?["folio"] as? String == "12")
            let charge = try #require(raised.json[object: "latest_charge"])
            #expect(charge["amount"] as? Int == 1500)
            #expect(raised.json.cardPresent?["amount_authorized"] as? Int == 1500)
            #expect(raised.json.cardPresent?["incremental_authorization_supported"] as? Bool == true)
            #expect(try await store.find(PaymentIntentRecord.self, id: id)?.incrementAttempts == 1)

            // Partial capture after the increment: up to the new total, the rest released.
            let tooMuch = try await client.post("/v1/payment_intents/\(id)/capture", "amount_to_capture=1501")
            #expect(tooMuch.error["code"] as? String == "amount_too_large")
            let captured = try await client.post("/v1/payment_intents/\(id)/capture", "amount_to_capture=1200&expand[]=latest_charge")
            #expect(captured.json["status"] as? String == "succeeded" && captured.json["amount_received"] as? Int == 1200)
            #expect(captured.json[object: "latest_charge"]?["amount_captured"] as? Int == 1200)
            let after = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=2000")
            #expect(after.status == .badRequest && after.error["code"] as? String == "payment_intent_unexpected_state")
            #expect(after.error["message"] as? String
                == "You cannot increment the authorization of this PaymentIntent because it has a status of succeeded. Only a PaymentIntent with one of the following statuses may be incremented: requires_capture.")
        }
    }

    @Test(arguments: StoreEngine.all) func aDeclineChangesNothingButTheCount(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let terminal = try await TestChipTerminal.make(client)
            // 100.00 open to buy: 60.00 held, +60.00 is too much, +30.00 fits.
            let pi = try await terminal.swipeSale(try track("4000000000001257"), amount: 6000, Self.request)
            let id = pi["id"] as! String
            let fingerprint = try #require(try await store.find(ChargeRecord.self, id: pi[object: "latest_charge"]?["id"] as! String)?.fingerprint)
            #expect(try await store.issuerHeld(fingerprint: fingerprint) == 6000)

            let declined = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=12000&description=changed")
            #expect(declined.status.code == 402)
            #expect(declined.error["type"] as? String == "card_error" && declined.error["code"] as? String == "card_declined")
            #expect(declined.error["decline_code"] as? String == "insufficient_funds")
            #expect((declined.error["payment_intent"] as? [String: Any])?["amount"] as? Int == 6000)
            let unchanged = try await client.get("/v1/payment_intents/\(id)?expand[]=latest_charge")
            #expect(unchanged.json["amount"] as? Int == 6000 && unchanged.json["amount_capturable"] as? Int == 6000)
            #expect(unchanged.json["status"] as? String == "requires_capture" && unchanged.json["description"] is NSNull)
            #expect(unchanged.json[object: "latest_charge"]?["amount"] as? Int == 6000)
            #expect(unchanged.json.cardPresent?["amount_authorized"] as? Int == 6000)
            #expect(try await store.issuerHeld(fingerprint: fingerprint) == 6000)

            // A card-present test amount declines the increase as it would a payment.
            let testAmount = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=7005")
            #expect(testAmount.error["decline_code"] as? String == "generic_decline")

            let raised = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=9000")
            #expect(raised.status == .ok && raised.json["amount"] as? Int == 9000)
            #expect(try await store.issuerHeld(fingerprint: fingerprint) == 9000)
            #expect(try await store.find(PaymentIntentRecord.self, id: id)?.incrementAttempts == 3)
            // Capturing 50.00 releases the 40.00 left of the 90.00 held.
            let captured = try await client.post("/v1/payment_intents/\(id)/capture", "amount_to_capture=5000")
            #expect(captured.json["amount_received"] as? Int == 5000)
            #expect(try await store.issuerHeld(fingerprint: fingerprint) == 5000)
        }
    }

    @Test func theSingleCardLimitAppliesToTheNewTotal() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let id = try await terminal.swipeSale(try track("4000000000005001"), amount: 4000, Self.request)["id"] as! String
            let over = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=5010")
            #expect(over.error["decline_code"] as? String == "card_velocity_exceeded")
            let at = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=5000")
            #expect(at.json["amount"] as? Int == 5000)
        }
    }

    @Test func atMostTenAttemptsDeclinesIncluded() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let id = try await terminal.swipeSale(try track("5555555555554444"), amount: 1000, Self.request)["id"] as! String
            for attempt in 1...9 {
                let declined = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=\(1000 + attempt * 100 + 5)")
                #expect(declined.status.code == 402, "attempt \(attempt)")
            }
            let tenth = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=3000")
            #expect(tenth.status == .ok && tenth.json["amount"] as? Int == 3000)
            let eleventh = try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=4000")
            #expect(eleventh.status == .badRequest && eleventh.error["code"] as? String == "incremental_authorization_unsupported")
            #expect((eleventh.error["message"] as? String)?.contains("maximum of 10") == true)
            let captured = try await client.post("/v1/payment_intents/\(id)/capture", "")
            #expect(captured.json["amount_received"] as? Int == 3000)
        }
    }

    @Test func onlyRequestedManualVisaMastercardAmexDiscoverCardPresent() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            func increment(_ id: String) async throws -> TestResponse {
                try await client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=99000")
            }
            func expectUnsupported(_ r: TestResponse, _ label: String) {
                #expect(r.status == .badRequest && r.error["type"] as? String == "invalid_request_error", "\(label)")
                #expect(r.error["code"] as? String == "incremental_authorization_unsupported", "\(label)")
            }
            // Not requested.
            let plain = try await terminal.swipeSale(try track("4242424242424242"), amount: 1000, "&capture_method=manual")
            #expect(plain.cardPresent?["incremental_authorization_supported"] as? Bool == false)
            expectUnsupported(try await increment(plain["id"] as! String), "not requested")
            // A brand without incremental authorization.
            let jcb = try await terminal.swipeSale(try track("3566002020360505"), amount: 1000, Self.request)
            #expect(jcb.cardPresent?["incremental_authorization_supported"] as? Bool == false)
            expectUnsupported(try await increment(jcb["id"] as! String), "jcb")
            for number in ["378282246310005", "6011111111111117"] {
                let supported = try await terminal.swipeSale(try track(number), amount: 1000, Self.request)
                #expect(supported.cardPresent?["incremental_authorization_supported"] as? Bool == true, "\(number.prefix(6))")
            }
            // An online card payment.
            let online = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true" + Self.request).json
            expectUnsupported(try await increment(online["id"] as! String), "online")
            // Requested with automatic capture: the intent is never in requires_capture.
            let automatic = try await terminal.swipeSale(try track("4242424242424242"), amount: 1000,
                                                          "&payment_method_options[card_present][request_incremental_authorization_support]=true")
            #expect(automatic.cardPresent?["incremental_authorization_supported"] as? Bool == false)
            #expect(try await increment(automatic["id"] as! String).error["code"] as? String == "payment_intent_unexpected_state")
            // Requested on confirm.
            let created = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method_types[]=card_present&capture_method=manual").json
            let confirm = try terminal.swipeForm(try track("4242424242424242"), amount: 1000, currency: "eur")
                .split(separator: "&").filter { !["amount", "currency", "confirm", "payment_method_types[]"].contains($0.split(separator: "=")[0]) }
                .joined(separator: "&")
            let confirmed = try await client.post("/v1/payment_intents/\(created["id"] as! String)/confirm",
                                                  confirm + "&payment_method_options[card_present][request_incremental_authorization_support]=true")
            #expect(confirmed.json.cardPresent?["incremental_authorization_supported"] as? Bool == true)
            // Other card_present options are refused by name.
            let other = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method_options[card_present][request_extended_authorization]=true")
            #expect(other.error["message"] as? String == "Received unknown parameter: payment_method_options[card_present][request_extended_authorization]")
            let bad = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method_options[card_present][request_incremental_authorization_support]=yes")
            #expect(bad.error["param"] as? String == "payment_method_options[card_present][request_incremental_authorization_support]")
        }
    }

    @Test(arguments: StoreEngine.all) func racingCaptureAndIncrementStayConsistent(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let terminal = try await TestChipTerminal.make(client)
            for round in 0..<4 {
                let pi = try await terminal.swipeSale(try track("4000000000001257"), amount: 2000, Self.request)
                let id = pi["id"] as! String
                async let capture = client.post("/v1/payment_intents/\(id)/capture", round % 2 == 0 ? "" : "amount_to_capture=1500")
                async let increment = client.post("/v1/payment_intents/\(id)/increment_authorization", "amount=3000")
                let (c, i) = try await (capture, increment)
                #expect(c.status == .ok, "round \(round)")
                #expect([200, 400].contains(i.status.code), "round \(round): \(i.status)")
                let intent = try #require(try await store.find(PaymentIntentRecord.self, id: id))
                let charge = try #require(try await store.find(ChargeRecord.self, id: intent.latestCharge ?? ""))
                #expect(intent.status == .succeeded && charge.amount == intent.amount, "round \(round)")
                #expect(intent.amount == (i.status == .ok ? 3000 : 2000), "round \(round)")
                #expect(charge.amountCaptured == intent.amountReceived)
                // Whatever won, the card holds exactly what was captured (the rest released).
                let fingerprint = try #require(charge.fingerprint)
                #expect(try await store.issuerHeld(fingerprint: fingerprint) == charge.amountCaptured)
                // Refunded in full, the card holds nothing again for the next round.
                #expect(try await client.post("/v1/refunds", "payment_intent=\(id)").status == .ok)
                #expect(try await store.issuerHeld(fingerprint: fingerprint) == 0)
            }
        }
    }
}
