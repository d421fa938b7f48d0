import Foundation
import Hummingbird
import HummingbirdTesting
import EMV
import Testing
import TestSupport
@testable import Gateway
import PaymentCore

/// The server-driven flow on the gateway: process_payment_intent, the terminal's long poll, present_payment_method,
/// the terminal confirming the intent and reporting, capture; cancel_action, set_reader_display, busy and offline.
@Suite struct ReaderActionTests {
    func reader(_ client: any TestClientProtocol, heartbeat: Bool = true) async throws -> String {
        let location = try await client.post("/v1/terminal/locations", "display_name=Shop&address[country]=FR").json["id"] as! String
        let reader = try await client.post("/v1/terminal/readers", "registration_code=vtpe-countertop-T7&location=\(location)").json["id"] as! String
        if heartbeat { _ = try await client.post("/v1/terminal/readers/\(reader)/vtpe_heartbeat", "") }
        return reader
    }

    @Test(arguments: StoreEngine.all) func processPresentConfirmCapture(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let readerID = try await reader(client)
            let pi = try await client.post("/v1/payment_intents", "amount=1250&currency=eur&payment_method_types[]=card_present&capture_method=manual").json
            let intentID = pi["id"] as! String

            let idle = try await client.get("/v1/terminal/readers/\(readerID)/vtpe_action?after=0&wait=0")
            #expect(idle.json["vtpe_action_version"] as? Int == 0)

            // The terminal waits; the API gives it an action; the wait answers at once (whether the action came
            // before the poll began waiting or after; the wake-up itself is tested on the hub below).
            async let polled = client.get("/v1/terminal/readers/\(readerID)/vtpe_action?after=0&wait=20")
            let started = ContinuousClock.now
            let process = try await client.post("/v1/terminal/readers/\(readerID)/process_payment_intent", "payment_intent=\(intentID)")
            #expect(process.status == .ok)
            let action = try #require(process.json["action"] as? [String: Any])
            #expect(action["type"] as? String == "process_payment_intent" && action["status"] as? String == "in_progress")
            #expect((action["process_payment_intent"] as? [String: Any])?["payment_intent"] as? String == intentID)
            let woken = try await polled
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(woken.json["vtpe_action_version"] as? Int == 1)

            let busy = try await client.post("/v1/terminal/readers/\(readerID)/set_reader_display", "type=cart&cart[currency]=eur&cart[total]=100")
            #expect(busy.status.code == 409 && busy.error["code"] as? String == "terminal_reader_busy")

            let presented = try await client.post("/v1/test_helpers/terminal/readers/\(readerID)/present_payment_method",
                                                  "card_present[number]=4000056655665556&amount_tip=150")
            #expect(presented.status == .ok)
            let withCard = try await client.get("/v1/terminal/readers/\(readerID)/vtpe_action?after=1&wait=5")
            #expect((withCard.json["vtpe_presented_card"] as? [String: Any])?["number"] as? String == "4000056655665556")
            // The reader object itself never shows the card.
            let plain = try await client.get("/v1/terminal/readers/\(readerID)")
            #expect(!String(buffer: plain.body).contains("4000056655665556"))

            // The terminal runs the card through its kernel, confirms the intent with the EMV data, then reports.
            let terminal = try await TestChipTerminal.loading(client, readerID: readerID)
            let outcome = try await terminal.run("visa_debit", amount: 1250, currency: .eur, interface: .contact, intent: intentID)
            #expect(outcome.decision == .approvedOnline)
            #expect(terminal.lastResponse["status"] as? String == "requires_capture")
            let done = try await client.post("/v1/terminal/readers/\(readerID)/vtpe_action_result", "status=succeeded")
            #expect((done.json["action"] as? [String: Any])?["status"] as? String == "succeeded")
            let afterDone = try await client.get("/v1/terminal/readers/\(readerID)/vtpe_action?after=3&wait=0")
            #expect(afterDone.json["vtpe_presented_card"] == nil)
            let captured = try await client.post("/v1/payment_intents/\(intentID)/capture", "")
            #expect(captured.json["status"] as? String == "succeeded")
            // The action's end is an event carrying the reader and its action.
            let events = try #require(try await client.get("/v1/events?type=terminal.reader.action_succeeded").json["data"] as? [[String: Any]])
            let reader = (events.first?["data"] as? [String: Any])?["object"] as? [String: Any]
            #expect(events.count == 1 && reader?["id"] as? String == readerID && reader?["object"] as? String == "terminal.reader")
            #expect((reader?["action"] as? [String: Any])?["status"] as? String == "succeeded")
        }
    }

    @Test func cancelDisplayOfflineAndChecks() async throws {
        try await withGateway { client, _, _ in
            let offline = try await reader(client, heartbeat: false)
            let onlineCard = try await client.post("/v1/payment_intents", "amount=100&currency=eur&payment_method_types[]=card_present").json["id"] as! String
            let refused = try await client.post("/v1/terminal/readers/\(offline)/process_payment_intent", "payment_intent=\(onlineCard)")
            #expect(refused.error["code"] as? String == "terminal_reader_offline")

            let readerID = try await reader(client)
            let online = try await client.post("/v1/payment_intents", "amount=100&currency=eur").json["id"] as! String
            let notPresent = try await client.post("/v1/terminal/readers/\(readerID)/process_payment_intent", "payment_intent=\(online)")
            #expect(notPresent.error["param"] as? String == "payment_intent")
            let noAction = try await client.post("/v1/test_helpers/terminal/readers/\(readerID)/present_payment_method", "")
            #expect(noAction.error["code"] as? String == "terminal_reader_busy")

            let display = try await client.post("/v1/terminal/readers/\(readerID)/set_reader_display",
                "type=cart&cart[currency]=eur&cart[tax]=20&cart[total]=1220&cart[line_items][0][description]=Coffee&cart[line_items][0][amount]=600&cart[line_items][0][quantity]=2")
            let cart = ((display.json["action"] as? [String: Any])?["set_reader_display"] as? [String: Any])?["cart"] as? [String: Any]
            #expect(cart?["total"] as? Int == 1220 && (cart?["line_items"] as? [[String: Any]])?.first?["description"] as? String == "Coffee")
            let canceled = try await client.post("/v1/terminal/readers/\(readerID)/cancel_action", "")
            let action = try #require(canceled.json["action"] as? [String: Any])
            #expect(action["status"] as? String == "failed" && action["failure_code"] as? String == "canceled")
            let again = try await client.post("/v1/terminal/readers/\(readerID)/cancel_action", "")
            #expect(again.status == .badRequest)
            let next = try await client.post("/v1/terminal/readers/\(readerID)/process_payment_intent", "payment_intent=\(onlineCard)")
            #expect((next.json["action"] as? [String: Any])?["status"] as? String == "in_progress")
            let failed = try await client.post("/v1/terminal/readers/\(readerID)/vtpe_action_result", "status=failed&failure_code=card_declined&failure_message=Declined")
            #expect((failed.json["action"] as? [String: Any])?["failure_code"] as? String == "card_declined")
            // Cancelled and failed actions are action_failed events; a display that never started one is none.
            let events = try #require(try await client.get("/v1/events?type=terminal.reader.*").json["data"] as? [[String: Any]])
            #expect(events.map { $0["type"] as? String } == ["terminal.reader.action_failed", "terminal.reader.action_failed"])
            let codes = events.map { (((($0["data"] as? [String: Any])?["object"] as? [String: Any])?["action"] as? [String: Any])?["failure_code"] as? String) }
            #expect(codes == ["card_declined", "canceled"])
            #expect(try await client.post("/v1/terminal/readers/\(readerID)/vtpe_action_result", "status=in_progress").status == .badRequest)
        }
    }

    /// A waiting poll is woken by the change, not by its time-out; a finished wait leaves no waiter behind.
    @Test func hubWakesAWaitingPoll() async throws {
        let hub = ActionHub()
        let started = ContinuousClock.now
        let poll = Task { await hub.wait("tmr_1", timeout: .seconds(30)) }
        try await within("the poll to wait") { while hub.waiting("tmr_1") == 0 { await Task.yield() } }
        hub.notify("tmr_2")
        #expect(hub.waiting("tmr_1") == 1)
        hub.notify("tmr_1")
        try await within("the woken poll") { await poll.value }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(hub.waiting("tmr_1") == 0)
        // A cancelled poll returns too, and leaves nothing.
        let cancelled = Task { await hub.wait("tmr_1", timeout: .seconds(30)) }
        try await within("the second poll to wait") { while hub.waiting("tmr_1") == 0 { await Task.yield() } }
        cancelled.cancel()
        try await within("the cancelled poll") { await cancelled.value }
        #expect(hub.waiting("tmr_1") == 0)
    }
}
