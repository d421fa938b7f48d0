import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// SEPA Direct Debit payments: confirmed under a mandate, `processing` until the test bank answers on the bank clock
/// (which the test moves: the router has no background settlement), then `succeeded`, returned unpaid or disputed.
@Suite struct SEPADebitPaymentTests {
    static let onlineMandate = "&mandate_data[customer_acceptance][type]=online&mandate_data[customer_acceptance][online][ip_address]=192.0.2.7"
        + "&mandate_data[customer_acceptance][online][user_agent]=Mozilla%2F5.0"

    /// A create-and-confirm paid by the account `iban`.
    static func debit(_ iban: String, amount: Int = 1500, extra: String = onlineMandate) -> String {
        "amount=\(amount)&currency=eur&payment_method_types[]=sepa_debit&payment_method_data[type]=sepa_debit"
            + "&payment_method_data[sepa_debit][iban]=\(iban)&payment_method_data[billing_details][name]=Jenny%20Rosen"
            + "&payment_method_data[billing_details][email]=jenny%40example.fr&confirm=true" + extra
    }

    static func advance(_ client: any TestClientProtocol, _ seconds: Int) async throws -> Int? {
        let moved = try await client.post("/v1/vtpe/test_helpers/bank_clock/advance", "seconds=\(seconds)")
        #expect(moved.status == .ok && moved.json["object"] as? String == "vtpe.bank_clock")
        return moved.json["debits_answered"] as? Int
    }

    static func charge(_ client: any TestClientProtocol, of intentID: String) async throws -> [String: Any] {
        let intent = try await client.get("/v1/payment_intents/\(intentID)?expand[]=latest_charge")
        return try #require(intent.json["latest_charge"] as? [String: Any])
    }

    @Test(arguments: StoreEngine.all) func aDebitProcessesThenThePaidAnswerSucceedsIt(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let made = try await client.post("/v1/payment_intents", Self.debit("AT611904300234573201"))
            #expect(made.status == .ok)
            #expect(made.json["status"] as? String == "processing" && made.json["amount_received"] as? Int == 0)
            #expect(made.json["payment_method_types"] as? [String] == ["sepa_debit"])
            let id = try #require(made.json["id"] as? String)
            var charge = try await Self.charge(client, of: id)
            #expect(charge["status"] as? String == "pending" && charge["paid"] as? Bool == false && charge["captured"] as? Bool == false)
            #expect(charge["balance_transaction"] is NSNull)
            let details = try #require((charge["payment_method_details"] as? [String: Any])?["sepa_debit"] as? [String: Any])
            #expect(details["country"] as? String == "AT" && details["bank_code"] as? String == "19043" && details["last4"] as? String == "3201")
            let mandateID = try #require(details["mandate"] as? String)

            // The mandate as the customer accepted it.
            let mandate = try await client.get("/v1/mandates/\(mandateID)")
            #expect(mandate.json["object"] as? String == "mandate" && mandate.json["status"] as? String == "active")
            #expect(mandate.json["type"] as? String == "multi_use" && mandate.json["payment_method"] as? String == made.json["payment_method"] as? String)
            let acceptance = try #require(mandate.json["customer_acceptance"] as? [String: Any])
            #expect(acceptance["type"] as? String == "online")
            #expect((acceptance["online"] as? [String: Any])?["ip_address"] as? String == "192.0.2.7")
            #expect(((mandate.json["payment_method_details"] as? [String: Any])?["sepa_debit"] as? [String: Any])?["reference"] as? String != nil)

            // The bank answers on the next look; the debit is answered once.
            #expect(try await Self.advance(client, 0) == 1)
            #expect(try await Self.advance(client, 0) == 0)
            let paid = try await client.get("/v1/payment_intents/\(id)")
            #expect(paid.json["status"] as? String == "succeeded" && paid.json["amount_received"] as? Int == 1500)
            charge = try await Self.charge(client, of: id)
            #expect(charge["status"] as? String == "succeeded" && charge["paid"] as? Bool == true && charge["amount_captured"] as? Int == 1500)
            let txnID = try #require(charge["balance_transaction"] as? String)
            let txn = try #require(try await store.find(BalanceTransactionRecord.self, id: txnID))
            #expect(txn.amount == 1500 && txn.fee == 35 && txn.net == 1465)

            #expect(EventTests.types(try await client.get("/v1/events?limit=10")) == [
                "payment_intent.succeeded", "charge.succeeded", "payment_intent.processing", "charge.pending", "payment_intent.created",
            ])
            // A succeeded debit refunds like a card payment.
            #expect(try await client.post("/v1/refunds", "payment_intent=\(id)&amount=500").json["status"] as? String == "succeeded")
        }
    }

    /// A machine clock that never moves: only the test's advances move the bank clock.
    struct FrozenClock: GatewayClock {
        let date = Date(timeIntervalSince1970: 1_796_400_000)
        func now() -> Date { date }
    }

    @Test func delayedAnswersWaitForTheBankClock() async throws {
        try await withGateway(clock: FrozenClock()) { client, _, _ in
            let later = try #require(try await client.post("/v1/payment_intents", Self.debit("AT321904300235473204")).json["id"] as? String)
            let fails = try #require(try await client.post("/v1/payment_intents", Self.debit("AT051904300235473205", amount: 2500)).json["id"] as? String)
            #expect(try await Self.advance(client, 179) == 0)
            #expect(try await client.get("/v1/payment_intents/\(later)").json["status"] as? String == "processing")
            let clock = try await client.get("/v1/vtpe/test_helpers/bank_clock")
            #expect(clock.json["offset_seconds"] as? Int == 179)
            #expect(try await Self.advance(client, 1) == 2)

            #expect(try await client.get("/v1/payment_intents/\(later)").json["status"] as? String == "succeeded")
            let failed = try await client.get("/v1/payment_intents/\(fails)")
            #expect(failed.json["status"] as? String == "requires_payment_method" && failed.json["payment_method"] is NSNull)
            let error = try #require(failed.json["last_payment_error"] as? [String: Any])
            #expect(error["code"] as? String == "generic_could_not_process" && error["type"] as? String == "invalid_request_error")
            #expect((error["payment_method"] as? [String: Any])?["type"] as? String == "sepa_debit")
            let charge = try await Self.charge(client, of: fails)
            #expect(charge["status"] as? String == "failed" && charge["failure_code"] as? String == "generic_could_not_process")
            #expect(EventTests.types(try await client.get("/v1/events?type=payment_intent.payment_failed")).count == 1)
            #expect(EventTests.types(try await client.get("/v1/events?type=charge.failed")).count == 1)
        }
    }

    @Test func testAccountsGiveTheirFailureCodes() async throws {
        try await withGateway { client, _, _ in
            var ids: [String: String] = [:]
            for (iban, _) in [("AT981904300002222227", ""), ("AT981904300000343434", ""), ("AT601904300000121212", ""), ("DE62370400440532013001", "")] {
                ids[iban] = try #require(try await client.post("/v1/payment_intents", Self.debit(iban)).json["id"] as? String)
            }
            #expect(try await Self.advance(client, 0) == 4)
            for (iban, code) in [("AT981904300002222227", "insufficient_funds"), ("AT981904300000343434", "charge_exceeds_source_limit"),
                                 ("AT601904300000121212", "charge_exceeds_weekly_limit"), ("DE62370400440532013001", "generic_could_not_process")] {
                let charge = try await Self.charge(client, of: try #require(ids[iban]))
                #expect(charge["failure_code"] as? String == code, "\(iban)")
            }
        }
    }

    @Test(arguments: StoreEngine.all) func aDisputedDebitIsLostAndTakesTheMoneyBack(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let id = try #require(try await client.post("/v1/payment_intents", Self.debit("DE35370400440532013002", amount: 4000)).json["id"] as? String)
            #expect(try await Self.advance(client, 0) == 1)
            #expect(try await client.get("/v1/payment_intents/\(id)").json["status"] as? String == "succeeded")
            let charge = try await Self.charge(client, of: id)
            #expect(charge["disputed"] as? Bool == true)
            let disputes = try await client.get("/v1/disputes?payment_intent=\(id)")
            let dispute = try #require((disputes.json["data"] as? [[String: Any]])?.first)
            #expect(dispute["status"] as? String == "lost" && dispute["amount"] as? Int == 4000 && dispute["charge"] as? String == charge["id"] as? String)
            let disputeID = try #require(dispute["id"] as? String)
            #expect(try await client.get("/v1/disputes/\(disputeID)").json["reason"] as? String == "general")
            let txnID = try #require((dispute["balance_transactions"] as? [String])?.first)
            let txn = try #require(try await store.find(BalanceTransactionRecord.self, id: txnID))
            #expect(txn.amount == -4000 && txn.reportingCategory == "dispute")
            #expect(EventTests.types(try await client.get("/v1/events?type=charge.dispute.*")) == [
                "charge.dispute.closed", "charge.dispute.funds_withdrawn", "charge.dispute.created"])
            let refund = try await client.post("/v1/refunds", "payment_intent=\(id)")
            #expect(refund.status == .badRequest && refund.error["code"] as? String == "charge_disputed")
            // The report counts the loss in the charge's group: gross 40.00, disputes 40.00, the fee 0.35, net −0.35.
            let report = try await client.get("/v1/vtpe/reports/summary?group_by=brand")
            let line = try #require((report.json["data"] as? [[String: Any]])?.first)
            #expect(line["group"] as? String == "sepa_debit" && line["gross"] as? Int == 4000 && line["disputes"] as? Int == 4000)
            #expect(line["fees"] as? Int == 35 && line["net"] as? Int == -35 && line["refunds"] as? Int == 0)
        }
    }

    @Test func refusalsSayWhatIsMissing() async throws {
        try await withGateway { client, store, _ in
            func refused(_ form: String) async throws -> (param: String?, message: String?) {
                let r = try await client.post("/v1/payment_intents", form)
                #expect(r.status == .badRequest, "\(form)")
                return (r.error["param"] as? String, r.error["message"] as? String)
            }
            let iban = "AT611904300234573201"
            #expect(try await refused(Self.debit(iban, extra: "")).param == "mandate_data")
            #expect(try await refused(Self.debit(iban, extra: "&mandate_data[customer_acceptance][type]=online")).param
                == "mandate_data[customer_acceptance][online][ip_address]")
            #expect(try await refused(Self.debit(iban, extra: "&mandate_data[customer_acceptance][type]=paper")).param == "mandate_data[customer_acceptance][type]")
            #expect(try await refused(Self.debit(iban).replacingOccurrences(of: "currency=eur", with: "currency=usd")).message
                == "The currency provided (usd) is invalid. Payments with sepa_debit support the following currencies: eur.")
            #expect(try await refused(Self.debit(iban) + "&capture_method=manual").param == "capture_method")
            #expect(try await refused(Self.debit(iban, amount: 1_000_001)).param == "amount")
            #expect(try await refused(Self.debit(iban).replacingOccurrences(of: "payment_method_types[]=sepa_debit", with: "payment_method_types[]=card")).message?
                .hasPrefix("The PaymentMethod provided (sepa_debit) is not allowed for this PaymentIntent.") == true)
            // Nothing of the refused requests was kept.
            #expect(try await store.list(PaymentIntentRecord.self, PageRequest(limit: 10)).items.isEmpty)
            #expect(try await store.list(MandateRecord.self, PageRequest(limit: 10)).items.isEmpty)

            // While the bank has it, the intent cannot be canceled and its charge not refunded.
            let id = try #require(try await client.post("/v1/payment_intents", Self.debit(iban)).json["id"] as? String)
            let cancel = try await client.post("/v1/payment_intents/\(id)/cancel", "")
            #expect(cancel.status == .badRequest && cancel.error["code"] as? String == "payment_intent_unexpected_state")
            let pendingCharge = try #require(try await Self.charge(client, of: id)["id"] as? String)
            let refund = try await client.post("/v1/refunds", "charge=\(pendingCharge)")
            #expect(refund.status == .badRequest && (refund.error["message"] as? String)?.contains("is pending") == true)
            #expect(try await client.post("/v1/refunds", "payment_intent=\(id)").error["code"] as? String == "payment_intent_unexpected_state")
            // A bank account goes through a SetupIntent only when its payment_method_types allow sepa_debit.
            let pm = try #require(try await client.get("/v1/payment_intents/\(id)").json["payment_method"] as? String)
            let setup = try await client.post("/v1/setup_intents", "payment_method=\(pm)&confirm=true")
            #expect(setup.status == .badRequest && setup.error["param"] as? String == "payment_method")
        }
    }

    @Test(arguments: StoreEngine.all) func theMandateServesLaterDebitsUntilTheAccountIsDetached(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let customer = try #require(try await client.post("/v1/customers", "email=jenny%40example.fr").json["id"] as? String)
            let pm = try #require(try await client.post("/v1/payment_methods", "type=sepa_debit&sepa_debit[iban]=FR1420041010050500013M02606"
                + "&billing_details[name]=Jenny%20Rosen&billing_details[email]=jenny%40example.fr").json["id"] as? String)
            #expect(try await client.post("/v1/payment_methods/\(pm)/attach", "customer=\(customer)").status == .ok)
            let pay = "amount=990&currency=eur&payment_method_types[]=sepa_debit&customer=\(customer)&payment_method=\(pm)&confirm=true"
            let first = try #require(try await client.post("/v1/payment_intents", pay + "&mandate_data[customer_acceptance][type]=offline").json["id"] as? String)
            let mandate = try #require(((try await Self.charge(client, of: first))["payment_method_details"] as? [String: Any])
                .flatMap { ($0["sepa_debit"] as? [String: Any])?["mandate"] as? String })
            // Off-session, without mandate_data: the method's active mandate; or named with `mandate`.
            let monthly = try await client.post("/v1/payment_intents", pay + "&off_session=true")
            #expect(monthly.json["status"] as? String == "processing")
            let monthlyCharge = try await Self.charge(client, of: try #require(monthly.json["id"] as? String))
            #expect(((monthlyCharge["payment_method_details"] as? [String: Any])?["sepa_debit"] as? [String: Any])?["mandate"] as? String == mandate)
            #expect(try await client.post("/v1/payment_intents", pay + "&mandate=\(mandate)").json["status"] as? String == "processing")
            #expect(try await client.post("/v1/payment_intents", pay + "&mandate=mandate_nope").error["param"] as? String == "mandate")

            // Detached, the account's mandate ends: a later debit needs a new acceptance.
            #expect(try await client.post("/v1/payment_methods/\(pm)/detach", "").status == .ok)
            #expect(try await client.get("/v1/mandates/\(mandate)").json["status"] as? String == "inactive")
            #expect(EventTests.types(try await client.get("/v1/events?type=mandate.updated")) == ["mandate.updated"])
            let after = "amount=990&currency=eur&payment_method_types[]=sepa_debit&payment_method=\(pm)&confirm=true&off_session=true"
            #expect(try await client.post("/v1/payment_intents", after).error["param"] as? String == "mandate_data")
        }
    }

    @Test func concurrentAnswerersAnswerEachDebitOnce() async throws {
        try await withGateway { client, _, _ in
            for n in 0..<12 { _ = try await client.post("/v1/payment_intents", Self.debit("AT611904300234573201", amount: 1000 + n)) }
            let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await Self.advance(client, 0) ?? -1 } }
                return try await group.reduce(0, +)
            }
            #expect(answered == 12)
            #expect(EventTests.types(try await client.get("/v1/events?type=payment_intent.succeeded&limit=100")).count == 12)
        }
    }

    @Test func theTestBanksAnswersAreStripes() throws {
        #expect(SEPABank.answer(for: try IBAN("AT611904300234573201")) == .init(outcome: .paid, delay: 0))
        #expect(SEPABank.answer(for: try IBAN("FR3020041010050500013M02609")) == .init(outcome: .paid, delay: 180))
        #expect(SEPABank.answer(for: try IBAN("FR7920041010050500013M02600")) == .init(outcome: .failed(code: "generic_could_not_process"), delay: 180))
        #expect(SEPABank.answer(for: try IBAN("DE35370400440532013002")) == .init(outcome: .disputed, delay: 0))
        #expect(SEPABank.answer(for: try IBAN("BE68539007547034")) == .init(outcome: .paid, delay: 0))
    }
}

/// A SEPA bank account saved by a SetupIntent: the mandate is recorded, the account attached, nothing debited; later
/// debits and subscription invoices go under that mandate.
@Suite struct SEPASetupIntentTests {
    static let account = "payment_method_types[]=sepa_debit&payment_method_data[type]=sepa_debit&payment_method_data[sepa_debit][iban]=DE89370400440532013000"
        + "&payment_method_data[billing_details][name]=Jenny%20Rosen&payment_method_data[billing_details][email]=jenny%40example.fr"

    @Test(arguments: StoreEngine.all) func aSetupIntentSavesTheAccountUnderItsMandate(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let customer = try #require(try await client.post("/v1/customers", "email=jenny%40example.fr").json["id"] as? String)
            let setup = try await client.post("/v1/setup_intents", Self.account + "&customer=\(customer)&confirm=true"
                + SEPADebitPaymentTests.onlineMandate)
            #expect(setup.status == .ok, "\(setup.json)")
            #expect(setup.json["status"] as? String == "succeeded" && setup.json["payment_method_types"] as? [String] == ["sepa_debit"])
            let mandateID = try #require(setup.json["mandate"] as? String)
            let methodID = try #require(setup.json["payment_method"] as? String)
            let mandate = try await client.get("/v1/mandates/\(mandateID)")
            #expect(mandate.json["status"] as? String == "active" && mandate.json["payment_method"] as? String == methodID)
            #expect(try await client.get("/v1/payment_methods/\(methodID)").json["customer"] as? String == customer)
            #expect(try await store.list(ChargeRecord.self, PageRequest(limit: 10)).items.isEmpty)
            #expect(EventTests.types(try await client.get("/v1/events?limit=4")) == ["setup_intent.succeeded", "payment_method.attached", "setup_intent.created", "customer.created"])

            // An off-session debit later needs no mandate_data: it goes under the setup's mandate.
            let debit = try await client.post("/v1/payment_intents", "amount=990&currency=eur&payment_method_types[]=sepa_debit&customer=\(customer)"
                + "&payment_method=\(methodID)&off_session=true&confirm=true&expand[]=latest_charge")
            #expect(debit.json["status"] as? String == "processing")
            let details = ((debit.json["latest_charge"] as? [String: Any])?["payment_method_details"] as? [String: Any])?["sepa_debit"] as? [String: Any]
            #expect(details?["mandate"] as? String == mandateID)
        }
    }

    @Test func refusalsNameWhatIsMissing() async throws {
        try await withGateway { client, store, _ in
            let noMandate = try await client.post("/v1/setup_intents", Self.account + "&confirm=true")
            #expect(noMandate.status == .badRequest && noMandate.error["param"] as? String == "mandate_data")
            let notAllowed = try await client.post("/v1/setup_intents", Self.account.replacingOccurrences(of: "payment_method_types[]=sepa_debit&", with: "")
                + "&confirm=true" + SEPADebitPaymentTests.onlineMandate)
            #expect(notAllowed.status == .badRequest && notAllowed.error["param"] as? String == "payment_method")
            #expect((notAllowed.error["message"] as? String)?.contains("not allowed for this SetupIntent") == true)
            #expect(try await store.list(SetupIntentRecord.self, PageRequest(limit: 10)).items.isEmpty)
            #expect(try await store.list(MandateRecord.self, PageRequest(limit: 10)).items.isEmpty)
        }
    }
}
