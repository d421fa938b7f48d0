import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine
@testable import TerminalUI

/// `update` on its own, and driven by key sequences through the engine's own state machine (whose phases the
/// screens then show), for goldens that no hand-built model made.
@Suite struct UpdateTests {
    /// The UI over the real transaction state machine: keys go through `update`, the events it sends go to the
    /// machine, and the machine's phase comes back as the snapshot.
    struct Harness {
        var ui: UIModel
        var machine: TransactionStateMachine
        var presented: [Character] = []
        var removed = 0

        init(profile: String, size: ScreenSize = fullLayoutSize, language: FirmwareProfile.Language? = nil) throws {
            ui = try Golden.model(.amountEntry(digits: ""), profile: profile, language: language, size: size)
            machine = TransactionStateMachine(profile: ui.snapshot.profile, terminalID: "12345678", nextSTAN: 1)
        }

        mutating func press(_ keys: [UIMessage]) {
            for key in keys {
                for effect in update(&ui, key) {
                    switch effect {
                    case .send(let event):
                        _ = machine.handle(event, now: Golden.date)
                        var s = ui.snapshot
                        s.phase = machine.phase
                        s.notice = machine.notice
                        s.kind = machine.kind
                        s.receiptOffer = machine.receiptOffer
                        s.cardInSlot = machine.cardInSlot
                        _ = update(&ui, .snapshot(s))
                    case .presentCard(let key, _): presented.append(key)
                    case .removeCard:
                        removed += 1
                        _ = machine.handle(.cardRemoved, now: Golden.date)
                        ui.snapshot.cardInSlot = machine.cardInSlot
                    case .schedulePrintTick, .quit: break
                    }
                }
            }
        }

        mutating func type(_ text: String) { press(text.map { .key($0 == "\n" ? .enter : .character($0)) }) }
    }

    @Test(arguments: GoldenScreenTests.formFactors) func typedSaleReachesPresentCard(_ profile: String) throws {
        for language in FirmwareProfile.Language.allCases {
            var h = try Harness(profile: profile, language: language)
            h.type("1234\n")
            // No tip: 0 on a prompt of percentages, Enter alone on a typed tip.
            if case .tipEntry = h.machine.phase { h.type(h.ui.snapshot.profile.tipping.mode == .prompt ? "0" : "\n") }
            guard case .waitingForCard(let amount) = h.machine.phase else {
                Issue.record("\(profile): typing 12.34 and Enter gave \(h.machine.phase)")
                continue
            }
            #expect(amount.minorUnits == 1234)
            try Golden.check(render(h.ui), "keys/\(profile)-\(language.rawValue)-typed-sale")
        }
    }

    /// An approved sale on screen with the receipt question its profile asks (set on the machine, as a finished
    /// card dialogue leaves it).
    static func approvedWithQuestion(_ h: inout Harness, cardInSlot: Bool = false) throws {
        let amount = Money(minorUnits: 1234, currency: .eur)
        let card = CardSummary(brand: .visa, last4: "4242", entryMode: cardInSlot ? .contact : .contactless)
        let outcome = AuthorizationResult.approved(paymentIntentID: "pi_1", authorizationCode: "123456")
        let entry = JournalEntry(transaction: .sale, amount: amount, card: card, stan: 1, outcome: outcome, emv: nil, date: Golden.date, reference: nil)
        _ = h.machine.showResult(entry, outcome: outcome, now: Golden.date)
        h.machine.cardInSlot = cardInSlot
        var s = h.ui.snapshot
        s.phase = h.machine.phase
        s.receiptOffer = h.machine.receiptOffer
        s.cardInSlot = cardInSlot
        _ = update(&h.ui, .snapshot(s))
    }

    @Test func emailAddressIsTypedOnTheKeyboard() throws {
        for language in FirmwareProfile.Language.allCases {
            var h = try Harness(profile: "smartpos", language: language)
            try Self.approvedWithQuestion(&h)
            #expect(h.machine.receiptOffer?.choices == [.print, .email, .none])
            h.type("2")
            #expect(h.machine.receiptOffer?.askingAddress == true)
            // q, f, m and digits are letters of the address now, not the emulator's keys; Backspace corrects.
            h.type("qa.fm@example.frx")
            h.press([.key(.backspace)])
            #expect(h.ui.address == "qa.fm@example.fr")
            try Golden.check(render(h.ui), "keys/smartpos-\(language.rawValue)-receipt-email")
            h.type("\n")
            #expect(h.machine.receiptOffer == nil && h.machine.notice == "Receipt sent to qa.fm@example.fr")
            #expect(h.ui.address == "")
        }
    }

    @Test func escapeLeavesTheAddressAndRRemovesTheCard() throws {
        var h = try Harness(profile: "smartpos")
        try Self.approvedWithQuestion(&h, cardInSlot: true)
        h.type("2bad")
        h.press([.key(.escape)])
        #expect(h.machine.receiptOffer?.askingAddress == false && h.ui.address == "")
        // r takes the card out (the slot is empty after); Esc then answers "no receipt".
        h.type("r")
        #expect(h.removed == 1 && !h.machine.cardInSlot)
        h.type("r")
        #expect(h.removed == 1)
        h.press([.key(.escape)])
        #expect(h.machine.receiptOffer == nil && h.machine.notice == "No customer receipt")
    }

    @Test func settingsFromTheMenuByKeys() throws {
        for language in FirmwareProfile.Language.allCases {
            var h = try Harness(profile: "portable", language: language)
            h.type("f")
            guard case .menu(let items) = h.machine.phase, let settings = items.firstIndex(of: .settings) else {
                Issue.record("f did not open the menu: \(h.machine.phase)")
                return
            }
            h.type("\(settings + 1)")
            #expect(h.machine.phase == .settings)
            try Golden.check(render(h.ui), "keys/portable-\(language.rawValue)-settings")
            h.type("\n")
            #expect(h.machine.phase == .amountEntry(digits: ""))
        }
    }

    @Test func menuThenRefundByKeys() throws {
        var h = try Harness(profile: "fr")
        h.press([.key(.character("f"))])
        guard case .menu(let items) = h.machine.phase, let refund = items.firstIndex(of: .refund) else {
            Issue.record("f did not open the menu: \(h.machine.phase)")
            return
        }
        h.type("\(refund + 1)")
        try Golden.check(render(h.ui), "keys/fr-menu-refund")
    }

    @Test func clicksOnTheKeypadAreKeys() throws {
        var h = try Harness(profile: "countertop")
        let layout = ScreenLayout(h.ui)
        func click(_ key: DeviceKey) -> UIMessage {
            let rect = layout.keys.first { $0.key == key }!.rect
            return .click(row: rect.row, column: rect.column + 1)
        }
        h.press([click(.digit(5)), click(.digit(0)), click(.digit(0)), click(.clear), click(.digit(0)), click(.enter)])
        guard case .waitingForCard(let amount) = h.machine.phase else {
            Issue.record("clicks 5 0 0 clear 0 enter gave \(h.machine.phase)")
            return
        }
        #expect(amount.minorUnits == 500)
        // A card clicked in the QA panel is presented; a click on nothing does nothing.
        let qa = ScreenLayout(h.ui).qa!
        h.press([.click(row: qa.row + ScreenLayout.firstCardRow + 2, column: qa.column + 3)])
        #expect(h.presented == [h.ui.cards[2].key])
        #expect(update(&h.ui, .click(row: 0, column: 0)) == [])
        h.press([click(.cancel)])
        #expect(h.machine.phase == .amountEntry(digits: ""))
    }

    /// Touch-only devices draw their keys on the glass; the same clicks work there.
    @Test func softposKeysOnTheGlass() throws {
        var h = try Harness(profile: "softpos")
        let layout = ScreenLayout(h.ui)
        #expect(layout.keypad == .glass)
        #expect(layout.keys.allSatisfy { layout.screen.contains(row: $0.rect.row, column: $0.rect.column) })
        let seven = layout.keys.first { $0.key == .digit(7) }!.rect
        h.press([.click(row: seven.row, column: seven.column)])
        #expect(h.machine.phase == .amountEntry(digits: "7"))
    }

    @Test func keysMapPerPhase() throws {
        var m = try Golden.model(.amountEntry(digits: ""))
        #expect(update(&m, .key(.character("7"))) == [.send(.keyPressed(.digit(7)))])
        #expect(update(&m, .key(.character("x"))) == [.send(.keyPressed(.other("x")))])
        #expect(update(&m, .key(.backspace)) == [.send(.keyPressed(.backspace))])
        #expect(update(&m, .key(.enter)) == [.send(.keyPressed(.enter))])
        #expect(update(&m, .key(.escape)) == [.send(.keyPressed(.cancel))])
        #expect(update(&m, .key(.character("q"))) == [.quit])

        var w = try Golden.model(.waitingForCard(amount: Money(minorUnits: 1, currency: .eur)))
        #expect(update(&w, .key(.character("1"))) == [.presentCard(key: "1", mode: .contactless)])
        #expect(update(&w, .key(.character("m"))) == [])
        #expect(w.entryMode == .contact)
        #expect(update(&w, .key(.character("3"))) == [.presentCard(key: "3", mode: .contact)])
        _ = update(&w, .key(.character("m")))
        #expect(w.entryMode == .magstripe)
        _ = update(&w, .key(.character("m")))
        #expect(w.entryMode == .contactless)
        #expect(update(&w, .key(.tab)) == [])
        #expect(w.panel == .qa)
    }

    /// New receipts come out line by line, one print tick a line, then the ticks stop.
    @Test func receiptsPrintLineByLine() throws {
        var m = try Golden.model(.amountEntry(digits: ""))
        var s = m.snapshot
        s.printed = [Receipt(width: 32, lines: ["SHOP", "AMOUNT EUR 1.00", "THANK YOU"])]
        #expect(update(&m, .snapshot(s)) == [.schedulePrintTick(printLineInterval)])
        #expect(m.paperPrinted == 0)
        var ticks = 0
        while update(&m, .printTick) == [.schedulePrintTick(printLineInterval)] { ticks += 1 }
        #expect(m.paperPrinted == m.paper.count)
        #expect(ticks == m.paper.count - 1)
        #expect(update(&m, .printTick) == [])
        // The same receipts again are not printed again.
        #expect(update(&m, .snapshot(s)) == [])
    }

    @Test func resizeChangesTheLayout() throws {
        var m = try Golden.model(.amountEntry(digits: ""))
        #expect(update(&m, .resized(ScreenSize(columns: 40, rows: 22))) == [])
        let screen = render(m)
        #expect(!screen.text.contains("QA ·"))
        #expect(screen.text.contains("AMOUNT"))
        _ = update(&m, .resized(ScreenSize(columns: 20, rows: 6)))
        #expect(render(m).text.contains("Window too small"))
    }
}
