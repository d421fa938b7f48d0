import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine
@testable import TerminalUI

/// Every screen of every form factor, at 80x24 and 120x40, in English and French: `Snapshots/<profile>/<lang>-<size>-<screen>.txt`.
@Suite struct GoldenScreenTests {
    static let formFactors = ["countertop", "portable", "smartpos", "mpos", "softpos"]
    static let sizes = [fullLayoutSize, ScreenSize(columns: 120, rows: 40)]

    static var eur1234: Money { Money(minorUnits: 1234, currency: .eur) }
    static var visa: CardSummary { CardSummary(brand: .visa, last4: "4242", entryMode: .contactless) }

    /// The model of one screen: the phase and what goes with it (receipts on the paper, device states).
    static func screens(_ profile: String, _ language: FirmwareProfile.Language, _ size: ScreenSize) throws -> [(String, UIModel)] {
        func model(_ phase: TransactionPhase, kind: TransactionKind = .sale, notice: String? = nil) throws -> UIModel {
            try Golden.model(phase, profile: profile, language: language, size: size, kind: kind, notice: notice)
        }
        func finished(_ outcome: AuthorizationResult, printed lines: Int? = nil) throws -> UIModel {
            var m = try model(.amountEntry(digits: ""))
            let formatter = ReceiptFormatter(profile: m.snapshot.profile, terminalID: "12345678")
            let entry = JournalEntry(transaction: .sale, amount: eur1234, card: visa, stan: 1, outcome: outcome, emv: nil, date: Golden.date, reference: nil)
            let customer = formatter.receipt(for: entry, copy: .customer)
            let merchant = formatter.receipt(for: entry, copy: .merchant)
            m.snapshot.phase = .finished(TransactionResult(amount: eur1234, card: visa, stan: 1, outcome: outcome, date: Golden.date, receipt: customer))
            if m.snapshot.profile.printerColumns != nil {
                m.snapshot.printed = [merchant, customer]
                m.paper = UIModel.paperLines(m.snapshot.printed)
                m.paperPrinted = lines ?? m.paper.count
            }
            return m
        }
        var cart = try model(.amountEntry(digits: ""))
        let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }
        cart.snapshot.cart = CartDisplay(lineItems: [.init(description: "Espresso", quantity: 2, amount: eur(480)),
                                                     .init(description: "Croissant aux amandes extra", quantity: 1, amount: eur(350))],
                                         tax: eur(83), total: eur(913))
        var offline = try finished(.approvedOffline(authorizationCode: "Y3"))
        offline.snapshot.notice = "Printer out of paper: the receipt prints when paper is back"
        offline.snapshot.offlineQueue = OfflinePolicy.Queue(count: 2, totals: [.eur: 2400], oldest: Golden.date)
        offline.snapshot.battery = BatteryReading(level: 17.5, charging: false)
        offline.snapshot.printer = .outOfPaper
        offline.snapshot.heldReceipts = 2
        var down = try model(.amountEntry(digits: ""))
        down.reading?.network = .down
        down.snapshot.offlineQueue = OfflinePolicy.Queue(count: 3, totals: [.eur: 3600], oldest: Golden.date)
        down.snapshot.battery = BatteryReading(level: 64, charging: true)
        let report = BatchReport(number: 4, closed: true, totals: [BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 3, amount: 4560),
                                                                    BatchTotal(currency: "EUR", brand: "visa", type: "refund", count: 1, amount: 500)],
                                 openAuthorizations: 0, reconciliation: .init(result: "match", differences: []), date: Golden.date)
        var endOfDay = try model(.batchReport(report))
        if endOfDay.snapshot.profile.printerColumns != nil {
            let ticket = ReceiptFormatter(profile: endOfDay.snapshot.profile, terminalID: "12345678").batchTicket(report)
            endOfDay.snapshot.printed = [ticket]
            endOfDay.paper = UIModel.paperLines([ticket])
            endOfDay.paperPrinted = endOfDay.paper.count
        }
        // After the payment: the customer's receipt question (the choices this device has), the address typed, the
        // card left in the slot.
        let approved = AuthorizationResult.approved(paymentIntentID: "pi_3QxYz", authorizationCode: "123456")
        var question = try finished(approved)
        if case .finished(let result) = question.snapshot.phase {
            let p = question.snapshot.profile
            let choices: [ReceiptChoice] = (p.printerColumns != nil ? [.print] : []) + (p.receipt.email ? [.email] : []) + [.none]
            question.snapshot.receiptOffer = ReceiptOffer(stan: 1, receipt: result.receipt, choices: choices)
        }
        var address = question
        address.snapshot.receiptOffer?.askingAddress = true
        address.address = "client@exa"
        var remove = try finished(approved)
        remove.snapshot.cardInSlot = true
        return [
            ("idle", try model(.amountEntry(digits: ""))),
            ("amount-test-trigger", try model(.amountEntry(digits: "1205"))),
            ("amount-notice", try model(.amountEntry(digits: "1234"), notice: "Maximum amount is EUR 9999.99")),
            ("cart", cart),
            ("menu", try model(.menu(items: MenuItem.allCases))),
            ("tip", try model(.tipEntry(amount: Money(minorUnits: 4000, currency: .eur), digits: ""))),
            ("present-card", try model(.waitingForCard(amount: eur1234))),
            ("refund-present-card", try model(.waitingForCard(amount: eur1234), kind: .refund)),
            ("reading-card", try model(.readingCard(amount: eur1234, entryMode: .contact, stan: 1))),
            ("application-choice", try model(.selectingApplication(amount: eur1234, entryMode: .contact, stan: 3, labels: ["CB", "VISA"]))),
            ("pin-entry", try model(.pinEntry(amount: eur1234, entryMode: .contact, stan: 1, prompt: .online, digits: 2))),
            ("pin-last-try", try model(.pinEntry(amount: eur1234, entryMode: .contact, stan: 1, prompt: .offline(triesLeft: 1), digits: 0))),
            ("authorizing", try model(.authorizing(amount: eur1234, card: visa, stan: 1))),
            ("approved", try finished(.approved(paymentIntentID: "pi_3QxYz", authorizationCode: "123456"))),
            ("approved-printing", try finished(.approved(paymentIntentID: "pi_3QxYz", authorizationCode: "123456"), printed: 7)),
            ("declined", try finished(.declined(.insufficientFunds, message: "", paymentIntentID: "pi_3QxYz"))),
            ("gateway-down", try finished(.failed(.unreachable("connection refused")))),
            ("approved-offline", offline),
            ("network-down", down),
            ("refund-reference", try model(.referenceEntry(purpose: .refund, digits: "12"))),
            ("processing", try model(.processing(title: "END OF DAY (Z)"))),
            ("end-of-day", endOfDay),
            ("receipt-choice", question),
            ("receipt-email", address),
            ("remove-card", remove),
            ("settings", try model(.settings)),
        ]
    }

    @Test(arguments: formFactors) func everyScreen(_ profile: String) throws {
        for language in FirmwareProfile.Language.allCases {
            for size in Self.sizes {
                for (name, model) in try Self.screens(profile, language, size) {
                    let screen = render(model)
                    #expect(screen.size == size)
                    try Golden.check(screen, "\(profile)/\(language.rawValue)-\(size)-\(name)")
                }
            }
            let small = try Golden.model(.amountEntry(digits: ""), profile: profile, language: language, size: ScreenSize(columns: 30, rows: 10))
            try Golden.check(render(small), "\(profile)/\(language.rawValue)-30x10-too-small")
        }
    }

    /// Without a wide window the panel goes, then the keypad; the screen stays whole.
    @Test(arguments: formFactors) func narrowWindowsKeepTheScreen(_ profile: String) throws {
        let display = try Golden.profile(profile).display
        let model = try Golden.model(.waitingForCard(amount: Self.eur1234), profile: profile,
                                     size: ScreenSize(columns: display.columns + 2, rows: display.rows + 6))
        let screen = render(model)
        #expect(screen.text.contains("12.34"))
        #expect(!screen.text.contains("QA ·"))
    }

    /// An unplugged USB reader shows in the status bar, in the screen's language.
    @Test func anUnpluggedReaderIsInTheStatusBar() throws {
        var m = try Golden.model(.amountEntry(digits: ""), profile: "countertop")
        #expect(!render(m).text.contains("READER✕"))
        m.snapshot.readerConnected = false
        #expect(render(m).text.split(separator: "\n")[2].contains("ETH READER✕"))
        var fr = try Golden.model(.amountEntry(digits: ""), profile: "fr")
        fr.snapshot.readerConnected = false
        #expect(render(fr).text.contains("LECTEUR✕"))
    }

    @Test func asciiFallback() throws {
        let m = try Golden.model(.waitingForCard(amount: Self.eur1234), profile: "fr")
        let folded = render(m).asciiFolded()
        let ascii = folded.text.allSatisfy { $0.isASCII }
        #expect(ascii)
        try Golden.check(folded, "ascii/fr-80x24-present-card")
    }

    @Test(arguments: formFactors) func helpLinesFitEightyColumns(_ profile: String) throws {
        let snapshots = try Self.screens(profile, .en, fullLayoutSize).map { $0.1.snapshot }
        for language in FirmwareProfile.Language.allCases {
            for snapshot in snapshots {
                let line = helpLine(snapshot, mode: .contactless, language: language)
                #expect(line.count <= 80, "\(language) help for \(snapshot.phase) is \(line.count) columns")
            }
        }
    }

    @Test func legendNamesEveryStyle() throws {
        var screen = ScreenBuffer(size: ScreenSize(columns: 6, rows: 2))
        screen.put("OK", row: 0, column: 0, style: CellStyle.reverse.on(.green))
        screen.put("no", row: 1, column: 3, style: .bold)
        #expect(screen.legendText == """
        OK
           no
        -- styles --
        a  reverse green
        b  bold
        -- map --
        aa
        ...bb

        """)
    }
}
