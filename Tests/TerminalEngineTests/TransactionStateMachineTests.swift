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

    @Test func serverDrivenSaleConfirmsTheGivenIntent() throws {
        var m = try machine()
        #expect(m.handle(.serverSale(amount: Money(minorUnits: 500, currency: .usd), paymentIntent: "pi_usd"), now: fixedDate) == [])
        #expect(m.phase == .amountEntry(digits: ""))
        #expect(m.notice == "The requested sale is in USD, this terminal takes EUR")
        _ = m.handle(.serverSale(amount: Money(minorUnits: 500, currency: .eur), paymentIntent: "pi_1"), now: fixedDate)
        #expect(m.phase == .waitingForCard(amount: Money(minorUnits: 500, currency: .eur)))
        #expect(m.serverIntent == "pi_1")
        _ = m.handle(.serverSale(amount: Money(minorUnits: 700, currency: .eur), paymentIntent: "pi_2"), now: fixedDate)
        #expect(m.notice == "A sale is already in progress" && m.serverIntent == "pi_1")
        _ = m.handle(.tipAdded(Money(minorUnits: 150, currency: .eur)), now: fixedDate)
        #expect(m.phase == .waitingForCard(amount: Money(minorUnits: 650, currency: .eur)) && m.notice == "Tip EUR 1.50 added")
        _ = m.handle(.tipAdded(Money(minorUnits: 150, currency: .usd)), now: fixedDate)
        #expect(m.phase == .waitingForCard(amount: Money(minorUnits: 650, currency: .eur)))
        let actions = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        guard case .startChip(let chip)? = actions.last else { Issue.record("no chip transaction: \(actions)"); return }
        #expect(chip.paymentIntent == "pi_1" && chip.stan == 41 && chip.amount == Money(minorUnits: 650, currency: .eur))
        _ = m.handle(.chipCompleted(ChipCompletion(card: CardSummary(brand: .visa, last4: "4242", entryMode: .contactless),
                                                   outcome: .approved(paymentIntentID: "pi_1", authorizationCode: "1"), emv: nil)), now: fixedDate)
        #expect(m.serverIntent == nil)
        _ = m.handle(.serverSale(amount: Money(minorUnits: 800, currency: .eur), paymentIntent: "pi_3"), now: fixedDate)
        _ = m.handle(.keyPressed(.cancel), now: fixedDate)
        #expect(m.serverIntent == nil && m.phase == .amountEntry(digits: ""))
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
        let swipe = try card("4242424242424242", .magstripe)
        let actions = m.handle(.cardPresented(swipe), now: fixedDate)
        let track = try Track2(parsing: "4242424242424242=3412201000000000")
        let request = AuthorizationRequest(amount: Money(minorUnits: 1234, currency: .eur), entryMode: .magstripe, card: .magstripe(track),
                                           terminalID: "12345678", stan: 41)
        #expect(actions == [.persistSTAN(next: 42), .requestAuthorization(request)])
        #expect(request.idempotencyKey == "12345678-000041")
        #expect(m.notice == "Chip card swiped: processed as magnetic stripe fallback")
        #expect(m.phase == .authorizing(amount: Money(minorUnits: 1234, currency: .eur),
                                        card: CardSummary(brand: .visa, last4: "4242", entryMode: .magstripe), stan: 41))
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
        let card = CardSummary(brand: .visa, last4: "4242", entryMode: .contact)
        _ = m.handle(.chipWentOnline(card), now: fixedDate)
        #expect(m.phase == .authorizing(amount: Money(minorUnits: 6000, currency: .eur), card: card, stan: 41))
        #expect(m.handle(.keyPressed(.cancel), now: fixedDate) == [.cancelChip])
        let emv = EMVReceiptData(applicationLabel: "VISA CREDIT", aid: "A0000000031010", tvr: "0000000000", tsi: "E800", arc: "00",
                                 cryptogram: "0102030405060708", verification: .onlinePIN)
        _ = m.handle(.chipCompleted(ChipCompletion(card: card, outcome: .approved(paymentIntentID: "pi_1", authorizationCode: "123456"), emv: emv)), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("not finished: \(m.phase)"); return }
        #expect(result.receipt.lines.contains("AID A0000000031010"))
        #expect(result.receipt.lines.contains { $0.contains("PIN VERIFIED") })
    }

    @Test func cartStaysUntilTheSaleEnds() throws {
        var m = try machine()
        let cart = CartDisplay(lineItems: [.init(description: "Coffee", quantity: 2, amount: Money(minorUnits: 600, currency: .eur))],
                               tax: nil, total: Money(minorUnits: 600, currency: .eur))
        _ = m.handle(.showCart(cart), now: fixedDate)
        #expect(m.cart == cart)
        type(&m, "600")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        // While the card is read, the cart cannot change.
        _ = m.handle(.showCart(nil), now: fixedDate)
        #expect(m.cart == cart && m.notice == "A card is being processed: the cart shows after the sale")
        _ = m.handle(.chipCompleted(ChipCompletion(card: nil, outcome: .failed(.cancelled), emv: nil)), now: fixedDate)
        #expect(m.cart == nil)
        // A cart after a sale brings the terminal back to its idle screen.
        _ = m.handle(.showCart(cart), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: "") && m.cart == cart)
    }

    @Test func cancelOnThePINPadStopsTheDialogue() throws {
        var m = try machine()
        type(&m, "100")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4242424242424242", .contact)), now: fixedDate)
        _ = m.handle(.pinRequested(.online), now: fixedDate)
        type(&m, "12")
        #expect(m.handle(.keyPressed(.cancel), now: fixedDate) == [.cancelChip])
        _ = m.handle(.chipCompleted(ChipCompletion(card: nil, outcome: .failed(.cancelled), emv: nil)), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("not finished: \(m.phase)"); return }
        #expect(result.card.last4 == "????" && result.outcome == .failed(.cancelled))
    }

    @Test func resultPrintsReceiptAndEnterStartsOver() throws {
        var m = try machine()
        type(&m, "500")
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        _ = m.handle(.cardPresented(try card("4000000000009995", .magstripe)), now: fixedDate)
        let actions = m.handle(.authorizationCompleted(.declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_1")), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("not finished: \(m.phase)"); return }
        #expect(actions == [.printReceipt(result.receipt)])
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
