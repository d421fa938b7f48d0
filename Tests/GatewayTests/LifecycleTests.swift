import Foundation
import Hummingbird
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// The payment intent lifecycle after creation — update, confirm, capture, cancel — and refunds, balance and fees,
/// on every SQL engine.
@Suite struct LifecycleTests {
    func create(_ client: any TestClientProtocol, _ form: String) async throws -> [String: Any] {
        let r = try await client.post("/v1/payment_intents", form)
        #expect(r.status == .ok, "\(form) → \(String(buffer: r.body).prefix(300))")
        return r.json
    }

    @Test(arguments: StoreEngine.all) func manualCaptureFullPartialAndTwice(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let pi = try await create(client, "amount=1000&currency=eur&payment_method=pm_card_visa&capture_method=manual&confirm=true")
            #expect(pi["status"] as? String == "requires_capture")
            #expect(pi["amount_capturable"] as? Int == 1000)
            #expect(pi["amount_received"] as? Int == 0)
            let id = pi["id"] as! String
            let charge = try #require(try await store.find(ChargeRecord.self, id: pi["latest_charge"] as! String))
            #expect(charge.captured == false && charge.balanceTransaction == nil && charge.paid)

            let tooMuch = try await client.post("/v1/payment_intents/\(id)/capture", "amount_to_capture=1001")
            #expect(tooMuch.status == .badRequest)
            #expect(tooMuch.error["param"] as? String == "amount_to_capture")

            let captured = try await client.post("/v1/payment_intents/\(id)/capture", "amount_to_capture=600&expand[]=latest_charge.balance_transaction")
            #expect(captured.status == .ok)
            #expect(captured.json["status"] as? String == "succeeded")
            #expect(captured.json["amount_received"] as? Int == 600)
            #expect(captured.json["amount_capturable"] as? Int == 0)
            let latest = try #require(captured.json["latest_charge"] as? [String: Any])
            #expect(latest["amount_captured"] as? Int == 600)
            #expect(latest["captured"] as? Bool == true)
            let txn = try #require(latest["balance_transaction"] as? [String: Any])
            // 2.9 % of 600 = 17.4 → 17, plus 30.
            #expect(txn["amount"] as? Int == 600 && txn["fee"] as? Int == 47 && txn["net"] as? Int == 553)
            #expect(txn["type"] as? String == "charge" && txn["status"] as? String == "pending")

            let again = try await client.post("/v1/payment_intents/\(id)/capture", "")
            #expect(again.status == .badRequest)
            #expect(again.error["code"] as? String == "payment_intent_unexpected_state")
            #expect((again.error["payment_intent"] as? [String: Any])?["status"] as? String == "succeeded")
        }
    }

    @Test(arguments: StoreEngine.all) func concurrentCapturesCaptureOnce(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let id = try await create(client, "amount=5000&currency=usd&payment_method=pm_card_visa&capture_method=manual&confirm=true")["id"] as! String
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { Int(try await client.post("/v1/payment_intents/\(id)/capture", "").status.code) } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == 200 }.count == 1, "\(codes)")
            #expect(codes.filter { $0 != 200 }.allSatisfy { $0 == 400 || $0 == 409 }, "\(codes)")
            let txns = try await store.list(BalanceTransactionRecord.self, PageRequest(limit: 100, filters: ["type": "charge"]))
            #expect(txns.items.count == 1)
        }
    }

    @Test(arguments: StoreEngine.all) func cancelReleasesAnAuthorization(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let pi = try await create(client, "amount=2500&currency=eur&payment_method=pm_card_mastercard&capture_method=manual&confirm=true")
            let id = pi["id"] as! String
            let bad = try await client.post("/v1/payment_intents/\(id)/cancel", "cancellation_reason=bored")
            #expect(bad.error["param"] as? String == "cancellation_reason")
            let canceled = try await client.post("/v1/payment_intents/\(id)/cancel", "cancellation_reason=requested_by_customer&expand[]=latest_charge")
            #expect(canceled.status == .ok)
            #expect(canceled.json["status"] as? String == "canceled")
            #expect(canceled.json["cancellation_reason"] as? String == "requested_by_customer")
            #expect(canceled.json["canceled_at"] as? Int != nil)
            #expect(canceled.json["amount_capturable"] as? Int == 0)
            let charge = try #require(canceled.json["latest_charge"] as? [String: Any])
            #expect(charge["refunded"] as? Bool == true && charge["amount_refunded"] as? Int == 2500 && charge["captured"] as? Bool == false)
            let twice = try await client.post("/v1/payment_intents/\(id)/cancel", "")
            #expect(twice.error["code"] as? String == "payment_intent_unexpected_state")

            let fresh = try await create(client, "amount=100&currency=eur")
            #expect(fresh["status"] as? String == "requires_payment_method")
            let r = try await client.post("/v1/payment_intents/\(fresh["id"] as! String)/cancel", "")
            #expect(r.json["status"] as? String == "canceled")

            let done = try await create(client, "amount=100&currency=eur&payment_method=pm_card_visa&confirm=true")
            let refused = try await client.post("/v1/payment_intents/\(done["id"] as! String)/cancel", "")
            #expect(refused.status == .badRequest)
            #expect(refused.error["code"] as? String == "payment_intent_unexpected_state")
        }
    }

    @Test(arguments: StoreEngine.all) func updateThenConfirm(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let pi = try await create(client, "amount=1000&currency=usd&metadata[order]=1&metadata[keep]=yes")
            let id = pi["id"] as! String
            let updated = try await client.post("/v1/payment_intents/\(id)", "amount=1500&metadata[order]=2&metadata[keep]=&description=Shoes")
            #expect(updated.status == .ok)
            #expect(updated.json["amount"] as? Int == 1500)
            #expect(updated.json["metadata"] as? [String: String] == ["order": "2"])
            #expect(updated.json["description"] as? String == "Shoes")
            #expect(updated.json["status"] as? String == "requires_payment_method")
            let withMethod = try await client.post("/v1/payment_intents/\(id)", "payment_method=pm_card_visa")
            #expect(withMethod.json["status"] as? String == "requires_confirmation")
            let confirmed = try await client.post("/v1/payment_intents/\(id)/confirm", "")
            #expect(confirmed.status == .ok)
            #expect(confirmed.json["status"] as? String == "succeeded")
            #expect(confirmed.json["amount_received"] as? Int == 1500)
            let late = try await client.post("/v1/payment_intents/\(id)", "amount=99")
            #expect(late.error["code"] as? String == "payment_intent_unexpected_state")
            let note = try await client.post("/v1/payment_intents/\(id)", "metadata[shipped]=true")
            #expect(note.status == .ok)
            #expect(note.json["metadata"] as? [String: String] == ["order": "2", "shipped": "true"])
            let unconfirmable = try await client.post("/v1/payment_intents/\(id)/confirm", "")
            #expect(unconfirmable.error["code"] as? String == "payment_intent_unexpected_state")
            let noMethod = try await create(client, "amount=1000&currency=usd")
            let missing = try await client.post("/v1/payment_intents/\(noMethod["id"] as! String)/confirm", "")
            #expect(missing.error["param"] as? String == "payment_method")
            // A decline on confirm is a 402 and leaves the intent retryable with another card.
            let retry = try await client.post("/v1/payment_intents/\(noMethod["id"] as! String)/confirm", "payment_method=pm_card_visa_chargeDeclined")
            #expect(retry.status.code == 402)
            #expect(retry.error["decline_code"] as? String == "generic_decline")
            let second = try await client.post("/v1/payment_intents/\(noMethod["id"] as! String)/confirm", "payment_method=pm_card_visa")
            #expect(second.json["status"] as? String == "succeeded")
            #expect(second.json["last_payment_error"] is NSNull)
        }
    }

    @Test(arguments: StoreEngine.all) func customersOwnTheirIntentsAndMethods(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let alice = try await client.post("/v1/customers", "name=Alice").json["id"] as! String
            let bob = try await client.post("/v1/customers", "name=Bob").json["id"] as! String
            let pm = try await client.post("/v1/payment_methods", "type=card&card[number]=5555555555554444&card[exp_month]=3&card[exp_year]=2033&card[cvc]=123").json["id"] as! String
            _ = try await client.post("/v1/payment_methods/\(pm)/attach", "customer=\(alice)")
            let paid = try await create(client, "amount=700&currency=eur&customer=\(alice)&payment_method=\(pm)&confirm=true&expand[]=customer&expand[]=payment_method")
            #expect((paid["customer"] as? [String: Any])?["name"] as? String == "Alice")
            #expect(((paid["payment_method"] as? [String: Any])?["card"] as? [String: Any])?["last4"] as? String == "4444")
            let wrong = try await client.post("/v1/payment_intents", "amount=700&currency=eur&customer=\(bob)&payment_method=\(pm)&confirm=true")
            #expect(wrong.status == .badRequest && wrong.error["param"] as? String == "payment_method")
            let ghost = try await client.post("/v1/payment_intents", "amount=700&currency=eur&customer=cus_nobody")
            #expect(ghost.status == .notFound && ghost.error["param"] as? String == "customer")
            let listed = try await client.get("/v1/payment_intents?customer=\(alice)")
            #expect((listed.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [paid["id"] as? String])
            let charges = try await client.get("/v1/charges?customer=\(alice)")
            #expect((charges.json["data"] as? [[String: Any]])?.count == 1)
            let byIntent = try await client.get("/v1/charges?payment_intent=\(paid["id"] as! String)&expand[]=data.balance_transaction")
            let charge = try #require((byIntent.json["data"] as? [[String: Any]])?.first)
            #expect((charge["balance_transaction"] as? [String: Any])?["type"] as? String == "charge")
            #expect(charge["customer"] as? String == alice)
            // Default payment method must be one of the customer's own.
            let badDefault = try await client.post("/v1/customers/\(bob)", "invoice_settings[default_payment_method]=\(pm)")
            #expect(badDefault.status == .badRequest)
            let goodDefault = try await client.post("/v1/customers/\(alice)", "invoice_settings[default_payment_method]=\(pm)&expand[]=invoice_settings.default_payment_method")
            #expect(((goodDefault.json["invoice_settings"] as? [String: Any])?["default_payment_method"] as? [String: Any])?["id"] as? String == pm)
        }
    }

    @Test(arguments: StoreEngine.all) func refundsNeverExceedWhatIsLeft(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let pi = try await create(client, "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true")
            let id = pi["id"] as! String
            let chargeID = pi["latest_charge"] as! String
            let first = try await client.post("/v1/refunds", "payment_intent=\(id)&amount=300&reason=requested_by_customer&metadata[rma]=7")
            #expect(first.status == .ok)
            #expect(first.json["object"] as? String == "refund" && first.json["status"] as? String == "succeeded")
            #expect(first.json["amount"] as? Int == 300 && first.json["charge"] as? String == chargeID)
            #expect((first.json["balance_transaction"] as? String)?.hasPrefix("txn_") == true)
            let over = try await client.post("/v1/refunds", "charge=\(chargeID)&amount=701")
            #expect(over.status == .badRequest && over.error["param"] as? String == "amount" && over.error["code"] as? String == "amount_too_large")
            let rest = try await client.post("/v1/refunds", "charge=\(chargeID)")
            #expect(rest.json["amount"] as? Int == 700)
            let done = try await client.post("/v1/refunds", "charge=\(chargeID)&amount=1")
            #expect(done.error["code"] as? String == "charge_already_refunded")
            let charge = try await client.get("/v1/charges/\(chargeID)")
            #expect(charge.json["amount_refunded"] as? Int == 1000 && charge.json["refunded"] as? Bool == true)
            let listed = try await client.get("/v1/refunds?payment_intent=\(id)")
            #expect((listed.json["data"] as? [[String: Any]])?.map { $0["amount"] as? Int } == [700, 300])
            let byCharge = try await client.get("/v1/refunds?charge=\(chargeID)&limit=1")
            #expect(byCharge.json["has_more"] as? Bool == true)
            let one = try await client.get("/v1/refunds/\(first.json["id"] as! String)?expand[]=charge")
            #expect((one.json["charge"] as? [String: Any])?["id"] as? String == chargeID)
            #expect(one.json["metadata"] as? [String: String] == ["rma": "7"])
            let neither = try await client.post("/v1/refunds", "amount=5")
            #expect(neither.error["param"] as? String == "payment_intent")
            let uncaptured = try await create(client, "amount=1000&currency=eur&payment_method=pm_card_visa&capture_method=manual&confirm=true")
            let notYet = try await client.post("/v1/refunds", "payment_intent=\(uncaptured["id"] as! String)")
            #expect(notYet.status == .badRequest)
        }
    }

    @Test(arguments: StoreEngine.all) func concurrentRefundsOfTheLastEuro(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let pi = try await create(client, "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true")
            let chargeID = pi["latest_charge"] as! String
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { Int(try await client.post("/v1/refunds", "charge=\(chargeID)&amount=300").status.code) } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == 200 }.count == 3, "\(codes)")
            let charge = try #require(try await store.find(ChargeRecord.self, id: chargeID))
            #expect(charge.amountRefunded == 900)
            let refunds = try await store.list(RefundRecord.self, PageRequest(limit: 100, filters: ["charge": chargeID]))
            #expect(refunds.items.map(\.amount).reduce(0, +) == 900)
        }
    }

    @Test(arguments: StoreEngine.all) func balanceFollowsChargesAndRefunds(engine: StoreEngine) async throws {
        let fees = try FeeModel.parse(yaml: "card: {percent: 1.5, fixed: 10}\nfixed_by_currency: {jpy: 0}\navailable_after_days: 0\n")
        try await withGateway(engine, fees: fees) { client, _, _ in
            let empty = try await client.get("/v1/balance")
            #expect(empty.json["object"] as? String == "balance")
            _ = try await create(client, "amount=2000&currency=eur&payment_method=pm_card_visa&confirm=true")
            let jpy = try await create(client, "amount=500&currency=jpy&payment_method=pm_card_visa&confirm=true")
            _ = try await client.post("/v1/refunds", "payment_intent=\(jpy["id"] as! String)&amount=100")
            let balance = try await client.get("/v1/balance")
            let available = try #require(balance.json["available"] as? [[String: Any]])
            // eur: 2000 − (30 + 10); jpy: 500 − (7.5 → 8) − 100 refunded.
            #expect(available.first { $0["currency"] as? String == "eur" }?["amount"] as? Int == 1960)
            #expect(available.first { $0["currency"] as? String == "jpy" }?["amount"] as? Int == 392)
            let txns = try await client.get("/v1/balance_transactions?type=refund")
            let refund = try #require((txns.json["data"] as? [[String: Any]])?.first)
            #expect(refund["amount"] as? Int == -100 && refund["net"] as? Int == -100 && refund["fee"] as? Int == 0)
            #expect(refund["status"] as? String == "available")
        }
    }

    @Test(arguments: StoreEngine.all) func threeDSecureFlows(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let pi = try await create(client, "amount=1200&currency=eur&payment_method=pm_card_authenticationRequired&confirm=true")
            #expect(pi["status"] as? String == "requires_action")
            let next = try #require(pi["next_action"] as? [String: Any])
            #expect(next["type"] as? String == "use_stripe_sdk")
            #expect(pi["latest_charge"] is NSNull)
            let done = try await client.post("/v1/test_helpers/payment_intents/\(pi["id"] as! String)/authenticate", "outcome=succeeded")
            #expect(done.json["status"] as? String == "succeeded")
            #expect(done.json["next_action"] is NSNull)

            let declined = try await create(client, "amount=1200&currency=eur&payment_method=pm_card_authenticationRequiredChargeDeclinedInsufficientFunds&confirm=true")
            #expect(declined["status"] as? String == "requires_action")
            let after = try await client.post("/v1/test_helpers/payment_intents/\(declined["id"] as! String)/authenticate", "")
            #expect(after.status.code == 402 && after.error["decline_code"] as? String == "insufficient_funds")

            let failed = try await create(client, "amount=1200&currency=eur&payment_method=pm_card_authenticationRequired&confirm=true")
            let f = try await client.post("/v1/test_helpers/payment_intents/\(failed["id"] as! String)/authenticate", "outcome=failed")
            #expect(f.json["status"] as? String == "requires_payment_method")
            #expect((f.json["last_payment_error"] as? [String: Any])?["code"] as? String == "payment_intent_authentication_failure")

            let offSession = try await client.post("/v1/payment_intents", "amount=1200&currency=eur&payment_method=pm_card_authenticationRequired&confirm=true&off_session=true")
            #expect(offSession.status.code == 402 && offSession.error["decline_code"] as? String == "authentication_required")

            let redirect = try await create(client, "amount=1200&currency=eur&payment_method=pm_card_authenticationRequired&confirm=true&return_url=https://shop.example/done")
            let action = try #require((redirect["next_action"] as? [String: Any])?["redirect_to_url"] as? [String: Any])
            #expect(action["return_url"] as? String == "https://shop.example/done")
            let url = try #require(URLComponents(string: action["url"] as! String))
            let page = try await client.execute(uri: url.path + "?" + url.query!, method: .get, headers: [:])
            #expect(page.status == .ok && String(buffer: page.body).contains("Complete authentication"))
            let secret = redirect["client_secret"] as! String
            let wrongSecret = try await client.execute(uri: url.path + "?client_secret=nope", method: .get, headers: [:])
            #expect(wrongSecret.status == .notFound)
            let submit = try await client.execute(uri: url.path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "client_secret=\(secret)&outcome=succeeded"))
            #expect(submit.status == .seeOther)
            let location = try #require(submit.headers[.location])
            #expect(location.hasPrefix("https://shop.example/done?payment_intent=\(redirect["id"] as! String)&"))
            #expect(location.hasSuffix("redirect_status=succeeded"))
        }
    }

    @Test(arguments: StoreEngine.all) func issuerBalancesAndLimits(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let first = try await create(client, "amount=6000&currency=eur&payment_method=pm_card_vtpe_balance100&confirm=true")
            #expect(first["status"] as? String == "succeeded")
            let over = try await client.post("/v1/payment_intents", "amount=5000&currency=eur&payment_method=pm_card_vtpe_balance100&confirm=true")
            #expect(over.status.code == 402 && over.error["decline_code"] as? String == "insufficient_funds")
            _ = try await client.post("/v1/refunds", "payment_intent=\(first["id"] as! String)&amount=2000")
            let now = try await client.post("/v1/payment_intents", "amount=5000&currency=eur&payment_method=pm_card_vtpe_balance100&confirm=true&capture_method=manual")
            #expect(now.json["status"] as? String == "requires_capture")
            // Capturing less gives the rest back to the card.
            _ = try await client.post("/v1/payment_intents/\(now.json["id"] as! String)/capture", "amount_to_capture=1000")
            let fits = try await client.post("/v1/payment_intents", "amount=4000&currency=eur&payment_method=pm_card_vtpe_balance100&confirm=true")
            #expect(fits.json["status"] as? String == "succeeded")

            let big = try await client.post("/v1/payment_intents", "amount=5001&currency=eur&payment_method=pm_card_vtpe_limit50&confirm=true")
            #expect(big.error["decline_code"] as? String == "card_velocity_exceeded")
            let ok = try await create(client, "amount=5000&currency=eur&payment_method=pm_card_vtpe_limit50&confirm=true")
            #expect(ok["status"] as? String == "succeeded")
        }
    }

    @Test(arguments: StoreEngine.all) func concurrentPaymentsNeverOverdrawABalance(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        Int(try await client.post("/v1/payment_intents", "amount=3000&currency=eur&payment_method=pm_card_vtpe_balance100&confirm=true").status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == 200 }.count == 3, "\(codes)")
            let pan = try #require(TestCardCatalog.standard.card(named: "visa_balance_100")?.pan)
            let methods = try await store.list(PaymentMethodRecord.self, PageRequest(limit: 100))
            let fingerprint = try #require(methods.items.first { $0.last4 == pan.last4 }?.fingerprint)
            #expect(try await store.issuerHeld(fingerprint: fingerprint) == 9000)
        }
    }

    @Test(arguments: StoreEngine.all) func expandPathsAreChecked(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let pi = try await create(client, "amount=900&currency=usd&payment_method=pm_card_visa&confirm=true")
            let id = pi["id"] as! String
            let deep = try await client.get("/v1/payment_intents/\(id)?expand[]=latest_charge.balance_transaction&expand[]=payment_method")
            let charge = try #require(deep.json["latest_charge"] as? [String: Any])
            #expect((charge["balance_transaction"] as? [String: Any])?["object"] as? String == "balance_transaction")
            #expect((deep.json["payment_method"] as? [String: Any])?["object"] as? String == "payment_method")
            let list = try await client.get("/v1/payment_intents?expand[]=data.latest_charge")
            #expect(((list.json["data"] as? [[String: Any]])?.first?["latest_charge"] as? [String: Any])?["object"] as? String == "charge")
            for bad in ["amount", "nope", "latest_charge.outcome.type", "a.b.c.d.e"] {
                let r = try await client.get("/v1/payment_intents/\(id)?expand[]=\(bad)")
                #expect(r.status == .badRequest && r.error["param"] as? String == "expand", "\(bad)")
            }
            let listWithoutData = try await client.get("/v1/payment_intents?expand[]=latest_charge")
            #expect(listWithoutData.status == .badRequest)
        }
    }

    @Test func multiCurrencyAmounts() async throws {
        try await withGateway { client, _, _ in
            #expect(try await create(client, "amount=500&currency=jpy&payment_method=pm_card_visa&confirm=true")["amount_received"] as? Int == 500)
            let kwd = try await client.post("/v1/payment_intents", "amount=1005&currency=kwd")
            #expect(kwd.status == .badRequest && kwd.error["param"] as? String == "amount")
            #expect(try await create(client, "amount=1000&currency=kwd")["currency"] as? String == "kwd")
            let upper = try await client.post("/v1/payment_intents", "amount=1000&currency=EUR")
            #expect(upper.error["param"] as? String == "currency")
            let update = try await create(client, "amount=1005&currency=usd")
            let toKwd = try await client.post("/v1/payment_intents/\(update["id"] as! String)", "currency=kwd")
            #expect(toKwd.error["param"] as? String == "amount")
        }
    }
}

@Suite struct FeeModelTests {
    @Test func feesRoundHalfUpAndNeverExceedTheAmount() {
        let m = FeeModel.standard
        #expect(m.fee(amount: 1000, currency: "usd", channel: .card) == 59)   // 29 + 30
        #expect(m.fee(amount: 1500, currency: "eur", channel: .card) == 74)   // 43.5 → 44, + 30
        #expect(m.fee(amount: 1000, currency: "eur", channel: .cardPresent) == 32)    // 27 + 5
        #expect(m.fee(amount: 10, currency: "usd", channel: .card) == 10)
        var custom = m
        custom.fixedByCurrency["jpy"] = 0
        #expect(custom.fee(amount: 500, currency: "jpy", channel: .card) == 15) // 14.5 → 15
        // A SEPA debit: 35 cents flat; a currency's card fixed fee does not apply to it.
        custom.fixedByCurrency["eur"] = 0
        #expect(custom.fee(amount: 10_000, currency: "eur", channel: .sepaDebit) == 35)
        #expect(custom.fee(amount: 20, currency: "eur", channel: .sepaDebit) == 20)
    }

    @Test func configurationErrorsNameTheKey() throws {
        let ok = try FeeModel.parse(yaml: "card: {percent: 1.4, fixed: 25}\ncard_present: {fixed: 0}\navailable_after_days: 7\n")
        #expect(ok.card == FeeModel.Rate(percent: 1.4, fixed: 25))
        #expect(ok.cardPresent == FeeModel.Rate(percent: 2.7, fixed: 0))
        #expect(ok.availableAfterDays == 7)
        #expect(ok.sepaDebit == FeeModel.Rate(percent: 0, fixed: 35))
        #expect(try FeeModel.parse(yaml: "sepa_debit: {percent: 0.8, fixed: 0}").sepaDebit == FeeModel.Rate(percent: 0.8, fixed: 0))
        for (yaml, fragment) in [
            ("cards: {percent: 1}", "unknown key 'cards'"),
            ("card: {percent: 101}", "card.percent"),
            ("card: {fixed: -1}", "card.fixed"),
            ("card: {fixed: 1.5}", "card.fixed"),
            ("card: {pct: 1}", "card.pct"),
            ("fixed_by_currency: {JPY: 0}", "JPY"),
            ("available_after_days: 99", "available_after_days"),
            ("- a\n- b", "mapping"),
            ("card: [", "YAML"),
        ] {
            #expect { try FeeModel.parse(yaml: yaml) } throws: { "\($0)".contains(fragment) }
        }
    }
}
