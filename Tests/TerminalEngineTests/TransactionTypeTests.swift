import CardReaders
import EMV
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// Every transaction type of the countertop profile through the pure machine, with the exact actions.
@Suite struct TransactionTypeTests {
    let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }

    func machine(_ profile: FirmwareProfile? = nil) throws -> TransactionStateMachine {
        TransactionStateMachine(profile: try profile ?? countertop(), terminalID: "12345678", nextSTAN: 41)
    }

    /// Runs a tap through the machine: card presented, online, answered, kernel done. Returns the last actions.
    @discardableResult
    func tap(_ m: inout TransactionStateMachine, _ answer: AuthorizationResult, digits: String = "4242424242424242") throws -> [TransactionAction] {
        let start = m.handle(.cardPresented(try card(digits)), now: fixedDate)
        guard case .startChip(let chip)? = start.last else { Issue.record("no chip: \(start) \(m.notice ?? "")"); return [] }
        let online = m.handle(.onlineRequested(try onlineRequest(digits, amount: chip.amount.minorUnits)), now: fixedDate)
        guard case .requestAuthorization(let request)? = online.first else { Issue.record("no request: \(online)"); return [] }
        _ = m.handle(.authorizationAnswered(stan: request.stan, GatewayAnswer(result: answer)), now: fixedDate)
        return m.handle(.kernelCompleted(stan: request.stan, KernelOutcome(decision: answer.isApproved ? .approvedOnline : .declinedOnline,
                                                                           pan: try PAN(digits))), now: fixedDate)
    }

    @Test func preauthorizationAndPartialCompletion() throws {
        var m = try machine()
        #expect(m.handle(.operationRequested(.preauthorization(amount: eur(8000))), now: fixedDate) == [])
        #expect(m.phase == .waitingForCard(amount: eur(8000)) && m.kind == .preauthorization)
        let start = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        guard case .startChip(let chip)? = start.last else { Issue.record("\(start)"); return }
        #expect(chip.kind == .preauthorization)
        let online = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: 8000)), now: fixedDate)
        guard case .requestAuthorization(let request)? = online.first else { Issue.record("\(online)"); return }
        #expect(request.kind == .preauthorization(incremental: true) && request.batch == 1 && request.stan == 41)
        _ = m.handle(.authorizationAnswered(stan: 41, GatewayAnswer(result: .approved(paymentIntentID: "pi_pre", authorizationCode: "A1"))), now: fixedDate)
        let done = m.handle(.kernelCompleted(stan: 41, KernelOutcome(decision: .approvedOnline, pan: try PAN("4242424242424242"))), now: fixedDate)
        #expect(done.first == .saveJournal(m.journal))
        #expect(m.journal.entry(41)?.status == .approved && m.journal.entry(41)?.captured == nil)
        #expect(m.journal.openAuthorizations.map(\.stan) == [41])

        // Completion below the authorized amount: a capture of 62.50, the rest released.
        let complete = m.handle(.operationRequested(.completion(stan: 41, amount: eur(6250))), now: fixedDate)
        let expected = FollowUpRequest(operation: .completion(finalAmount: eur(6250), increment: false), paymentIntent: "pi_pre",
                                       terminalID: "12345678", stan: 42, batch: 1)
        #expect(complete == [.persistSTAN(next: 43), .requestFollowUp(expected)])
        #expect(m.phase == .processing(title: "COMPLETION"))
        let end = m.handle(.followUpAnswered(stan: 42, .approved(paymentIntentID: "pi_pre", authorizationCode: "A1")), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(result.kind == .completion && result.amount == eur(6250) && result.reference == 41 && result.card.last4 == "4242")
        #expect(end.contains(.printReceipt(result.receipt)) && end.contains { if case .printReceipt(let r) = $0 { r.copy == .merchant } else { false } })
        #expect(m.journal.entry(41)?.status == .completed && m.journal.entry(41)?.captured == eur(6250))
        #expect(m.journal.totals == [BatchTotal(currency: "EUR", brand: "visa", type: "preauthorization", count: 1, amount: 6250)])
        // Completed once: a second completion is refused, nothing sent.
        #expect(m.handle(.operationRequested(.completion(stan: 41, amount: nil)), now: fixedDate) == [])
        #expect(m.refusal == "Pre-authorization 000041 is already completed")
    }

    @Test func completionAboveTheAuthorization() throws {
        var m = try machine()
        _ = m.handle(.operationRequested(.preauthorization(amount: eur(5000))), now: fixedDate)
        try tap(&m, .approved(paymentIntentID: "pi_hotel", authorizationCode: "1"))
        let actions = m.handle(.operationRequested(.completion(stan: 41, amount: eur(7000))), now: fixedDate)
        #expect(actions.last == .requestFollowUp(FollowUpRequest(operation: .completion(finalAmount: eur(7000), increment: true),
                                                                 paymentIntent: "pi_hotel", terminalID: "12345678", stan: 42, batch: 1)))
        // A profile without incremental authorization refuses it, and says why.
        var p = try countertop()
        p.incrementalAuthorization = false
        var n = try machine(p)
        _ = n.handle(.operationRequested(.preauthorization(amount: eur(5000))), now: fixedDate)
        try tap(&n, .approved(paymentIntentID: "pi_hotel", authorizationCode: "1"))
        #expect(n.handle(.operationRequested(.completion(stan: 41, amount: eur(7000))), now: fixedDate) == [])
        #expect(n.refusal == "Above the authorized EUR 50.00: this terminal cannot increase an authorization")
    }

    @Test func voidOfASaleAndOfAnUncapturedPreauthorization() throws {
        var m = try machine()
        _ = m.handle(.operationRequested(.sale(amount: eur(1500), tip: nil)), now: fixedDate)
        try tap(&m, .approved(paymentIntentID: "pi_sale", authorizationCode: "1"))
        #expect(m.handle(.operationRequested(.void(stan: 41)), now: fixedDate).last
                == .requestFollowUp(FollowUpRequest(operation: .void(captured: eur(1500)), paymentIntent: "pi_sale", terminalID: "12345678", stan: 42, batch: 1)))
        _ = m.handle(.followUpAnswered(stan: 42, .approved(paymentIntentID: "re_1", authorizationCode: nil)), now: fixedDate)
        #expect(m.journal.entry(41)?.status == .voided)
        #expect(m.handle(.operationRequested(.void(stan: 41)), now: fixedDate) == [] && m.refusal == "STAN 000041 is already voided: nothing to void")
        _ = m.handle(.operationRequested(.preauthorization(amount: eur(3000))), now: fixedDate)
        try tap(&m, .approved(paymentIntentID: "pi_pre", authorizationCode: "1"))
        #expect(m.handle(.operationRequested(.void(stan: 43)), now: fixedDate).last
                == .requestFollowUp(FollowUpRequest(operation: .void(captured: nil), paymentIntent: "pi_pre", terminalID: "12345678", stan: 44, batch: 1)))
        _ = m.handle(.followUpAnswered(stan: 44, .approved(paymentIntentID: "pi_pre", authorizationCode: nil)), now: fixedDate)
        // Totals as the gateway counts them: the sale stays a sale, the voids count what moved back (0 for a cancel).
        #expect(m.journal.totals == [
            BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 1, amount: 1500),
            BatchTotal(currency: "EUR", brand: "visa", type: "void", count: 2, amount: 1500),
        ])
        #expect(m.handle(.operationRequested(.void(stan: 99)), now: fixedDate) == [] && m.refusal == "No transaction with STAN 000099 in the open batch")
    }

    /// A EUR 20.00 sale (STAN 41), then a chip refund of it (STAN 42) whose answer is lost; the refund's last actions.
    @discardableResult
    func saleThenLostRefund(_ m: inout TransactionStateMachine, refund: Int64) throws -> [TransactionAction] {
        _ = m.handle(.operationRequested(.sale(amount: eur(2000), tip: nil)), now: fixedDate)
        try tap(&m, .approved(paymentIntentID: "pi_sale", authorizationCode: "1"))
        _ = m.handle(.operationRequested(.refund(amount: eur(refund), of: 41)), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        _ = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: refund)), now: fixedDate)
        _ = m.handle(.authorizationAnswered(stan: 42, GatewayAnswer(result: .failed(.timeout), outcomeKnown: false)), now: fixedDate)
        return m.handle(.kernelCompleted(stan: 42, KernelOutcome(decision: .declinedUnableToGoOnline, pan: try PAN("4242424242424242"))), now: fixedDate)
    }

    /// A refund whose answer is lost stays in doubt: asked about, never undone; the sale takes no other refund nor a
    /// void meanwhile; the answer found makes it a refund of the batch (or a failure) and frees the sale.
    @Test func lostRefundAnswerStaysInDoubtUntilTheInquiryAnswers() throws {
        var m = try machine()
        let end = try saleThenLostRefund(&m, refund: 500)
        #expect(end.first == .queueReversal(key: "12345678-000042", paymentIntent: nil, reason: TransactionStateMachine.refundInquiry))
        #expect(m.journal.entry(42)?.status == .inDoubt && m.journal.entry(41)?.refunded == 0)
        #expect(m.journal.totals == [BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 1, amount: 2000)])
        let receipt = ReceiptFormatter(profile: try countertop(), terminalID: "12345678").receipt(for: try #require(m.journal.entry(42)), copy: .merchant, batch: 1)
        #expect(receipt.lines.contains { $0.contains("RESULT UNKNOWN") } && !receipt.lines.contains { $0.contains("NOT COMPLETED") })

        let waiting = "Refund 000042 of STAN 000041 awaits the gateway's answer: try again shortly"
        #expect(m.handle(.operationRequested(.refund(amount: eur(500), of: 41)), now: fixedDate) == [] && m.refusal == waiting)
        #expect(m.handle(.operationRequested(.void(stan: 41)), now: fixedDate) == [] && m.refusal == waiting)

        // An inquiry answer for another key changes nothing; this one makes the refund of the batch.
        #expect(m.handle(.refundInquiryAnswered(idempotencyKey: "12345678-000099", refundID: "re_x"), now: fixedDate) == [])
        let found = m.handle(.refundInquiryAnswered(idempotencyKey: "12345678-000042", refundID: "re_lost"), now: fixedDate)
        #expect(found == [.saveJournal(m.journal)])
        #expect(m.journal.entry(42)?.status == .approved && m.journal.entry(42)?.gatewayID == "re_lost")
        #expect(m.journal.entry(41)?.refunded == 500)
        #expect(m.notice == "Refund 000042 went through")
        #expect(m.journal.totals.contains(BatchTotal(currency: "EUR", brand: "visa", type: "refund", count: 1, amount: 500)))
        // Answered once: a repeat finds nothing in doubt.
        #expect(m.handle(.refundInquiryAnswered(idempotencyKey: "12345678-000042", refundID: "re_lost"), now: fixedDate) == [])
        #expect(m.journal.entry(41)?.refunded == 500)
        // The sale is free again: what is left can be refunded.
        #expect(m.handle(.operationRequested(.refund(amount: eur(1500), of: 41)), now: fixedDate) == [] && m.refusal == nil)
    }

    @Test func lostRefundThatNeverReachedTheGatewayFails() throws {
        var m = try machine()
        try saleThenLostRefund(&m, refund: 2000)
        _ = m.handle(.refundInquiryAnswered(idempotencyKey: "12345678-000042", refundID: nil), now: fixedDate)
        #expect(m.journal.entry(42)?.status == .failed && m.journal.entry(42)?.outcomeText == "not made by the gateway")
        #expect(m.notice == "Refund 000042 was not made")
        #expect(m.journal.entry(41)?.refunded == 0)
        #expect(m.handle(.operationRequested(.void(stan: 41)), now: fixedDate).last
                == .requestFollowUp(FollowUpRequest(operation: .void(captured: eur(2000)), paymentIntent: "pi_sale", terminalID: "12345678", stan: 43, batch: 1)))
    }

    @Test func refundsReferencedAndUnreferenced() throws {
        var m = try machine()
        _ = m.handle(.operationRequested(.sale(amount: eur(2000), tip: nil)), now: fixedDate)
        try tap(&m, .approved(paymentIntentID: "pi_sale", authorizationCode: "1"))
        #expect(m.handle(.operationRequested(.refund(amount: eur(2500), of: 41)), now: fixedDate) == [])
        #expect(m.refusal == "Refund over what is left of STAN 000041: EUR 20.00")
        #expect(m.handle(.operationRequested(.refund(amount: eur(500), of: 41)), now: fixedDate) == [])
        #expect(m.phase == .waitingForCard(amount: eur(500)) && m.kind == .refund)
        let start = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        guard case .startChip(let chip)? = start.last else { Issue.record("\(start)"); return }
        #expect(chip.kind == .refund)
        let online = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: 500)), now: fixedDate)
        guard case .requestAuthorization(let request)? = online.first else { Issue.record("\(online)"); return }
        #expect(request.kind == .refund(paymentIntent: "pi_sale"))
        #expect(m.handle(.authorizationAnswered(stan: 42, GatewayAnswer(result: .approved(paymentIntentID: "re_9", authorizationCode: nil))), now: fixedDate)
                == [.answerKernel(.received(authorisationResponseCode: "00", issuerAuthenticationData: nil))])
        // The card then declines the "approval" (refunds carry no ARPC): the refund stands, nothing is reversed.
        let end = m.handle(.kernelCompleted(stan: 42, KernelOutcome(decision: .declinedByCardAfterOnlineApproval, pan: try PAN("4242424242424242"))), now: fixedDate)
        #expect(!end.contains { if case .queueReversal = $0 { true } else { false } })
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(result.kind == .refund && result.outcome == .approved(paymentIntentID: "re_9", authorizationCode: nil))
        #expect(m.journal.entry(41)?.refunded == 500)
        // Unreferenced: the countertop allows it; a profile that does not says so.
        #expect(m.handle(.operationRequested(.refund(amount: eur(700), of: nil)), now: fixedDate) == [] && m.refusal == nil)
        var p = try countertop()
        p.unreferencedRefund = false
        var n = try machine(p)
        #expect(n.handle(.operationRequested(.refund(amount: eur(700), of: nil)), now: fixedDate) == [])
        #expect(n.refusal == "This terminal refunds earlier transactions only: give the STAN (--of)")
    }

    /// A STAN that cannot be saved: the engine stops before anything leaves, the sale ends not completed.
    @Test func storageFailureEndsTheTransaction() throws {
        var m = try machine()
        _ = m.handle(.operationRequested(.sale(amount: eur(1000), tip: nil)), now: fixedDate)
        #expect(m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate).first == .persistSTAN(next: 42))
        let end = m.handle(.storageFailed("No space left on device"), now: fixedDate)
        #expect(end.first == .cancelChip && !end.contains { if case .requestAuthorization = $0 { true } else { false } })
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(result.outcome == .failed(.rejected("the terminal could not save its STAN: No space left on device")))
    }

    @Test func disabledTypesAndBadInput() throws {
        let mpos = try FirmwareProfile.load(named: "mpos", searching: [profilesDirectory])
        var m = try machine(mpos)
        #expect(m.handle(.operationRequested(.preauthorization(amount: eur(1000))), now: fixedDate) == [])
        #expect(m.refusal == "Pre-authorization is not enabled on this terminal (mpos)")
        #expect(m.handle(.operationRequested(.sale(amount: eur(600_000), tip: nil)), now: fixedDate) == [])
        #expect(m.refusal == "The amount is over this terminal's maximum of EUR 5000.00")
        #expect(m.handle(.operationRequested(.sale(amount: Money(minorUnits: 100, currency: .usd), tip: nil)), now: fixedDate) == [])
        #expect(m.refusal == "This terminal takes EUR, not USD")
    }

    /// A chip card swiped is refused ("use chip"); after a failed chip read the stripe is the fallback.
    @Test func chipCardSwipedUsesTheChipFirst() throws {
        var m = try machine()
        _ = m.handle(.operationRequested(.sale(amount: eur(1000), tip: nil)), now: fixedDate)
        #expect(m.handle(.cardPresented(try card("4242424242424242", .magstripe)), now: fixedDate) == [])
        #expect(m.notice == "Chip card: insert it (use chip)")
        let start = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        #expect(start.count == 2)
        #expect(m.handle(.kernelCompleted(stan: 41, KernelOutcome(decision: .terminated(.communicationFailed("mute")))), now: fixedDate) == [])
        #expect(m.phase == .waitingForCard(amount: eur(1000)) && m.notice == "Chip read failed: swipe the card")
        let swipe = m.handle(.cardPresented(try card("4242424242424242", .magstripe)), now: fixedDate)
        guard case .requestAuthorization(let request)? = swipe.last else { Issue.record("\(swipe)"); return }
        #expect(request.stan == 42 && m.notice == "Chip card swiped after a failed chip read: magnetic stripe fallback")
    }

    @Test func tipPromptAndTypedTip() throws {
        let portable = try FirmwareProfile.load(named: "portable", searching: [profilesDirectory])
        var m = try machine(portable)
        for k in "4000" { _ = m.handle(.keyPressed(.digit(k.wholeNumberValue!)), now: fixedDate) }
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.phase == .tipEntry(amount: eur(4000), digits: ""))
        _ = m.handle(.keyPressed(.digit(2)), now: fixedDate) // 10 %
        #expect(m.phase == .waitingForCard(amount: eur(4400)) && m.notice == "Tip EUR 4.00 added")
        let start = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        guard case .startChip? = start.last else { Issue.record("\(start)"); return }
        let online = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: 4400)), now: fixedDate)
        guard case .requestAuthorization(let request)? = online.first else { Issue.record("\(online)"); return }
        #expect(request.tip == eur(400) && request.amount == eur(4400))
        // A tip given with the sale skips the prompt.
        var n = try machine(portable)
        _ = n.handle(.operationRequested(.sale(amount: eur(1000), tip: eur(150))), now: fixedDate)
        #expect(n.phase == .waitingForCard(amount: eur(1150)))
        let smart = try FirmwareProfile.load(named: "smartpos", searching: [profilesDirectory])
        var t = try machine(smart)
        _ = t.handle(.operationRequested(.sale(amount: eur(1000), tip: nil)), now: fixedDate)
        for k in "250" { _ = t.handle(.keyPressed(.digit(k.wholeNumberValue!)), now: fixedDate) }
        _ = t.handle(.keyPressed(.enter), now: fixedDate)
        #expect(t.phase == .waitingForCard(amount: eur(1250)))
    }

    /// A printerless profile e-mails the customer's e-receipt when the sale has an address; a printing one does not.
    @Test func eReceiptByEmail() throws {
        let mpos = try FirmwareProfile.load(named: "mpos", searching: [profilesDirectory])
        var m = try machine(mpos)
        _ = m.handle(.operationRequested(.sale(amount: eur(990), tip: nil, email: "client@example.com")), now: fixedDate)
        let end = try tap(&m, .approved(paymentIntentID: "pi_mail", authorizationCode: "1"))
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(end.contains(.emailReceipt(to: "client@example.com", result.receipt)))
        #expect(!end.contains { if case .printReceipt(let r) = $0 { r.copy == .customer } else { false } }, "the customer copy is on request")
        #expect(m.handle(.operationRequested(.sale(amount: eur(990), tip: nil, email: "not an address")), now: fixedDate) == [])
        #expect(m.refusal == "'not an address' is not an e-mail address")
        var c = try machine()
        _ = c.handle(.operationRequested(.sale(amount: eur(990), tip: nil, email: "client@example.com")), now: fixedDate)
        #expect(!(try tap(&c, .approved(paymentIntentID: "pi_2", authorizationCode: "1"))).contains { if case .emailReceipt = $0 { true } else { false } })
    }

    @Test func menuReprintAndBatch() throws {
        var m = try machine()
        _ = m.handle(.operationRequested(.sale(amount: eur(1234), tip: nil)), now: fixedDate)
        try tap(&m, .approved(paymentIntentID: "pi_1", authorizationCode: "654321"))
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.keyPressed(.menu), now: fixedDate)
        #expect(m.phase == .menu(items: [.sale, .preauthorization, .completion, .void, .refund, .reprint, .report, .close, .settings]))
        _ = m.handle(.keyPressed(.digit(6)), now: fixedDate)
        #expect(m.phase == .referenceEntry(purpose: .reprint, digits: ""))
        let reprint = m.handle(.keyPressed(.enter), now: fixedDate)
        guard case .printReceipt(let duplicate)? = reprint.first else { Issue.record("\(reprint)"); return }
        #expect(duplicate.duplicate && duplicate.stan == 41 && duplicate.lines.contains { $0.contains("DUPLICATE") })
        // The end of day: the terminal's totals go to the gateway, the answer closes the batch.
        let close = m.handle(.operationRequested(.batch(close: true)), now: fixedDate)
        let totals = [BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 1, amount: 1234)]
        #expect(close == [.requestBatch(number: 1, close: totals)])
        let answered = m.handle(.batchAnswered(number: 1, .success(GatewayBatch(totals: totals, reconciliation: nil))), now: fixedDate)
        guard case .batchReport(let report) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(report.closed && report.reconciliation?.result == "match" && report.totals == totals)
        #expect(answered.first == .saveJournal(BatchJournal(number: 2, entries: [], closedSTANs: [41])))
        #expect(m.handle(.operationRequested(.void(stan: 41)), now: fixedDate) == [])
        #expect(m.refusal == "STAN 000041 belongs to a closed batch: refund it instead")
        // An X report against a gateway that recorded something else: a mismatch, each difference named.
        _ = m.handle(.operationRequested(.batch(close: false)), now: fixedDate)
        let other = [BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 1, amount: 999)]
        _ = m.handle(.batchAnswered(number: 2, .success(GatewayBatch(totals: other, reconciliation: nil))), now: fixedDate)
        guard case .batchReport(let x) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(!x.closed && x.reconciliation?.result == "mismatch")
        #expect(x.reconciliation?.differences == [BatchDifference(currency: "EUR", brand: "visa", type: "sale", terminalCount: 0, terminalAmount: 0, gatewayCount: 1, gatewayAmount: 999)])
        // The gateway down: the batch stays open.
        _ = m.handle(.operationRequested(.batch(close: true)), now: fixedDate)
        _ = m.handle(.batchAnswered(number: 2, .failure(.unreachable("connection refused"))), now: fixedDate)
        #expect(m.journal.number == 2)
        guard case .batchReport(let down) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(!down.closed && down.reconciliation?.result == "unavailable")
    }
}

/// Receipts: every copy of every shipped profile fits its paper; the merchant copy carries TVR and TSI; French
/// profiles print the CB ticket.
@Suite struct ReceiptLayoutTests {
    let entry = JournalEntry(transaction: .sale, amount: Money(minorUnits: 2272, currency: .eur),
                             card: CardSummary(brand: .visa, last4: "4887", entryMode: .contactless), stan: 1690,
                             outcome: .approved(paymentIntentID: "pi_0123456789abcdefghijklmn", authorizationCode: "619600"),
                             emv: EMVReceiptData(applicationLabel: "VISA CREDIT", aid: "A0000000421010", tvr: "0000008000", tsi: "E800", arc: "00",
                                                 cryptogram: "BB3E72F8B829CA76", verification: .onlinePIN),
                             date: fixedDate, reference: nil)

    @Test func everyProfileFitsItsPaper() throws {
        for profile in try FirmwareProfile.list(searching: [profilesDirectory]) {
            let f = ReceiptFormatter(profile: profile, terminalID: "12345678")
            for copy in ReceiptCopy.allCases {
                for kind in [TransactionKind.sale, .preauthorization, .refund, .void, .completion] {
                    var e = entry
                    e.kind = kind
                    let r = f.receipt(for: e, copy: copy, duplicate: true)
                    #expect(r.lines.allSatisfy { $0.count <= f.width }, "\(profile.id) \(copy) \(kind)")
                    #expect(!r.text.contains("4242424242424242") && r.text.contains("4887"))
                }
            }
            let ticket = f.batchTicket(BatchReport(number: 3, closed: true, totals: [BatchTotal(currency: "EUR", brand: "mastercard", type: "preauthorization", count: 12, amount: 123_456_789)],
                                                   openAuthorizations: 1, reconciliation: .init(result: "mismatch", differences: []), date: fixedDate))
            #expect(ticket.lines.allSatisfy { $0.count <= f.width }, "\(profile.id) batch ticket")
        }
    }

    @Test func merchantCopyCarriesTVRAndTSI() throws {
        let f = ReceiptFormatter(profile: try countertop(), terminalID: "12345678")
        #expect(f.receipt(for: entry, copy: .merchant).lines.contains { $0.hasPrefix("TVR 0000008000") && $0.hasSuffix("TSI E800") })
        #expect(!f.receipt(for: entry, copy: .customer).lines.contains { $0.hasPrefix("TVR") })
        #expect(f.receipt(for: entry, copy: .merchant).lines.contains { $0.contains("MERCHANT COPY") })
    }

    @Test func frenchCBTicket() throws {
        let fr = try FirmwareProfile.load(named: "fr", searching: [profilesDirectory])
        let r = ReceiptFormatter(profile: fr, terminalID: "12345678").receipt(for: entry, copy: .customer, batch: 7)
        #expect(r.text == """
                   VTPE BOUTIQUE DEMO
                   12 RUE DE LA PAIX
                      75002 PARIS

                     CARTE BANCAIRE
                     A0000000421010
                    CB SANS CONTACT
            LE 18/11/26 A 11:06:40
            CONTRAT 7654321
            ############4887
            BB3E72F8B829CA76
            678 001690 07 C@
            NO AUTO : 619600
            MONTANT = 22,72 EUR
            DEBIT
                     TICKET CLIENT
                      A CONSERVER

                 MERCI DE VOTRE VISITE

            """)
    }
}
