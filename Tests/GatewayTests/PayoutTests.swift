import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import Gateway

/// Payouts: the daily settlement moves each currency's available balance into a payout, with its balance
/// transactions; nothing is paid out twice.
@Suite struct PayoutTests {
    static var instantFees: FeeModel {
        var fees = FeeModel.standard
        fees.availableAfterDays = 0
        return fees
    }

    @Test(arguments: StoreEngine.all) func theSettlementPaysOutTheAvailableBalance(engine: StoreEngine) async throws {
        try await withGateway(engine, fees: Self.instantFees) { client, _, _ in
            let paid = try #require(try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true").json["id"] as? String)
            _ = try await client.post("/v1/refunds", "payment_intent=\(paid)&amount=200")
            _ = try await client.post("/v1/payment_intents", "amount=700&currency=usd&payment_method=pm_card_visa&confirm=true")

            let settled = try await client.post("/v1/vtpe/test_helpers/payouts/settle", "")
            let payouts = try #require(settled.json["data"] as? [[String: Any]])
            // 1000 − 59 fee − 200 refunded; 700 − 50 fee.
            #expect(payouts.map { "\($0["currency"] as? String ?? "") \($0["amount"] as? Int ?? 0) \($0["status"] as? String ?? "")" } == ["eur 741 paid", "usd 650 paid"])
            let eur = try #require(payouts.first)
            let id = try #require(eur["id"] as? String)
            #expect(id.hasPrefix("po_") && eur["object"] as? String == "payout" && eur["automatic"] as? Bool == true)

            // Its transactions: the charge and the refund it settled, and its own (−741).
            let txns = try #require(try await client.get("/v1/balance_transactions?payout=\(id)").json["data"] as? [[String: Any]])
            #expect(Set(txns.map { "\($0["type"] as? String ?? "") \($0["net"] as? Int ?? 0)" }) == ["charge 941", "refund -200", "payout -741"])
            #expect(try await client.get("/v1/payouts/\(id)").json["amount"] as? Int == 741)
            #expect((try await client.get("/v1/payouts?currency=usd").json["data"] as? [[String: Any]])?.count == 1)
            let available = try #require(try await client.get("/v1/balance").json["available"] as? [[String: Any]])
            #expect(available.allSatisfy { $0["amount"] as? Int == 0 })
            let events = try #require(try await client.get("/v1/events?type=payout.*").json["data"] as? [[String: Any]])
            #expect(events.compactMap { $0["type"] as? String } == ["payout.paid", "payout.created", "payout.paid", "payout.created"])

            // Nothing is paid twice; the next payment goes in the next payout.
            #expect((try await client.post("/v1/vtpe/test_helpers/payouts/settle", "").json["data"] as? [Any])?.isEmpty == true)
            _ = try await client.post("/v1/payment_intents", "amount=2000&currency=eur&payment_method=pm_card_visa&confirm=true")
            let next = try #require(try await client.post("/v1/vtpe/test_helpers/payouts/settle", "").json["data"] as? [[String: Any]])
            #expect(next.map { $0["amount"] as? Int } == [2000 - 88])
            #expect(try await client.post("/v1/payouts", "amount=100&currency=eur").status == .badRequest)
        }
    }

    @Test func balancesThatAreNotAvailableYetStay() async throws {
        try await withGateway { client, _, _ in
            // Standard fees: charges become available after two days.
            _ = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true")
            #expect((try await client.post("/v1/vtpe/test_helpers/payouts/settle", "").json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func thePlanSkipsEmptyAndNegativeBalancesAndTheScheduleIsDaily() throws {
        let plans = PayoutSettlement.plan([UnsettledBalance(currency: "usd", net: 650, transactions: 1),
                                           UnsettledBalance(currency: "eur", net: -200, transactions: 1),
                                           UnsettledBalance(currency: "gbp", net: 0, transactions: 2)], availableBy: 1_000)
        #expect(plans.count == 1)
        #expect(PaymentIntentLifecycleTests.kinds(plans[0]) == ["settle usd 650", "insert payouts", "insert balance_transactions",
                                                                 "insert events", "insert events"])
        let noon = Date(timeIntervalSince1970: 1_796_299_200)  // 2026-12-03 12:00 UTC
        #expect(PayoutSettlement.next(after: noon, hour: 2, minute: 30) == Date(timeIntervalSince1970: 1_796_351_400))  // 12-04 02:30
        #expect(PayoutSettlement.next(after: noon, hour: 18, minute: 0) == Date(timeIntervalSince1970: 1_796_320_800))  // 12-03 18:00
    }
}
