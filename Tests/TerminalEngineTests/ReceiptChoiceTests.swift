import CardReaders
import EMV
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// "Customer receipt?" after a payment whose profile prints the customer copy on request, the card left in the slot,
/// and the settings screen, through the pure machine.
@Suite struct ReceiptChoiceTests {
    let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }

    func machine(_ profile: String) throws -> TransactionStateMachine {
        TransactionStateMachine(profile: try FirmwareProfile.load(named: profile, searching: [profilesDirectory]), terminalID: "12345678", nextSTAN: 41)
    }

    /// A sale of 12.34 approved (or declined) through a chip read; returns the actions of its end.
    @discardableResult
    func sale(_ m: inout TransactionStateMachine, _ answer: AuthorizationResult = .approved(paymentIntentID: "pi_1", authorizationCode: "654321"),
              mode: EntryMode = .contactless, email: String? = nil) throws -> [TransactionAction] {
        _ = m.handle(.operationRequested(.sale(amount: eur(1234), tip: eur(0), email: email)), now: fixedDate)
        let start = m.handle(.cardPresented(try card("4242424242424242", mode)), now: fixedDate)
        guard case .startChip(let chip)? = start.last else { Issue.record("no chip: \(start) \(m.notice ?? "")"); return [] }
        _ = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: chip.amount.minorUnits)), now: fixedDate)
        _ = m.handle(.authorizationAnswered(stan: chip.stan, GatewayAnswer(result: answer)), now: fixedDate)
        return m.handle(.kernelCompleted(stan: chip.stan, KernelOutcome(decision: answer.isApproved ? .approvedOnline : .declinedOnline,
                                                                        pan: try PAN("4242424242424242"))), now: fixedDate)
    }

    func customerReceipt(_ m: TransactionStateMachine) -> Receipt? {
        if case .finished(let result) = m.phase { result.receipt } else { nil }
    }

    @Test func aPrintingSmartPOSAsksAndPrintsTheCustomerCopyOnTheFirstKey() throws {
        var m = try machine("smartpos")
        let end = try sale(&m)
        let customer = try #require(customerReceipt(m))
        // The merchant copy prints at once; the customer's waits for the answer, for 30 s.
        #expect(!end.contains(.printReceipt(customer)))
        #expect(end.contains { if case .printReceipt(let r) = $0 { r.copy == .merchant } else { false } })
        #expect(end.last == .startTimer(.receiptChoice(1), .seconds(30)))
        #expect(m.receiptOffer == ReceiptOffer(stan: 41, receipt: customer, choices: [.print, .email, .none]))
        // A digit answers the question; it does not start the next amount.
        #expect(m.handle(.keyPressed(.digit(5)), now: fixedDate) == [])
        #expect(m.notice == "Customer receipt: choose 1-3 (Esc: none)" && m.phase.isFinished)
        #expect(m.handle(.keyPressed(.digit(1)), now: fixedDate) == [.printReceipt(customer)])
        #expect(m.receiptOffer == nil && m.lastPrinted == [customer] && m.phase.isFinished)
        // Then the keys are the result screen's again: the time-out of the answered question does nothing.
        #expect(m.handle(.timerFired(.receiptChoice(1)), now: fixedDate) == [] && m.notice == nil)
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: ""))
    }

    @Test func theEmailChoiceAsksForTheAddressAndChecksIt() throws {
        var m = try machine("smartpos")
        try sale(&m)
        let customer = try #require(customerReceipt(m))
        // The address takes a while to type: the question's time-out starts again (the first one no longer counts).
        #expect(m.handle(.keyPressed(.digit(2)), now: fixedDate) == [.startTimer(.receiptChoice(2), .seconds(30))])
        #expect(m.receiptOffer?.askingAddress == true)
        #expect(m.handle(.timerFired(.receiptChoice(1)), now: fixedDate) == [] && m.receiptOffer?.askingAddress == true)
        // Keys other than Esc are not the address (it is typed as text and sent whole).
        #expect(m.handle(.keyPressed(.digit(1)), now: fixedDate) == [] && m.receiptOffer?.askingAddress == true)
        #expect(m.handle(.receiptChosen(.email("client.example.fr")), now: fixedDate) == [])
        #expect(m.notice == "'client.example.fr' is not an e-mail address" && m.receiptOffer?.askingAddress == true)
        // Esc goes back to the choices; Enter then takes the first (print) — here the e-mail is chosen again.
        _ = m.handle(.keyPressed(.cancel), now: fixedDate)
        #expect(m.receiptOffer?.askingAddress == false && m.receiptOffer != nil)
        #expect(m.handle(.keyPressed(.digit(2)), now: fixedDate) == [.startTimer(.receiptChoice(3), .seconds(30))])
        #expect(m.handle(.receiptChosen(.email("client@example.fr")), now: fixedDate) == [.emailReceipt(to: "client@example.fr", customer)])
        #expect(m.receiptOffer == nil && m.notice == "Receipt sent to client@example.fr")
        // Nothing was printed for the customer.
        #expect(!m.lastPrinted.contains(customer))
    }

    @Test func escapeUnansweredAndTheNextSaleMeanNoReceipt() throws {
        var m = try machine("smartpos")
        try sale(&m)
        #expect(m.handle(.keyPressed(.cancel), now: fixedDate) == [])
        #expect(m.receiptOffer == nil && m.notice == "No customer receipt" && m.phase.isFinished)

        // Unanswered: the time-out of this question (the second) takes "no receipt"; a stale one is ignored.
        try sale(&m)
        #expect(m.handle(.timerFired(.receiptChoice(1)), now: fixedDate) == [] && m.receiptOffer != nil)
        #expect(m.handle(.timerFired(.receiptChoice(2)), now: fixedDate) == [])
        #expect(m.receiptOffer == nil && m.notice == "No customer receipt (no answer)")

        // A new sale asked for while the question is up: the question lapses.
        try sale(&m)
        #expect(m.receiptOffer != nil)
        _ = m.handle(.operationRequested(.sale(amount: eur(500), tip: eur(0))), now: fixedDate)
        #expect(m.receiptOffer == nil && m.phase == .waitingForCard(amount: eur(500)))
        #expect(m.handle(.receiptChosen(.print), now: fixedDate) == [] && m.notice == "No receipt question is on screen")
    }

    @Test func theChoicesAreWhatTheDeviceCanDo() throws {
        // A sale with `--email` already sent its e-receipt: print or none.
        var smart = try machine("smartpos")
        let end = try sale(&smart, email: "client@example.fr")
        #expect(end.contains { if case .emailReceipt(to: "client@example.fr", _) = $0 { true } else { false } })
        #expect(smart.receiptOffer?.choices == [.print, .none])
        // A phone has no printer.
        var phone = try machine("softpos")
        try sale(&phone)
        #expect(phone.receiptOffer?.choices == [.email, .none])
        #expect(phone.handle(.receiptChosen(.print), now: fixedDate) == [])
        #expect(phone.notice == "This terminal has no printer: choose the e-mail or no receipt" && phone.receiptOffer != nil)
        // The French countertop prints the customer ticket on request and sends no e-mail.
        var fr = try machine("fr")
        try sale(&fr)
        #expect(fr.receiptOffer?.choices == [.print, .none])
        #expect(fr.handle(.receiptChosen(.email("client@example.fr")), now: fixedDate) == [])
        #expect(fr.notice == "This terminal does not send e-mail receipts")
        // No question: a declined payment, or a profile that always prints the customer copy.
        var declined = try machine("smartpos")
        try sale(&declined, .declined(.insufficientFunds, message: "no", paymentIntentID: "pi_2"))
        #expect(declined.receiptOffer == nil)
        var countertop = try machine("countertop")
        let printed = try sale(&countertop)
        let both = try #require(customerReceipt(countertop))
        #expect(countertop.receiptOffer == nil && printed.contains(.printReceipt(both)))
    }

    @Test func anInsertedCardStaysInTheSlotUntilRemoved() throws {
        var m = try machine("smartpos")
        try sale(&m, mode: .contact)
        #expect(m.cardInSlot && m.phase.isFinished)
        _ = m.handle(.cardRemoved, now: fixedDate)
        #expect(!m.cardInSlot && m.receiptOffer != nil)
        // A tap leaves nothing in the slot.
        _ = m.handle(.keyPressed(.cancel), now: fixedDate)
        try sale(&m)
        #expect(!m.cardInSlot)
    }

    @Test func theSettingsScreenIsTheMenusLastItem() throws {
        var m = try machine("countertop")
        _ = m.handle(.keyPressed(.menu), now: fixedDate)
        guard case .menu(let items) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(items.last == .settings)
        _ = m.handle(.keyPressed(.digit(items.count)), now: fixedDate)
        #expect(m.phase == .settings)
        #expect(m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate) == [])
        #expect(m.notice == "Enter the amount first, then present the card")
        _ = m.handle(.keyPressed(.menu), now: fixedDate)
        #expect(m.phase == .menu(items: items))
        _ = m.handle(.keyPressed(.digit(items.count)), now: fixedDate)
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: ""))
    }

    @Test(arguments: [("client@example.fr", true), ("a@b.co", true), ("", false), ("client", false), ("client@", false),
                      ("@example.fr", false), ("a b@example.fr", false), ("a@b@c.fr", false), ("a@example", false), ("a@.fr", false)])
    func emailAddresses(_ text: String, _ valid: Bool) {
        #expect(TransactionStateMachine.isEmailAddress(text) == valid)
    }
}
