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
}
