import CardReaders
import EMV
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

@Suite struct TransactionStateMachineTests {
    func machine(stan: UInt32 = 41) throws -> TransactionStateMachine {
        TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: stan)
    }

    func type(_ m: inout TransactionStateMachine, _ keys: String) {
        for k in keys { _ = m.handle(.keyPressed(k.wholeNumberValue.map { .digit($0) } ?? .other(k)), now: fixedDate) }
    }

    @Test func amountEntryBuildsMinorUnits() throws {
        var m = try machine()
        type(&m, "001234")
        #expect(m.phase == .amountEntry(digits: "1234"))
        #expect(m.handle(.keyPressed(.backspace), now: fixedDate) == [])
        #expect(m.phase == .amountEntry(digits: "123"))
        #expect(m.handle(.keyPressed(.enter), now: fixedDate) == [])
        #expect(m.phase == .waitingForCard(amount: Money(minorUnits: 123, currency: .eur)))
    }

    @Test func refusesAmountsOverTheProfileMaximum() throws {
        var m = try machine()
        type(&m, "999999")
        #expect(m.phase == .amountEntry(digits: "999999"))
        type(&m, "9")
        #expect(m.phase == .amountEntry(digits: "999999"))
        #expect(m.notice == "Maximum amount is EUR 9999.99")
    }

    @Test func refusesEnterWithoutAmountAndLetters() throws {
        var m = try machine()
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: ""))
        #expect(m.notice == "Enter an amount first")
        type(&m, "x")
        #expect(m.notice == "Key 'x' is not used here: type the amount with 0-9")
        #expect(m.phase == .amountEntry(digits: ""))
    }

    @Test func swipeRequestsAuthorizationWithStableKey() throws {
        var m = try machine()
        type(&m, "1234")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        let swipe = try card("4242424242424242", .magstripe, chip: false)
        let actions = m.handle(.cardPresented(swipe), now: fixedDate)
        let track = try Track2(parsing: "4242424242424242=3412101000000000")
        let request = AuthorizationRequest(amount: Money(minorUnits: 1234, currency: .eur), entryMode: .magstripe, card: .magstripe(track),
                                           terminalID: "12345678", stan: 41)
        #expect(actions == [.persistSTAN(next: 42), .requestAuthorization(request)])
        #expect(request.idempotencyKey == "12345678-000041")
        #expect(m.notice == nil)
        #expect(m.phase == .authorizing(amount: Money(minorUnits: 1234, currency: .eur),
                                        card: CardSummary(pan: track.pan, entryMode: .magstripe, expiry: track.expiry), stan: 41))
        // Keys and second cards while authorizing change nothing.
        #expect(m.handle(.keyPressed(.cancel), now: fixedDate) == [])
        #expect(m.handle(.cardPresented(swipe), now: fixedDate) == [])
        #expect(m.notice == "Please wait: a card is being processed")
    }

    @Test func chipDialogueWithPINPad() throws {
        var m = try machine()
        type(&m, "6000")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        let insert = try card("4242424242424242", .contact)
        let actions = m.handle(.cardPresented(insert), now: fixedDate)
        guard case .startChip(let chip)? = actions.last else { Issue.record("no chip transaction: \(actions)"); return }
        #expect(actions.first == .persistSTAN(next: 42) && chip.stan == 41 && chip.amount == Money(minorUnits: 6000, currency: .eur))
        #expect(m.phase == .readingCard(amount: Money(minorUnits: 6000, currency: .eur), entryMode: .contact, stan: 41))
        _ = m.handle(.pinRequested(.online), now: fixedDate)
        type(&m, "12")
        #expect(m.phase == .pinEntry(amount: Money(minorUnits: 6000, currency: .eur), entryMode: .contact, stan: 41, prompt: .online, digits: 2))
        #expect(m.handle(.keyPressed(.enter), now: fixedDate) == [])
        #expect(m.notice == "A PIN has 4 to 12 digits")
        type(&m, "349")
        _ = m.handle(.keyPressed(.backspace), now: fixedDate)
        #expect(m.handle(.keyPressed(.enter), now: fixedDate) == [.answerPIN(try PINEntry("1234"))])
        #expect(m.phase == .readingCard(amount: Money(minorUnits: 6000, currency: .eur), entryMode: .contact, stan: 41))
        // A second PIN request (offline PIN retry) and Enter on an empty pad: bypass.
        _ = m.handle(.pinRequested(.offline(triesLeft: 2)), now: fixedDate)
        #expect(m.handle(.keyPressed(.enter), now: fixedDate) == [.answerPIN(nil)])
        let online = try onlineRequest("4242424242424242")
        // What a till may be told of the card: the masked number and the application.
        let card = CardSummary(pan: online.pan, entryMode: .contact, aid: online.applicationIdentifier)
        #expect(card.maskedPAN == "424242******4242" && card.aid == "A0000000031010")
        let request = AuthorizationRequest(amount: Money(minorUnits: 6000, currency: .eur), entryMode: .contact, card: .chip(online),
                                           terminalID: "12345678", stan: 41)
        #expect(m.handle(.onlineRequested(online), now: fixedDate) == [.requestAuthorization(request)])
        #expect(m.phase == .authorizing(amount: Money(minorUnits: 6000, currency: .eur), card: card, stan: 41))
        // The request is out: Cancel cannot leave the gateway's answer unowned.
        #expect(m.handle(.keyPressed(.cancel), now: fixedDate) == [])
        #expect(m.notice == "Please wait: authorizing")
        let issuer = [TLV(tag: .authorisationResponseCode, value: Array("00".utf8)), TLV(tag: .issuerAuthenticationData, value: [1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30])]
        let answer = GatewayAnswer(result: .approved(paymentIntentID: "pi_1", authorizationCode: "123456"), issuerResponse: issuer)
        #expect(m.handle(.authorizationAnswered(stan: 41, answer), now: fixedDate)
                == [.answerKernel(.received(authorisationResponseCode: "00", issuerAuthenticationData: [1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x30]))])
        let outcome = KernelOutcome(decision: .approvedOnline, tvr: [], tsi: TransactionStatusInformation(rawValue: 0xE800), cardholderVerification: .onlinePIN,
                                    applicationCryptogram: [1, 2, 3, 4, 5, 6, 7, 8], authorisationResponseCode: "00",
                                    applicationIdentifier: [0xA0, 0, 0, 0, 3, 0x10, 0x10], applicationLabel: "VISA CREDIT", pan: try PAN("4242424242424242"))
        let end = m.handle(.kernelCompleted(stan: 41, outcome), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("not finished: \(m.phase)"); return }
        #expect(end == [.saveJournal(m.journal), .printReceipt(result.merchantReceipt!), .printReceipt(result.receipt)])
        #expect(result.outcome == .approved(paymentIntentID: "pi_1", authorizationCode: "123456"))
        #expect(result.receipt.lines.contains("AID A0000000031010"))
        #expect(result.receipt.lines.contains { $0.contains("PIN VERIFIED") })
    }

    @Test func cartStaysUntilTheSaleEnds() throws {
        var m = try machine()
        let cart = CartDisplay(lineItems: [.init(description: "Coffee", quantity: 2, amount: Money(minorUnits: 600, currency: .eur))],
                               tax: nil, total: Money(minorUnits: 600, currency: .eur))
        #expect(m.handle(.readerActionChanged(display(cart)), now: fixedDate) == [.reportActionResult(readerID: "tmr_1", .succeeded)])
        #expect(m.cart == cart)
        type(&m, "600")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        // While the card is read, the cart cannot change.
        let other = CartDisplay(lineItems: [], tax: nil, total: Money(minorUnits: 100, currency: .eur))
        #expect(m.handle(.readerActionChanged(display(other)), now: fixedDate)
                == [.reportActionResult(readerID: "tmr_1", .failed(code: "terminal_busy", message: "A card is being processed: the cart shows after the sale."))])
        #expect(m.cart == cart && m.notice == "A card is being processed: the cart shows after the sale")
        _ = m.handle(.kernelCompleted(stan: 41, KernelOutcome(decision: .terminated(.cancelled))), now: fixedDate)
        #expect(m.cart == nil)
        // A cart after a sale brings the terminal back to its idle screen.
        _ = m.handle(.readerActionChanged(display(cart, status: .succeeded)), now: fixedDate)
        _ = m.handle(.readerActionChanged(display(cart)), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: "") && m.cart == cart)
        // The point of sale cancels the display: the cart goes away.
        var cancelled = display(cart, status: .failed)
        cancelled?.failureCode = "canceled"
        _ = m.handle(.readerActionChanged(cancelled), now: fixedDate)
        #expect(m.cart == nil)
    }

    @Test func cancelOnThePINPadStopsTheDialogue() throws {
        var m = try machine()
        type(&m, "100")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        _ = m.handle(.pinRequested(.online), now: fixedDate)
        type(&m, "12")
        #expect(m.handle(.keyPressed(.cancel), now: fixedDate) == [.cancelChip])
        #expect(m.handle(.kernelCompleted(stan: 41, KernelOutcome(decision: .terminated(.cancelled))), now: fixedDate).isEmpty == false)
        guard case .finished(let result) = m.phase else { Issue.record("not finished: \(m.phase)"); return }
        #expect(result.card.last4 == "????" && result.outcome == .failed(.cancelled))
    }

    /// An inserted card pulled out on the PIN pad ends the dialogue; a tap's card leaving the field does not.
    @Test func cardRemovedOnThePINPadStopsAnInsertedCardsDialogue() throws {
        var m = try machine()
        type(&m, "100")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        _ = m.handle(.pinRequested(.offline(triesLeft: 3)), now: fixedDate)
        type(&m, "12")
        #expect(m.handle(.cardRemoved, now: fixedDate) == [.cancelChip])
        #expect(m.notice == "Card removed")
        guard case .readingCard = m.phase else { Issue.record("still on the PIN pad: \(m.phase)"); return }

        var tap = try machine()
        type(&tap, "100")
        _ = tap.handle(.keyPressed(.enter), now: fixedDate)
        _ = tap.handle(.cardPresented(try card("4242424242424242", .contactless)), now: fixedDate)
        _ = tap.handle(.pinRequested(.online), now: fixedDate)
        #expect(tap.handle(.cardRemoved, now: fixedDate) == [])
    }

    @Test func resultPrintsReceiptAndEnterStartsOver() throws {
        var m = try machine()
        type(&m, "500")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4000000000009995", .magstripe, chip: false)), now: fixedDate)
        let answer = GatewayAnswer(result: .declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_1"))
        // An answer for another STAN belongs to no transaction here.
        #expect(m.handle(.authorizationAnswered(stan: 7, answer), now: fixedDate) == [])
        let actions = m.handle(.authorizationAnswered(stan: 41, answer), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("not finished: \(m.phase)"); return }
        #expect(actions == [.saveJournal(m.journal), .printReceipt(result.merchantReceipt!), .printReceipt(result.receipt)])
        #expect(result.receipt.lines.contains { $0.contains("DECLINED") })
        #expect(result.receipt.lines.contains { $0.contains("INSUFFICIENT FUNDS") })
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: ""))
        #expect(m.nextSTAN == 42)
    }

    @Test func contactlessOverLimitMustBeInserted() throws {
        var m = try machine()
        type(&m, "15001") // EUR 150.01 > 150.00 contactless limit
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate) == [])
        #expect(m.notice == "Over the contactless limit: insert the card")
        let actions = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        #expect(actions.count == 2)
    }

    @Test func cardBeforeAmountAndCancel() throws {
        var m = try machine()
        #expect(m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate) == [])
        #expect(m.notice == "Enter the amount first, then present the card")
        type(&m, "12")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.keyPressed(.cancel), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: ""))
        #expect(m.notice == "Sale cancelled")
    }

    @Test func stanWrapsAfter999999() throws {
        var m = try machine(stan: 999_999)
        type(&m, "1")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        let actions = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        #expect(actions.first == .persistSTAN(next: 1))
    }
}

@Suite struct ServerDrivenSaleTests {
    let reader = "tmr_1"

    func process(_ intent: String, card: String? = nil, tip: Int64? = nil, status: ReaderAction.Status = .inProgress) throws -> ReaderAction {
        ReaderAction(readerID: reader, kind: .processPaymentIntent(paymentIntent: intent), status: status, tipMinorUnits: tip,
                     presentedCard: try card.map { try PAN($0) })
    }

    @Test func saleWithATipFromTheServer() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }
        #expect(m.handle(.readerActionChanged(try process("pi_1")), now: fixedDate) == [.fetchPaymentIntent("pi_1")])
        // The same action reported again while its amount is read changes nothing.
        #expect(m.handle(.readerActionChanged(try process("pi_1")), now: fixedDate) == [])
        #expect(m.handle(.paymentIntentFetched(id: "pi_1", amount: eur(2000)), now: fixedDate) == [])
        #expect(m.phase == .waitingForCard(amount: eur(2000)) && m.serverIntent == "pi_1")
        // Another intent while this one waits: refused, this one untouched.
        #expect(m.handle(.readerActionChanged(try process("pi_2")), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "terminal_busy", message: "A sale is already in progress on the terminal."))])
        #expect(m.handle(.readerActionChanged(try process("pi_1", card: "4242424242424242", tip: 150)), now: fixedDate)
                == [.addTip(paymentIntent: "pi_1", newAmount: eur(2150), tip: eur(150))])
        #expect(m.handle(.tipApplied(paymentIntent: "pi_1", failure: nil), now: fixedDate) == [.readPresentedCard(try PAN("4242424242424242"), preferredMode: .contactless)])
        #expect(m.phase == .waitingForCard(amount: eur(2150)) && m.notice == "Tip EUR 1.50 added")
        let actions = m.handle(.presentedCardRead(try card("4242424242424242")), now: fixedDate)
        guard case .startChip(let chip)? = actions.last else { Issue.record("no chip transaction: \(actions)"); return }
        #expect(chip.paymentIntent == "pi_1" && chip.amount == eur(2150) && chip.stan == 41)
        _ = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: 2150)), now: fixedDate)
        _ = m.handle(.authorizationAnswered(stan: 41, GatewayAnswer(result: .approved(paymentIntentID: "pi_1", authorizationCode: "1"))), now: fixedDate)
        let end = m.handle(.kernelCompleted(stan: 41, KernelOutcome(decision: .approvedOnline, pan: try PAN("4242424242424242"))), now: fixedDate)
        #expect(end.last == .reportActionResult(readerID: reader, .succeeded))
        #expect(m.serverIntent == nil)
    }

    /// A refund (or pre-authorization) being keyed in is not idle: the server's sale is refused, never turned into it.
    @Test func aKeyedRefundIsNotTakenOverByAServerSale() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        _ = m.handle(.keyPressed(.menu), now: fixedDate)
        _ = m.handle(.keyPressed(.digit(5)), now: fixedDate)
        _ = m.handle(.keyPressed(.enter), now: fixedDate)       // an unreferenced refund: amount entry
        #expect(m.phase == .amountEntry(digits: "") && m.kind == .refund)
        #expect(m.handle(.readerActionChanged(try process("pi_x")), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "terminal_busy", message: "A sale is already in progress on the terminal."))])
        _ = m.handle(.keyPressed(.cancel), now: fixedDate)
        #expect(m.kind == .sale)
        #expect(m.handle(.readerActionChanged(try process("pi_y")), now: fixedDate) == [.fetchPaymentIntent("pi_y")])
    }

    /// `refund_payment`: the intent's currency is read first; the refund waits for the card of its amount.
    @Test func serverDrivenRefund() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        let refund = ReaderAction(readerID: reader, kind: .refundPayment(paymentIntent: "pi_usd", amount: 500), status: .inProgress)
        #expect(m.handle(.readerActionChanged(refund), now: fixedDate) == [.fetchPaymentIntent("pi_usd")])
        #expect(m.handle(.paymentIntentFetched(id: "pi_usd", amount: Money(minorUnits: 3000, currency: .usd)), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "currency_not_supported", message: "The requested refund is in USD, this terminal takes EUR"))])
        let eurRefund = ReaderAction(readerID: reader, kind: .refundPayment(paymentIntent: "pi_eur", amount: 1200), status: .inProgress,
                                     presentedCard: try PAN("5555555555554444"))
        _ = m.handle(.readerActionChanged(eurRefund), now: fixedDate)
        #expect(m.handle(.paymentIntentFetched(id: "pi_eur", amount: Money(minorUnits: 3000, currency: .eur)), now: fixedDate)
                == [.readPresentedCard(try PAN("5555555555554444"), preferredMode: .contactless)])
        #expect(m.phase == .waitingForCard(amount: Money(minorUnits: 1200, currency: .eur)) && m.kind == .refund)
        let start = m.handle(.presentedCardRead(try card("5555555555554444", .magstripe, chip: false)), now: fixedDate)
        guard case .requestAuthorization(let request)? = start.last else { Issue.record("\(start)"); return }
        #expect(request.kind == .refund(paymentIntent: "pi_eur"))
        // The refund's answer is lost: it is asked about (never undone), and the action fails.
        let end = m.handle(.authorizationAnswered(stan: 41, GatewayAnswer(result: .failed(.timeout), outcomeKnown: false)), now: fixedDate)
        #expect(end.first == .queueReversal(key: "12345678-000041", paymentIntent: nil, reason: TransactionStateMachine.refundInquiry))
        #expect(end.last == .reportActionResult(readerID: reader, .failed(code: "processing_error", message: "no answer from the gateway in time")))
    }

    @Test func refusalsAreReported() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        _ = m.handle(.readerActionChanged(try process("pi_usd")), now: fixedDate)
        #expect(m.handle(.paymentIntentFetched(id: "pi_usd", amount: Money(minorUnits: 500, currency: .usd)), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "currency_not_supported", message: "The requested sale is in USD, this terminal takes EUR"))])
        #expect(m.phase == .amountEntry(digits: ""))
        _ = m.handle(.readerActionChanged(try process("pi_gone")), now: fixedDate)
        #expect(m.handle(.paymentIntentFetched(id: "pi_gone", amount: nil), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "intent_unavailable", message: "The terminal could not read pi_gone."))])
        // Over the contactless limit, a phone that cannot be inserted: the card is refused and the sale given up.
        _ = m.handle(.readerActionChanged(try process("pi_big")), now: fixedDate)
        _ = m.handle(.paymentIntentFetched(id: "pi_big", amount: Money(minorUnits: 20000, currency: .eur)), now: fixedDate)
        _ = m.handle(.readerActionChanged(try process("pi_big", card: "4242424242424242")), now: fixedDate)
        #expect(m.handle(.presentedCardRead(try card("4242424242424242", .contactless)), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "card_read_error", message: "Over the contactless limit: insert the card"))])
        #expect(m.phase == .amountEntry(digits: "") && m.serverIntent == nil)
        // A tip the gateway refuses ends the sale.
        _ = m.handle(.readerActionChanged(try process("pi_tip")), now: fixedDate)
        _ = m.handle(.paymentIntentFetched(id: "pi_tip", amount: Money(minorUnits: 1000, currency: .eur)), now: fixedDate)
        _ = m.handle(.readerActionChanged(try process("pi_tip", card: "4242424242424242", tip: 99)), now: fixedDate)
        #expect(m.handle(.tipApplied(paymentIntent: "pi_tip", failure: "amount too large"), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "intent_invalid", message: "The tip could not be added: amount too large"))])
        // Cancel on the terminal while the sale waits: reported too.
        _ = m.handle(.readerActionChanged(try process("pi_3")), now: fixedDate)
        _ = m.handle(.paymentIntentFetched(id: "pi_3", amount: Money(minorUnits: 1000, currency: .eur)), now: fixedDate)
        #expect(m.handle(.keyPressed(.cancel), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "customer_canceled", message: "The sale was cancelled on the terminal."))])
        #expect(m.notice == "Sale cancelled")
        // An action this terminal does not perform.
        let other = ReaderAction(readerID: reader, kind: .unsupported("collect_inputs"), status: .inProgress)
        #expect(m.handle(.readerActionChanged(other), now: fixedDate)
                == [.reportActionResult(readerID: reader, .failed(code: "unsupported_action", message: "This terminal does not perform collect_inputs actions."))])
    }

    /// The point of sale cancels (`cancel_action`): a waiting sale goes away unreported, a card being read is stopped.
    @Test func cancelledThroughTheAPI() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        _ = m.handle(.readerActionChanged(try process("pi_1")), now: fixedDate)
        _ = m.handle(.paymentIntentFetched(id: "pi_1", amount: Money(minorUnits: 1000, currency: .eur)), now: fixedDate)
        #expect(m.handle(.readerActionChanged(try process("pi_1", status: .failed)), now: fixedDate) == [])
        #expect(m.phase == .amountEntry(digits: "") && m.serverIntent == nil && m.notice == "Cancelled by the point of sale")
        _ = m.handle(.readerActionChanged(try process("pi_2")), now: fixedDate)
        _ = m.handle(.paymentIntentFetched(id: "pi_2", amount: Money(minorUnits: 1000, currency: .eur)), now: fixedDate)
        _ = m.handle(.readerActionChanged(try process("pi_2", card: "4242424242424242")), now: fixedDate)
        _ = m.handle(.presentedCardRead(try card("4242424242424242")), now: fixedDate)
        #expect(m.handle(.readerActionChanged(try process("pi_2", card: "4242424242424242", status: .failed)), now: fixedDate) == [.cancelChip])
        let end = m.handle(.kernelCompleted(stan: 41, KernelOutcome(decision: .terminated(.cancelled))), now: fixedDate)
        #expect(!end.contains { if case .reportActionResult = $0 { true } else { false } }, "the action already ended: nothing reported")
    }
}

@Suite struct ChipSettlementTests {
    @Test func approvalTheCardRefusedIsReversed() throws {
        let answer = GatewayAnswer(result: .approved(paymentIntentID: "pi_9", authorizationCode: "1"))
        let s = ChipSettlement.settle(KernelOutcome(decision: .declinedByCardAfterOnlineApproval), answer: answer, entryMode: .contact)
        #expect(s.result == .declined(.genericDecline, message: "The card refused the issuer's approval; the payment is reversed.", paymentIntentID: "pi_9"))
        #expect(s.reversal?.paymentIntent == "pi_9" && s.reversal?.reason == "declinedByCardAfterOnlineApproval")
        let pulled = ChipSettlement.settle(KernelOutcome(decision: .terminated(.cardRemoved)), answer: answer, entryMode: .contact)
        #expect(pulled.result == .failed(.cardProblem("the card was removed")) && pulled.reversal?.paymentIntent == "pi_9")
    }

    @Test func lostAnswerIsAskedAbout() {
        let lost = GatewayAnswer(result: .failed(.timeout), outcomeKnown: false)
        let s = ChipSettlement.settle(KernelOutcome(decision: .declinedUnableToGoOnline, authorisationResponseCode: "Z3"), answer: lost, entryMode: .contactless)
        #expect(s.result == .failed(.timeout) && s.reversal?.paymentIntent == nil && s.reversal?.reason == "answer lost")
        #expect(ChipSettlement.onlineResponse(for: lost) == .unableToGoOnline)
    }

    @Test func cardDeclinesAreNamedFromTheTVR() {
        let expired = ChipSettlement.settle(KernelOutcome(decision: .declinedOffline, tvr: [.expiredApplication]), answer: nil, entryMode: .contact)
        #expect(expired.result == .declined(.expiredCard, message: "The card declined the payment: \(DeclineCode.expiredCard.message)", paymentIntentID: nil))
        #expect(expired.reversal == nil)
        let declined = GatewayAnswer(result: .declined(.insufficientFunds, message: "m", paymentIntentID: "pi_1"))
        #expect(ChipSettlement.onlineResponse(for: declined) == .received(authorisationResponseCode: "51", issuerAuthenticationData: nil))
    }

    /// The PIN pad times out on the terminal's clock, and a timer of an earlier PIN pad changes nothing.
    @Test func pinPadTimesOut() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41, pinTimeout: .seconds(30))
        for k in "6000" { _ = m.handle(.keyPressed(.digit(k.wholeNumberValue!)), now: fixedDate) }
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        #expect(m.handle(.pinRequested(.online), now: fixedDate) == [.startTimer(.pinEntry(1), .seconds(30))])
        #expect(m.handle(.timerFired(.pinEntry(0)), now: fixedDate) == [])
        #expect(m.handle(.timerFired(.pinEntry(1)), now: fixedDate) == [.cancelChip])
        #expect(m.notice == "PIN entry timed out")
    }

    /// A PIN typed ahead answers the first request only; a second (wrong offline PIN) opens the PIN pad.
    @Test func typedAheadPINIsUsedOnce() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        for k in "6000" { _ = m.handle(.keyPressed(.digit(k.wholeNumberValue!)), now: fixedDate) }
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact, pin: "9999")), now: fixedDate)
        #expect(m.handle(.pinRequested(.offline(triesLeft: 3)), now: fixedDate) == [.answerPIN(try PINEntry("9999"))])
        #expect(m.handle(.pinRequested(.offline(triesLeft: 2)), now: fixedDate) == [.startTimer(.pinEntry(1), .seconds(60))])
    }

    /// Several applications: the cardholder chooses (EU Regulation 2015/751 art. 8); one without confirmation is taken.
    @Test func applicationSelection() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        for k in "2000" { _ = m.handle(.keyPressed(.digit(k.wholeNumberValue!)), now: fixedDate) }
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        let cb = Candidate(aid: [0xA0, 0, 0, 0, 0x42, 0x10, 0x10], label: "CB", priority: 1, requiresConfirmation: false)
        let visa = Candidate(aid: [0xA0, 0, 0, 0, 3, 0x10, 0x10], label: "VISA", priority: 2, requiresConfirmation: false)
        #expect(m.handle(.applicationChoiceRequested([visa]), now: fixedDate) == [.answerApplication(0)])
        let maestro = Candidate(aid: [0xA0, 0, 0, 0, 4, 0x30, 0x60], label: "MAESTRO", priority: 2, requiresConfirmation: false)
        let debit = Candidate(aid: [0xA0, 0, 0, 0, 4, 0x10, 0x10], label: "DEBIT MASTERCARD", priority: 1, requiresConfirmation: false)
        #expect(m.handle(.applicationChoiceRequested([debit, maestro]), now: fixedDate) == [.answerApplication(0)], "one brand: no choice")
        #expect(m.handle(.applicationChoiceRequested([cb, visa]), now: fixedDate) == [])
        #expect(m.phase == .selectingApplication(amount: Money(minorUnits: 2000, currency: .eur), entryMode: .contact, stan: 41, labels: ["CB", "VISA"]))
        #expect(m.handle(.keyPressed(.digit(3)), now: fixedDate) == [])
        #expect(m.notice == "Choose the application with 1-2 (Enter: the first)")
        #expect(m.handle(.keyPressed(.digit(2)), now: fixedDate) == [.answerApplication(1)])
        #expect(m.phase == .readingCard(amount: Money(minorUnits: 2000, currency: .eur), entryMode: .contact, stan: 41))
    }
}
