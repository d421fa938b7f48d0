import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Gateway

/// Card disputes with Stripe's dispute test cards: disputed once captured (the funds withdrawn), answered with
/// evidence — `winning_evidence` wins and the funds come back, `losing_evidence` loses — or closed.
@Suite struct CardDisputeTests {
    /// A paid intent of `card`; its charge and dispute.
    static func disputed(_ client: any TestClientProtocol, card: String = "pm_card_createDispute", amount: Int = 4200, extra: String = "")
        async throws -> (intent: String, charge: [String: Any], dispute: [String: Any])
    {
        let paid = try await client.post("/v1/payment_intents", "amount=\(amount)&currency=eur&payment_method=\(card)&confirm=true&expand[]=latest_charge" + extra)
        #expect(paid.status == .ok, "\(paid.json)")
        let intent = try #require(paid.json["id"] as? String)
        let charge = try #require(paid.json["latest_charge"] as? [String: Any])
        let dispute = try #require((try await client.get("/v1/disputes?payment_intent=\(intent)").json["data"] as? [[String: Any]])?.first)
        return (intent, charge, dispute)
    }

    @Test(arguments: StoreEngine.all) func aDisputeCardIsDisputedOnceCapturedAndWinningEvidenceGivesTheFundsBack(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let (intent, charge, dispute) = try await Self.disputed(client)
            #expect(charge["disputed"] as? Bool == true && charge["status"] as? String == "succeeded")
            #expect(dispute["status"] as? String == "needs_response" && dispute["reason"] as? String == "fraudulent" && dispute["amount"] as? Int == 4200)
            #expect(((dispute["payment_method_details"] as? [String: Any])?["card"] as? [String: Any])?["brand"] as? String == "visa")
            let details = try #require(dispute["evidence_details"] as? [String: Any])
            #expect(details["has_evidence"] as? Bool == false && details["submission_count"] as? Int == 0 && details["due_by"] is Int)
            let withdrawal = try #require((dispute["balance_transactions"] as? [String])?.first)
            #expect(try await store.find(BalanceTransactionRecord.self, id: withdrawal)?.net == -4200)
            #expect(EventTests.types(try await client.get("/v1/events?limit=5")) == [
                "charge.dispute.funds_withdrawn", "charge.dispute.created", "payment_intent.succeeded", "charge.succeeded", "payment_intent.created"])
            let refund = try await client.post("/v1/refunds", "payment_intent=\(intent)")
            #expect(refund.status == .badRequest && refund.error["code"] as? String == "charge_disputed")

            // A draft first: kept, not submitted.
            let id = try #require(dispute["id"] as? String)
            let draft = try await client.post("/v1/disputes/\(id)", "evidence[customer_name]=Jenny%20Rosen&submit=false")
            #expect(draft.json["status"] as? String == "needs_response")
            #expect((draft.json["evidence"] as? [String: Any])?["customer_name"] as? String == "Jenny Rosen")
            #expect((draft.json["evidence_details"] as? [String: Any])?["has_evidence"] as? Bool == true)
            // Then the winning evidence: won, the funds back.
            let won = try await client.post("/v1/disputes/\(id)", "evidence[uncategorized_text]=winning_evidence&metadata[case]=7")
            #expect(won.json["status"] as? String == "won" && (won.json["metadata"] as? [String: String]) == ["case": "7"])
            #expect((won.json["evidence"] as? [String: Any])?["customer_name"] as? String == "Jenny Rosen")
            #expect((won.json["evidence_details"] as? [String: Any])?["submission_count"] as? Int == 1)
            let transactions = try #require(won.json["balance_transactions"] as? [String])
            #expect(transactions.count == 2)
            #expect(try await store.find(BalanceTransactionRecord.self, id: transactions[1])?.net == 4200)
            #expect(EventTests.types(try await client.get("/v1/events?limit=3")) == [
                "charge.dispute.closed", "charge.dispute.funds_reinstated", "charge.dispute.updated"])
            // Closed: no more changes.
            #expect(try await client.post("/v1/disputes/\(id)", "evidence[uncategorized_text]=more").status == .badRequest)
            #expect(try await client.post("/v1/disputes/\(id)/close", "").status == .badRequest)
            // The report: the loss and its reversal cancel out.
            let line = try #require((try await client.get("/v1/vtpe/reports/summary").json["data"] as? [[String: Any]])?.first)
            #expect(line["gross"] as? Int == 4200 && line["disputes"] as? Int == 0)
        }
    }

    @Test func losingEvidenceOtherEvidenceAndClosing() async throws {
        try await withGateway { client, _, _ in
            let lost = try #require(try await Self.disputed(client).dispute["id"] as? String)
            #expect(try await client.post("/v1/disputes/\(lost)", "evidence[uncategorized_text]=losing_evidence").json["status"] as? String == "lost")

            let (_, _, pending) = try await Self.disputed(client, card: "pm_card_createDisputeProductNotReceived")
            #expect(pending["reason"] as? String == "product_not_received")
            let review = try #require(pending["id"] as? String)
            let underReview = try await client.post("/v1/disputes/\(review)", "evidence[shipping_tracking_number]=1Z999AA10123456784")
            #expect(underReview.json["status"] as? String == "under_review")
            let locked = try await client.post("/v1/disputes/\(review)", "evidence[uncategorized_text]=winning_evidence")
            #expect(locked.status == .badRequest && locked.error["param"] as? String == "evidence")

            let accepted = try #require(try await Self.disputed(client).dispute["id"] as? String)
            #expect(try await client.post("/v1/disputes/\(accepted)/close", "").json["status"] as? String == "lost")

            let unknown = try await client.post("/v1/disputes/\(accepted)", "evidence[favourite_colour]=blue")
            #expect(unknown.status == .badRequest && unknown.error["param"] as? String == "evidence[favourite_colour]")
        }
    }

    @Test func aManualCaptureIsDisputedWhenCaptured() async throws {
        try await withGateway { client, _, _ in
            let held = try await client.post("/v1/payment_intents", "amount=5000&currency=eur&payment_method=pm_card_createDispute&confirm=true&capture_method=manual")
            let id = try #require(held.json["id"] as? String)
            #expect((try await client.get("/v1/disputes?payment_intent=\(id)").json["data"] as? [Any])?.isEmpty == true)
            #expect(try await client.post("/v1/payment_intents/\(id)/capture", "amount_to_capture=3000").json["status"] as? String == "succeeded")
            let dispute = try #require((try await client.get("/v1/disputes?payment_intent=\(id)").json["data"] as? [[String: Any]])?.first)
            #expect(dispute["amount"] as? Int == 3000 && dispute["status"] as? String == "needs_response")
        }
    }

    @Test func aSEPADisputeCannotBeContested() async throws {
        try await withGateway { client, _, _ in
            let made = try await client.post("/v1/payment_intents", SEPADebitPaymentTests.debit("DE35370400440532013002"))
            let id = try #require(made.json["id"] as? String)
            _ = try await SEPADebitPaymentTests.advance(client, 0)
            let dispute = try #require((try await client.get("/v1/disputes?payment_intent=\(id)").json["data"] as? [[String: Any]])?.first)
            #expect(dispute["status"] as? String == "lost" && (dispute["payment_method_details"] as? [String: Any])?["type"] as? String == "sepa_debit")
            let refused = try await client.post("/v1/disputes/\(try #require(dispute["id"] as? String))", "evidence[uncategorized_text]=winning_evidence")
            #expect(refused.status == .badRequest && (refused.error["message"] as? String)?.contains("cannot be contested") == true)
        }
    }
}
