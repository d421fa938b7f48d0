import Foundation
import NIOCore
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// Server-driven refunds: `refund_payment` gives the reader the action, the test helper presents a card, the
/// terminal refunds with the card's proof and reports the refund id, which the action then shows.
@Suite struct ReaderRefundTests {
    /// A registered, heartbeating vtpe reader with its keys, and a captured card-present sale of 30.00 with 4242….
    func setUp(_ client: any TestClientProtocol) async throws -> (terminal: TestChipTerminal, intent: String, charge: String) {
        let location = try await client.post("/v1/terminal/locations", "display_name=Shop&address[country]=FR").json["id"] as! String
        let reader = try await client.post("/v1/terminal/readers", "registration_code=vtpe-countertop-R1&location=\(location)").json["id"] as! String
        _ = try await client.post("/v1/terminal/readers/\(reader)/vtpe_heartbeat", "")
        let terminal = try await TestChipTerminal.loading(client, readerID: reader)
        let sale = try await terminal.swipeSale(try track("4242424242424242"), amount: 3000)
        return (terminal, sale["id"] as! String, sale[object: "latest_charge"]?["id"] as! String)
    }

    @Test(arguments: StoreEngine.all) func refundPaymentPresentRefundReport(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let (terminal, intent, charge) = try await setUp(client)
            let reader = terminal.readerID
            let started = try await client.post("/v1/terminal/readers/\(reader)/refund_payment",
                "payment_intent=\(intent)&amount=1200&metadata[reason_code]=R2&reason=requested_by_customer&refund_payment_config[enable_customer_cancellation]=true")
            #expect(started.status == .ok, "\(String(buffer: started.body).prefix(300))")
            let action = try #require(started.json[object: "action"])
            #expect(action["type"] as? String == "refund_payment" && action["status"] as? String == "in_progress")
            #expect(action["failure_code"] is NSNull && action["failure_message"] is NSNull)
            let refunding = try #require(action[object: "refund_payment"])
            #expect(refunding["payment_intent"] as? String == intent && refunding["charge"] as? String == charge)
            #expect(refunding["amount"] as? Int == 1200 && refunding["reason"] as? String == "requested_by_customer")
            #expect(refunding[object: "metadata"]?["reason_code"] as? String == "R2" && refunding["refund"] is NSNull)
            #expect(refunding[object: "refund_payment_config"]?["enable_customer_cancellation"] as? Bool == true)

            // Busy until it ends.
            let other = try await client.post("/v1/payment_intents", "amount=100&currency=eur&payment_method_types[]=card_present").json["id"] as! String
            let busy = try await client.post("/v1/terminal/readers/\(reader)/process_payment_intent", "payment_intent=\(other)")
            #expect(busy.status.code == 409 && busy.error["code"] as? String == "terminal_reader_busy")
            // A tip belongs to payments.
            let tip = try await client.post("/v1/test_helpers/terminal/readers/\(reader)/present_payment_method", "amount_tip=100")
            #expect(tip.error["param"] as? String == "amount_tip")

            let presented = try await client.post("/v1/test_helpers/terminal/readers/\(reader)/present_payment_method", "card_present[number]=4242424242424242")
            #expect(presented.status == .ok)
            let polled = try await client.get("/v1/terminal/readers/\(reader)/vtpe_action?after=0&wait=5")
            #expect(polled.json[object: "vtpe_presented_card"]?["number"] as? String == "4242424242424242")
            #expect(polled.json[object: "action"]?["type"] as? String == "refund_payment")

            // The terminal refunds with the card it read, then reports.
            let refund = try await client.post("/v1/refunds", "payment_intent=\(intent)&amount=1200&metadata[reason_code]=R2&"
                + (try terminal.swipeProof(try track("4242424242424242"))))
            let refundID = try #require(refund.json["id"] as? String)
            let unknown = try await client.post("/v1/terminal/readers/\(reader)/vtpe_action_result", "status=succeeded&refund=re_nope")
            #expect(unknown.status == .notFound && unknown.error["param"] as? String == "refund")
            let failedWithRefund = try await client.post("/v1/terminal/readers/\(reader)/vtpe_action_result", "status=failed&refund=\(refundID)")
            #expect(failedWithRefund.error["param"] as? String == "refund")
            let done = try await client.post("/v1/terminal/readers/\(reader)/vtpe_action_result", "status=succeeded&refund=\(refundID)")
            #expect(done.status == .ok)
            let ended = try #require(done.json[object: "action"])
            #expect(ended["status"] as? String == "succeeded" && ended[object: "refund_payment"]?["refund"] as? String == refundID)
            #expect(try await client.get("/v1/terminal/readers/\(reader)").json[object: "action"]?[object: "refund_payment"]?["refund"] as? String == refundID)
            let afterDone = try await client.get("/v1/terminal/readers/\(reader)/vtpe_action?after=0&wait=0")
            #expect(afterDone.json["vtpe_presented_card"] == nil)

            // By charge, the amount defaults to what is left (18.00).
            let byCharge = try await client.post("/v1/terminal/readers/\(reader)/refund_payment", "charge=\(charge)")
            #expect(byCharge.json[object: "action"]?[object: "refund_payment"]?["amount"] as? Int == 1800)
            #expect(byCharge.json[object: "action"]?[object: "refund_payment"]?["payment_intent"] as? String == intent)
        }
    }

    @Test func refusals() async throws {
        try await withGateway { client, _, _ in
            let (terminal, intent, charge) = try await setUp(client)
            let reader = terminal.readerID
            func refundPayment(_ form: String) async throws -> TestResponse {
                try await client.post("/v1/terminal/readers/\(reader)/refund_payment", form)
            }
            #expect(try await refundPayment("payment_intent=\(intent)&charge=\(charge)").error["message"] as? String
                == "You may only specify one of these parameters: charge, payment_intent.")
            #expect(try await refundPayment("").error["param"] as? String == "payment_intent")
            #expect(try await refundPayment("payment_intent=\(intent)&amount=3001").error["code"] as? String == "amount_too_large")
            #expect(try await refundPayment("payment_intent=\(intent)&reason=bored").error["param"] as? String == "reason")
            #expect(try await refundPayment("payment_intent=\(intent)&refund_payment_config[skip_tipping]=true").error["message"] as? String
                == "Received unknown parameter: refund_payment_config[skip_tipping]")
            #expect(try await refundPayment("payment_intent=pi_nope").status == .notFound)
            _ = try await client.post("/v1/refunds", "payment_intent=\(intent)")
            #expect(try await refundPayment("payment_intent=\(intent)").error["code"] as? String == "charge_already_refunded")
            let manual = try await terminal.swipeSale(try track("4242424242424242"), amount: 1000, "&capture_method=manual")
            #expect(try await refundPayment("payment_intent=\(manual["id"] as! String)").error["param"] as? String == "payment_intent")

            // A refund of the action's charge is accepted; one reported for a payment action, or of another charge, is not.
            let sale = try await terminal.swipeSale(try track("4242424242424242"), amount: 2000)
            let saleRefund = try await client.post("/v1/refunds", "payment_intent=\(sale["id"] as! String)&amount=100").json["id"] as! String
            let started = try await refundPayment("payment_intent=\(sale["id"] as! String)&amount=100")
            #expect(started.status == .ok)
            let accepted = try await client.post("/v1/terminal/readers/\(reader)/vtpe_action_result", "status=succeeded&refund=\(saleRefund)")
            #expect(accepted.status == .ok)
            let pending = try await client.post("/v1/payment_intents", "amount=100&currency=eur&payment_method_types[]=card_present").json["id"] as! String
            _ = try await client.post("/v1/terminal/readers/\(reader)/process_payment_intent", "payment_intent=\(pending)")
            let onPayment = try await client.post("/v1/terminal/readers/\(reader)/vtpe_action_result", "status=succeeded&refund=\(saleRefund)")
            #expect(onPayment.status == .badRequest && onPayment.error["param"] as? String == "refund")
            _ = try await client.post("/v1/terminal/readers/\(reader)/cancel_action", "")
            _ = try await refundPayment("payment_intent=\(sale["id"] as! String)&amount=100")
            let firstSaleRefund = try await client.get("/v1/refunds?payment_intent=\(intent)").json["data"] as? [[String: Any]]
            let foreign = try #require(firstSaleRefund?.first?["id"] as? String)
            let mismatch = try await client.post("/v1/terminal/readers/\(reader)/vtpe_action_result", "status=succeeded&refund=\(foreign)")
            #expect(mismatch.status == .badRequest && mismatch.error["param"] as? String == "refund")

            // An offline reader.
            let location = try await client.post("/v1/terminal/locations", "display_name=Shop&address[country]=FR").json["id"] as! String
            let offline = try await client.post("/v1/terminal/readers", "registration_code=vtpe-countertop-R2&location=\(location)").json["id"] as! String
            let refused = try await client.post("/v1/terminal/readers/\(offline)/refund_payment", "payment_intent=\(sale["id"] as! String)")
            #expect(refused.error["code"] as? String == "terminal_reader_offline")
        }
    }
}
