import CardReaders
@testable import EMV
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// Store-and-forward through the pure machine, with the exact actions: a tap the gateway provably did not get is
/// approved offline within the policy (its ARQC kept), stored before the approval shows, and forwarded later; the
/// behaviours (prefer / require / force) and every refusal.
@Suite struct OfflineFlowTests {
    let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }
    static let down = GatewayAnswer(result: .failed(.unreachable("network down")))

    func portable() throws -> TransactionStateMachine {
        var profile = try FirmwareProfile.load(named: "portable", searching: [profilesDirectory])
        profile.tipping.mode = .off
        return TransactionStateMachine(profile: profile, terminalID: "12345678", nextSTAN: 41)
    }

    func contactlessRequest(_ amount: Int64, pin: Bool = false) throws -> OnlineRequest {
        let base = try onlineRequest("4242424242424242", amount: amount)
        return OnlineRequest(tlv: base.tlv, pan: base.pan, track2: base.track2, panSequenceNumber: 1, amount: eur(amount), otherAmount: nil,
                             entryMode: .contactless, onlinePIN: pin ? try PINEntry("1234") : nil, applicationIdentifier: base.applicationIdentifier)
    }

    /// A tap sale of `amount` with `behavior` up to the kernel's online request; the actions it returned.
    func tapToOnline(_ m: inout TransactionStateMachine, _ amount: Int64, _ behavior: OfflineBehavior = .preferOnline, pin: Bool = false) throws -> [TransactionAction] {
        _ = m.handle(.operationRequested(.sale(amount: eur(amount), tip: nil, offline: behavior)), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        return m.handle(.onlineRequested(try contactlessRequest(amount, pin: pin)), now: fixedDate)
    }

    func declinedNoHost() throws -> KernelOutcome {
        KernelOutcome(decision: .declinedUnableToGoOnline, cryptogramInformationData: 0x80, authorisationResponseCode: "Z3", pan: try PAN("4242424242424242"))
    }

    @Test func unreachableGatewayStoresTheTapThenForwardsIt() throws {
        var m = try portable()
        let online = try tapToOnline(&m, 1200)
        guard case .requestAuthorization(let request)? = online.first else { Issue.record("\(online)"); return }
        #expect(m.handle(.authorizationAnswered(stan: 41, Self.down), now: fixedDate) == [.answerKernel(.unableToGoOnline)])
        let stored = m.handle(.kernelCompleted(stan: 41, try declinedNoHost()), now: fixedDate)
        #expect(stored == [.storeOffline(request, storedAt: fixedDate)])
        #expect(m.phase == .authorizing(amount: eur(1200), card: CardSummary(pan: request.card.pan, entryMode: .contactless), stan: 41))
        let queue = OfflinePolicy.Queue(count: 1, totals: [.eur: 1200], oldest: fixedDate)
        let shown = m.handle(.offlineStored(stan: 41, failure: nil, queue: queue), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(result.outcome == .approvedOffline(authorizationCode: "Y3"))
        #expect(shown.first == .saveJournal(m.journal) && m.offlineQueue == queue)
        let entry = try #require(m.journal.entry(41))
        #expect(entry.status == .approved && entry.offline == .stored && entry.gatewayID == nil && entry.emv?.arc == "Y3")
        #expect(result.receipt.lines.contains { $0.contains("APPROVED OFFLINE") })
        #expect(m.journal.totals == [BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 1, amount: 1200)])
        // Forwarded: the intent joins the journal; the store is empty again.
        #expect(m.handle(.offlineForwarded([OfflineAnswer(stan: 41, .approved(paymentIntentID: "pi_fwd", authorizationCode: "123456"))], queue: .empty), now: fixedDate)
                == [.saveJournal(m.journal)])
        #expect(m.journal.entry(41)?.gatewayID == "pi_fwd" && m.journal.entry(41)?.offline == .forwarded && m.offlineQueue == .empty)
    }

    @Test func aStoredPaymentTheBankDeclinesStaysOnTheTerminal() throws {
        var m = try portable()
        _ = try tapToOnline(&m, 900)
        _ = m.handle(.authorizationAnswered(stan: 41, Self.down), now: fixedDate)
        _ = m.handle(.kernelCompleted(stan: 41, try declinedNoHost()), now: fixedDate)
        _ = m.handle(.offlineStored(stan: 41, failure: nil, queue: .init(count: 1, totals: [.eur: 900], oldest: fixedDate)), now: fixedDate)
        _ = m.handle(.offlineForwarded([OfflineAnswer(stan: 41, .declined(.insufficientFunds, message: "no", paymentIntentID: "pi_no"))], queue: .empty), now: fixedDate)
        let entry = try #require(m.journal.entry(41))
        #expect(entry.status == .declined && entry.offline == .declined && entry.gatewayID == "pi_no" && entry.captured == nil)
        #expect(m.notice?.hasPrefix("Offline payment 000041 declined by the bank") == true)
        #expect(m.journal.totals.isEmpty)
        // The end of day lists it: in no total, but the merchant sees the loss.
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.handle(.operationRequested(.batch(close: false)), now: fixedDate) == [.requestBatch(number: 1, close: nil)])
        let ticket = m.handle(.batchAnswered(number: 1, .success(GatewayBatch(totals: [], reconciliation: nil))), now: fixedDate)
        guard case .batchReport(let report) = m.phase, case .printReceipt(let receipt)? = ticket.last else { Issue.record("\(m.phase) \(ticket)"); return }
        #expect(report.declinedOffline.map(\.stan) == [41] && report.declinedOffline.first?.amount == eur(900))
        #expect(receipt.lines.contains("OFFLINE, DECLINED BY BANK") && receipt.lines.contains { $0.hasPrefix("000041 VISA 4242") && $0.hasSuffix("EUR 9.00") })
    }

    @Test func forceOfflineNeverTriesTheGatewayAndRespectsThePolicy() throws {
        var m = try portable()
        #expect(try tapToOnline(&m, 2000, .forceOffline) == [.answerKernel(.unableToGoOnline)])
        let stored = m.handle(.kernelCompleted(stan: 41, try declinedNoHost()), now: fixedDate)
        guard case .storeOffline(let request, _)? = stored.first else { Issue.record("\(stored)"); return }
        #expect(request.stan == 41 && request.amount == eur(2000))
        _ = m.handle(.offlineStored(stan: 41, failure: nil, queue: .init(count: 1, totals: [.eur: 2000], oldest: fixedDate)), now: fixedDate)
        // Over the EUR 50 a payment: refused, nothing sent, nothing stored.
        #expect(try tapToOnline(&m, 6000, .forceOffline) == [.answerKernel(.unableToGoOnline)])
        let refused = m.handle(.kernelCompleted(stan: 42, try declinedNoHost()), now: fixedDate)
        #expect(!refused.contains { if case .storeOffline = $0 { true } else { false } })
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(result.outcome == .failed(.unreachable("not taken offline: over the offline limit of EUR 50.00 a payment")))
    }

    @Test func whatIsNeverTakenOffline() throws {
        // require_online; an online PIN; a lost answer (it may have gone through); a profile without offline; a store failure.
        var m = try portable()
        _ = try tapToOnline(&m, 1000, .requireOnline)
        _ = m.handle(.authorizationAnswered(stan: 41, Self.down), now: fixedDate)
        #expect(!m.handle(.kernelCompleted(stan: 41, try declinedNoHost()), now: fixedDate).contains { if case .storeOffline = $0 { true } else { false } })

        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = try tapToOnline(&m, 1000, pin: true)
        _ = m.handle(.authorizationAnswered(stan: 42, Self.down), now: fixedDate)
        #expect(!m.handle(.kernelCompleted(stan: 42, try declinedNoHost()), now: fixedDate).contains { if case .storeOffline = $0 { true } else { false } })

        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = try tapToOnline(&m, 1000)
        _ = m.handle(.authorizationAnswered(stan: 43, GatewayAnswer(result: .failed(.timeout), outcomeKnown: false)), now: fixedDate)
        let lost = m.handle(.kernelCompleted(stan: 43, try declinedNoHost()), now: fixedDate)
        #expect(lost.first == .queueReversal(key: "12345678-000043", paymentIntent: nil, reason: "answer lost"))

        var counter = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        _ = try tapToOnline(&counter, 1000)
        _ = counter.handle(.authorizationAnswered(stan: 41, Self.down), now: fixedDate)
        #expect(!counter.handle(.kernelCompleted(stan: 41, try declinedNoHost()), now: fixedDate).contains { if case .storeOffline = $0 { true } else { false } })

        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = try tapToOnline(&m, 1000)
        _ = m.handle(.authorizationAnswered(stan: 44, Self.down), now: fixedDate)
        _ = m.handle(.kernelCompleted(stan: 44, try declinedNoHost()), now: fixedDate)
        _ = m.handle(.offlineStored(stan: 44, failure: "disk full", queue: .empty), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(result.outcome == .failed(.rejected("the payment could not be kept offline: disk full")))
        #expect(m.journal.entry(44)?.status == .failed)
    }
}
