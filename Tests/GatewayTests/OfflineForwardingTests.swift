import EMV
import Foundation
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// Payments a terminal approved offline and forwards later (`vtpe_offline[stored_at]`): the issuer verifies the
/// stored cryptogram — a tap's ARQC (deferred authorization) or an insert's TC — and decides as it would have then;
/// the charge says `offline: {stored_at, type: "deferred"}`; a replay, a swipe, an AAC or a stale time are refused.
@Suite struct OfflineForwardingTests {
    /// A card dialogue with no gateway: the kernel is told the host cannot be reached. Returns the request the
    /// terminal stores (the tap's ARQC, or the insert's final TC) and the outcome.
    static func offline(_ profile: CardProfile, amount: Int64, interface: CardInterface) async throws -> (OnlineRequest?, KernelOutcome) {
        let channel = VirtualCardChannel(card: VirtualCard(profile: profile), interface: interface)
        let captured = Captured()
        let runner = KernelRunner(configuration: .standard, channel: channel, chooseApplication: { _ in 0 },
                                  readPIN: { _ in try? PINEntry("1234") },
                                  authorize: { request in
                                      captured.set(request)
                                      return .unableToGoOnline
                                  })
        let outcome = await runner.run(Transaction(amount: Money(minorUnits: amount, currency: .usd), date: try TransactionDate(Date()),
                                                   unpredictableNumber: UInt32.random(in: 0...UInt32.max), entryMode: interface))
        return (interface == .contactless ? captured.request : outcome.forwardingRequest(entryMode: interface), outcome)
    }

    final class Captured: @unchecked Sendable {
        private let lock = NSLock()
        private var value: OnlineRequest?
        func set(_ request: OnlineRequest) { lock.withLock { value = request } }
        var request: OnlineRequest? { lock.withLock { value } }
    }

    static func offlineDetails(_ json: [String: Any]) -> [String: Any]? {
        (((json["latest_charge"] as? [String: Any])?["payment_method_details"] as? [String: Any])?["card_present"] as? [String: Any])?["offline"] as? [String: Any]
    }

    @Test(arguments: StoreEngine.all) func deferredTapAndOfflineInsertAreForwarded(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let storedAt = Int64(Date().timeIntervalSince1970) - 3600
            let marker = "&payment_method_data[card_present][vtpe_offline][stored_at]=\(storedAt)"

            // A tap the terminal approved by deferred authorization: the kernel declined it (no host), the ARQC stays good.
            let (tap, tapOutcome) = try await Self.offline(try #require(CardProfile.standard(named: "visa_credit")), amount: 1200, interface: .contactless)
            #expect(tapOutcome.decision == .declinedUnableToGoOnline)
            let tapForm = try terminal.form(try #require(tap), readMethod: "contactless_emv", amount: 1200)
            _ = try await terminal.send(tapForm + marker)
            #expect(terminal.lastStatus == 200 && terminal.lastResponse["status"] as? String == "succeeded", "\(terminal.lastResponse)")
            #expect(Self.offlineDetails(terminal.lastResponse)?["stored_at"] as? Int == Int(storedAt))
            #expect(Self.offlineDetails(terminal.lastResponse)?["type"] as? String == "deferred")

            // The same stored payment forwarded twice under another key: the issuer has seen that cryptogram.
            _ = try await terminal.send(tapForm + marker)
            #expect(terminal.lastStatus == 402 && terminal.declineCode == "duplicate_transaction")

            // An insert the card approved offline: its TC, from the kernel's outcome.
            let (insert, insertOutcome) = try await Self.offline(try #require(CardProfile.standard(named: "mastercard_credit")), amount: 1000, interface: .contact)
            #expect(insertOutcome.decision == .approvedOffline && insertOutcome.cryptogramInformationData == 0x40)
            let request = try #require(insert)
            #expect(request.tlv.first { $0.tag == .cryptogramInformationData }?.value == [0x40])
            _ = try await terminal.send(try terminal.form(request, readMethod: "contact_emv", amount: 1000) + marker)
            #expect(terminal.lastStatus == 200 && terminal.lastResponse["status"] as? String == "succeeded", "\(terminal.lastResponse)")
            #expect(Self.offlineDetails(terminal.lastResponse)?["type"] as? String == "deferred")

            // An online payment says offline: null.
            _ = try await terminal.run("visa_credit", amount: 1500)
            let details = try #require(terminal.cardPresent)
            #expect(details["offline"] is NSNull)
        }
    }

    @Test func forwardedPaymentsTheIssuerDeclineAndBadForwards() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let now = Int64(Date().timeIntervalSince1970)
            // A card with no money: the merchant stored it offline, the issuer declines it once forwarded.
            let broke = CardProfile.virtualCard(for: try PAN("4000000000009995"), name: "broke", expiry: try Expiry(month: 12, year: 2030))
            let (tap, _) = try await Self.offline(broke, amount: 900, interface: .contactless)
            let form = try terminal.form(try #require(tap), readMethod: "contactless_emv", amount: 900)
            _ = try await terminal.send(form + "&payment_method_data[card_present][vtpe_offline][stored_at]=\(now - 60)")
            #expect(terminal.lastStatus == 402 && terminal.declineCode == "insufficient_funds")

            func error(_ form: String) async throws -> (Int, String?, String?) {
                let r = try await client.post("/v1/payment_intents", form)
                return (Int(r.status.code), r.error["param"] as? String, r.error["message"] as? String)
            }
            let (fresh, _) = try await Self.offline(try #require(CardProfile.standard(named: "visa_debit")), amount: 700, interface: .contactless)
            let good = try terminal.form(try #require(fresh), readMethod: "contactless_emv", amount: 700)
            let storedAt = "payment_method_data[card_present][vtpe_offline][stored_at]"
            var (status, param, message) = try await error(good + "&\(storedAt)=\(now - 31 * 86_400)")
            #expect(status == 400 && param == storedAt, "\(message ?? "")")
            (status, param, _) = try await error(good + "&payment_method_data[card_present][vtpe_offline][when]=1")
            #expect(status == 400 && param == storedAt)
            // A swipe is never taken offline.
            let swipe = try terminal.swipeForm(try Track2(parsing: "4242424242424242=30122010000000000"), amount: 500)
            (status, param, message) = try await error(swipe + "&\(storedAt)=\(now)")
            #expect(status == 400 && param == storedAt && message?.contains("only chip payments") == true)
            // An AAC is the card's decline: nothing to forward.
            let aac = try terminal.form(try #require(fresh), readMethod: "contactless_emv", amount: 700) { objects in
                objects.map { $0.tag == .cryptogramInformationData ? TLV(tag: $0.tag, value: [0x00]) : $0 }
            }
            (status, param, message) = try await error(aac + "&\(storedAt)=\(now)")
            #expect(status == 400 && param == "payment_method_data[card_present][vtpe_emv_data]" && message?.contains("not an AAC") == true)
        }
    }

    /// `POST /v1/vtpe/payment_intent_batches`: each request a `POST /v1/payment_intents` under its own key, in order;
    /// a decline is an answer and the run goes on; the same batch again replays every answer (no payment twice).
    @Test(arguments: StoreEngine.all) func batchesForwardInOrderUnderEachKeyAndReplay(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let marker = "&payment_method_data[card_present][vtpe_offline][stored_at]=\(Int64(Date().timeIntervalSince1970) - 600)"
            let broke = CardProfile.virtualCard(for: try PAN("4000000000009995"), name: "broke", expiry: try Expiry(month: 12, year: 2030))
            var forms: [String] = []
            for (profile, amount) in [(try #require(CardProfile.standard(named: "visa_credit")), Int64(1100)), (broke, 900),
                                      (try #require(CardProfile.standard(named: "mastercard_credit")), 1300)] {
                let (tap, _) = try await Self.offline(profile, amount: amount, interface: .contactless)
                forms.append(try terminal.form(try #require(tap), readMethod: "contactless_emv", amount: amount) + marker)
            }
            let keys = ["fwd-1", "fwd-2", "fwd-3"]
            func batch(_ items: [(String, String)]) -> String {
                items.enumerated().map { i, item in
                    "requests[\(i)][idempotency_key]=\(Self.encoded(item.0))&requests[\(i)][body]=\(Self.encoded(item.1))"
                }.joined(separator: "&")
            }
            let first = try await client.post("/v1/vtpe/payment_intent_batches", batch(Array(zip(keys, forms))))
            #expect(first.status == .ok, "\(first.json)")
            let data = try #require(first.json["data"] as? [[String: Any]])
            #expect(first.json["object"] as? String == "list")
            #expect(data.map { $0["object"] as? String } == Array(repeating: "vtpe.idempotency_key", count: 3))
            #expect(data.map { $0["key"] as? String } == keys)
            #expect(data.map { $0["response_status"] as? Int } == [200, 402, 200])
            let responses = data.compactMap { $0["response"] as? [String: Any] }
            #expect(responses[0]["status"] as? String == "succeeded" && responses[2]["amount"] as? Int == 1300)
            #expect(Self.offlineDetails(responses[0])?["type"] as? String == "deferred")
            #expect(((responses[1]["error"] as? [String: Any])?["decline_code"] as? String) == "insufficient_funds")
            let ids = [responses[0]["id"] as? String, responses[2]["id"] as? String]

            // Each key is known to the status inquiry, with the same answer.
            let inquiry = try await client.get("/v1/vtpe/idempotency_keys/fwd-3")
            #expect(inquiry.json["status"] as? String == "completed" && (inquiry.json["response"] as? [String: Any])?["id"] as? String == ids[1])

            // The same batch again (its answer was lost): every answer replayed, no payment made twice.
            let again = try await client.post("/v1/vtpe/payment_intent_batches", batch(Array(zip(keys, forms))))
            let replayed = try #require(again.json["data"] as? [[String: Any]]).compactMap { $0["response"] as? [String: Any] }
            #expect([replayed[0]["id"] as? String, replayed[2]["id"] as? String] == ids)
            let succeeded = try await client.get("/v1/payment_intents?limit=100")
            #expect((succeeded.json["data"] as? [[String: Any]])?.filter { $0["status"] as? String == "succeeded" }.count == 2)

            // A key reused with other parameters is that request's answer (400), and the run goes on.
            let mixed = try await client.post("/v1/vtpe/payment_intent_batches", batch([("fwd-1", forms[2]), ("fwd-2", forms[1])]))
            #expect(try #require(mixed.json["data"] as? [[String: Any]]).map { $0["response_status"] as? Int } == [400, 402])

            // Bad batches are refused whole, before anything runs.
            func refusal(_ form: String) async throws -> (Int, String?) {
                let r = try await client.post("/v1/vtpe/payment_intent_batches", form)
                return (Int(r.status.code), r.error["param"] as? String)
            }
            #expect(try await refusal("") == (400, "requests"))
            #expect(try await refusal("requests[0][body]=amount%3D100") == (400, "requests[0][idempotency_key]"))
            #expect(try await refusal("requests[0][idempotency_key]=k&requests[0][body]=x&requests[0][extra]=1") == (400, "requests[0][extra]"))
            let longKey = String(repeating: "k", count: 256)
            #expect(try await refusal("requests[0][idempotency_key]=ok&requests[0][body]=x&requests[1][idempotency_key]=\(longKey)&requests[1][body]=x")
                    == (400, "requests[1][idempotency_key]"))
            #expect(try await client.get("/v1/vtpe/idempotency_keys/ok").status == .notFound)
            let tooMany = (0...PaymentIntentBatchRoutes.maxRequests).map { "requests[\($0)][idempotency_key]=k\($0)&requests[\($0)][body]=x" }
            #expect(try await refusal(tooMany.joined(separator: "&")) == (400, "requests"))
            #expect(try await client.get("/v1/vtpe/idempotency_keys/k0").status == .notFound)
        }
    }

    /// A form value percent-encoded (`application/x-www-form-urlencoded`).
    static func encoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? value
    }
}
