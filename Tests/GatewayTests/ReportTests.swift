import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// `GET /v1/vtpe/reports/summary`: online and card-present payments in one report, from the ledger.
@Suite struct ReportTests {
    /// The report's lines as `group currency gross refunds fees net count approved rate refunds#`.
    static func lines(_ response: TestResponse, _ key: String = "data") -> [String] {
        ((response.json[key] as? [[String: Any]]) ?? []).map { line in
            let fields = ["gross", "refunds", "fees", "net", "count", "approved_count"].map { "\(line[$0] as? Int ?? -1)" }
            return ([line["group"] as? String ?? "*", line["currency"] as? String ?? "?"] + fields
                    + [line["approval_rate"] as? String ?? "null", "\(line["refund_count"] as? Int ?? -1)"]).joined(separator: " ")
        }
    }

    @Test(arguments: StoreEngine.all) func onlineAndCardPresentTogether(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let start = Int64(Date().timeIntervalSince1970)
            let paid = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&payment_method=pm_card_visa&confirm=true")
            let intent = try #require(paid.json["id"] as? String)
            #expect(try await client.post("/v1/payment_intents", "amount=500&currency=eur&payment_method=pm_card_visa_chargeDeclined&confirm=true").status == .paymentRequired402)
            #expect(try await client.post("/v1/refunds", "payment_intent=\(intent)&amount=200").status == .ok)
            #expect(try await client.post("/v1/payment_intents", "amount=700&currency=usd&payment_method=pm_card_mastercard&confirm=true").status == .ok)
            // A swipe at terminal T7, whose reader is at the shop's location.
            let location = try #require(try await client.post("/v1/terminal/locations", "display_name=Lyon&address[country]=FR").json["id"] as? String)
            let reader = try #require(try await client.post("/v1/terminal/readers", "registration_code=vtpe-countertop-T7&location=\(location)").json["id"] as? String)
            let terminal = try await TestChipTerminal.loading(client, readerID: reader)
            let swipe = try terminal.swipeForm(try Track2(parsing: "4242424242424242=3412201000000000"), amount: 1234, currency: "eur")
            #expect(try await client.post("/v1/payment_intents", swipe + "&metadata[terminal_id]=T7&metadata[vtpe_batch]=1").json["status"] as? String == "succeeded")

            // Fees: 2.9 % + 30 online (1000 → 59, 700 → 50), 2.7 % + 5 in person (1234 → 38).
            let byCurrency = try await client.get("/v1/vtpe/reports/summary")
            #expect(byCurrency.status == .ok && byCurrency.json["object"] as? String == "vtpe.report_summary" && byCurrency.json["group_by"] as? String == "currency")
            #expect(Self.lines(byCurrency) == ["eur eur 2234 200 97 1937 3 2 0.6667 1", "usd usd 700 0 50 650 1 1 1.0000 0"])
            #expect(Self.lines(byCurrency, "totals") == ["* eur 2234 200 97 1937 3 2 0.6667 1", "* usd 700 0 50 650 1 1 1.0000 0"])

            #expect(Self.lines(try await client.get("/v1/vtpe/reports/summary?group_by=channel")) == [
                "card_present eur 1234 0 38 1196 1 1 1.0000 0", "online eur 1000 200 59 741 2 1 0.5000 1", "online usd 700 0 50 650 1 1 1.0000 0"])
            #expect(Self.lines(try await client.get("/v1/vtpe/reports/summary?group_by=terminal")) == [
                "T7 eur 1234 0 38 1196 1 1 1.0000 0", "none eur 1000 200 59 741 2 1 0.5000 1", "none usd 700 0 50 650 1 1 1.0000 0"])
            #expect(Self.lines(try await client.get("/v1/vtpe/reports/summary?group_by=location")) == [
                "none eur 1000 200 59 741 2 1 0.5000 1", "\(location) eur 1234 0 38 1196 1 1 1.0000 0", "none usd 700 0 50 650 1 1 1.0000 0"])
            #expect(Self.lines(try await client.get("/v1/vtpe/reports/summary?group_by=brand")) == [
                "visa eur 2234 200 97 1937 3 2 0.6667 1", "mastercard usd 700 0 50 650 1 1 1.0000 0"])

            // A window before everything is empty; bad parameters are named.
            let before = try await client.get("/v1/vtpe/reports/summary?from=0&to=\(start - 5)")
            #expect((before.json["data"] as? [Any])?.isEmpty == true && (before.json["totals"] as? [Any])?.isEmpty == true)
            #expect(try await client.get("/v1/vtpe/reports/summary?group_by=shop").error["param"] as? String == "group_by")
            #expect(try await client.get("/v1/vtpe/reports/summary?from=10&to=10").error["param"] as? String == "to")
            #expect(try await client.get("/v1/vtpe/reports/summary?colour=red").status == .badRequest)
        }
    }

    @Test func groupsMergeAndTotalPerCurrency() {
        var a = ReportTotals(group: "online", currency: "eur")
        a.attempts = 2
        a.approved = 1
        var b = ReportTotals(group: "online", currency: "eur")
        b.gross = 1000
        b.net = 941
        b.fees = 59
        var c = ReportTotals(group: "card_present", currency: "eur")
        c.gross = 50
        let merged = ReportSummary.merge([a, c, b])
        #expect(merged.map(\.group) == ["card_present", "online"])
        #expect(merged[1].attempts == 2 && merged[1].gross == 1000 && merged[1].approvalRate == 0.5)
        #expect(ReportSummary.totals(merged).map { "\($0.currency) \($0.gross) \($0.attempts)" } == ["eur 1050 2"])
        #expect(ReportSummary.render(c, grouped: true)["approval_rate"] == .null)
    }
}
