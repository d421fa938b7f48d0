import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine
@testable import TerminalUI
import EMV

/// Golden screens: the rendered text is compared with `Snapshots/<name>.txt`.
/// Re-record with `RECORD_SNAPSHOTS=1 swift test --filter TerminalUITests`.
@Suite struct GoldenScreenTests {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    static let profiles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("firmware-profiles")
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    func model(_ phase: TransactionPhase, notice: String? = nil, size: ScreenSize = fullLayoutSize, profile name: String = "countertop",
               kind: TransactionKind = .sale) throws -> UIModel {
        let profile = try FirmwareProfile.load(named: name, searching: [Self.profiles])
        let snapshot = TerminalSnapshot(phase: phase, notice: notice, profile: profile, terminalID: "12345678",
                                        gatewayLabel: "embedded (http://127.0.0.1:4242)", readerName: "Simulator", kind: kind)
        return UIModel(snapshot: snapshot, size: size)
    }

    func assertGolden(_ screen: ScreenBuffer, _ name: String) throws {
        let url = Self.snapshots.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
            try screen.text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(screen.text == golden, "screen \(name) differs from its golden file; re-record with RECORD_SNAPSHOTS=1 if intended:\n\(screen.text)")
    }

    var eur1234: Money { Money(minorUnits: 1234, currency: .eur) }
    var visa: CardSummary { CardSummary(brand: .visa, last4: "4242", entryMode: .contactless) }

    func finished(_ outcome: AuthorizationResult) throws -> TransactionPhase {
        let formatter = ReceiptFormatter(profile: try model(.amountEntry(digits: "")).snapshot.profile, terminalID: "12345678")
        let receipt = formatter.customerReceipt(amount: eur1234, card: visa, stan: 1, outcome: outcome, date: Self.date)
        return .finished(TransactionResult(amount: eur1234, card: visa, stan: 1, outcome: outcome, date: Self.date, receipt: receipt))
    }

    @Test func menu() throws {
        try assertGolden(render(try model(.menu(items: [.sale, .preauthorization, .completion, .void, .refund, .reprint, .report, .close]))), "countertop-menu")
    }

    @Test func applicationChoice() throws {
        try assertGolden(render(try model(.selectingApplication(amount: eur1234, entryMode: .contact, stan: 3, labels: ["CB", "VISA"]), profile: "fr")),
                         "fr-application-choice")
    }

    @Test func frenchPINPadAndRefusal() throws {
        try assertGolden(render(try model(.pinEntry(amount: eur1234, entryMode: .contact, stan: 3, prompt: .offline(triesLeft: 1), digits: 2), profile: "fr")),
                         "fr-pin-last-try")
        try assertGolden(render(try model(.waitingForCard(amount: eur1234), profile: "fr", kind: .refund)), "fr-refund-present-card")
    }

    @Test func tipPrompt() throws {
        try assertGolden(render(try model(.tipEntry(amount: Money(minorUnits: 4000, currency: .eur), digits: ""), profile: "portable")), "portable-tip-prompt")
    }

    @Test func endOfDay() throws {
        let report = BatchReport(number: 4, closed: true, totals: [BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 3, amount: 4560),
                                                                    BatchTotal(currency: "EUR", brand: "visa", type: "refund", count: 1, amount: 500)],
                                 openAuthorizations: 0, reconciliation: .init(result: "match", differences: []), date: Self.date)
        try assertGolden(render(try model(.batchReport(report))), "countertop-end-of-day")
    }

    @Test func idle() throws { try assertGolden(render(try model(.amountEntry(digits: ""))), "countertop-idle") }

    @Test func amountWithNotice() throws {
        try assertGolden(render(try model(.amountEntry(digits: "1234"), notice: "Maximum amount is EUR 9999.99")), "countertop-amount-notice")
    }

    @Test func waitingForCard() throws { try assertGolden(render(try model(.waitingForCard(amount: eur1234))), "countertop-present-card") }

    @Test func cartFromThePointOfSale() throws {
        var m = try model(.amountEntry(digits: ""))
        let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }
        m.snapshot.cart = CartDisplay(lineItems: [.init(description: "Espresso", quantity: 2, amount: eur(480)),
                                                  .init(description: "Croissant aux amandes extra", quantity: 1, amount: eur(350))],
                                      tax: eur(83), total: eur(913))
        try assertGolden(render(m), "countertop-cart")
    }

    @Test func readingCard() throws {
        try assertGolden(render(try model(.readingCard(amount: eur1234, entryMode: .contact, stan: 1))), "countertop-reading-card")
    }

    @Test func pinEntry() throws {
        try assertGolden(render(try model(.pinEntry(amount: eur1234, entryMode: .contact, stan: 1, prompt: .offline(triesLeft: 2), digits: 3))),
                         "countertop-pin-entry")
    }

    @Test func chipApprovedWithEMVReceipt() throws {
        let outcome = AuthorizationResult.approved(paymentIntentID: "pi_3QxYz", authorizationCode: "123456")
        let card = CardSummary(brand: .visa, last4: "4242", entryMode: .contact)
        let emv = EMVReceiptData(applicationLabel: "VISA CREDIT", aid: "A0000000031010", tvr: "8000048000", tsi: "7800", arc: "00",
                                 cryptogram: "EF5504EF6D2BDE64", verification: .onlinePIN)
        let formatter = ReceiptFormatter(profile: try model(.amountEntry(digits: "")).snapshot.profile, terminalID: "12345678")
        let receipt = formatter.customerReceipt(amount: eur1234, card: card, stan: 1, outcome: outcome, emv: emv, date: Self.date)
        let phase = TransactionPhase.finished(TransactionResult(amount: eur1234, card: card, stan: 1, outcome: outcome, date: Self.date, receipt: receipt))
        try assertGolden(render(try model(phase)), "countertop-chip-approved")
    }

    @Test func authorizing() throws {
        try assertGolden(render(try model(.authorizing(amount: eur1234, card: visa, stan: 1))), "countertop-authorizing")
    }

    @Test func approved() throws {
        try assertGolden(render(try model(try finished(.approved(paymentIntentID: "pi_3QxYz", authorizationCode: "123456")))), "countertop-approved")
    }

    @Test func declined() throws {
        try assertGolden(render(try model(try finished(.declined(.insufficientFunds, message: "", paymentIntentID: "pi_3QxYz")))), "countertop-declined")
    }

    @Test func gatewayDown() throws {
        try assertGolden(render(try model(try finished(.failed(.unreachable("connection refused"))))), "countertop-gateway-down")
    }

    /// A portable's offline approval, with the status icons that need the merchant's eye: payments to forward, a low
    /// battery, no paper.
    @Test func approvedOfflineWithDeviceStatus() throws {
        var m = try model(try finished(.approvedOffline(authorizationCode: "Y3")), notice: "Printer out of paper: the receipt prints when paper is back",
                          profile: "portable")
        m.snapshot.offlineQueue = OfflinePolicy.Queue(count: 2, totals: [.eur: 2400], oldest: Self.date)
        m.snapshot.battery = BatteryReading(level: 17.5, charging: false)
        m.snapshot.printer = .outOfPaper
        try assertGolden(render(m), "portable-approved-offline")
    }

    @Test func tooSmallWindow() throws {
        try assertGolden(render(try model(.amountEntry(digits: ""), size: ScreenSize(columns: 20, rows: 6))), "countertop-too-small")
    }

    @Test func everyScreenFits80x24() throws {
        let phases: [TransactionPhase] = [.amountEntry(digits: "999999"), .waitingForCard(amount: eur1234),
                                          .authorizing(amount: eur1234, card: visa, stan: 1),
                                          try finished(.approved(paymentIntentID: "pi_3QxYz", authorizationCode: "123456"))]
        for phase in phases {
            let screen = render(try model(phase))
            #expect(screen.size == fullLayoutSize)
            #expect((0..<screen.size.rows).allSatisfy { screen.line($0).count <= 80 })
            // The key help is always on the last row.
            #expect(screen.line(23).contains("q quit"))
        }
    }
}

@Suite struct UpdateTests {
    func model(_ phase: TransactionPhase) throws -> UIModel {
        let profile = try FirmwareProfile.load(named: "countertop", searching: [GoldenScreenTests.profiles])
        return UIModel(snapshot: TerminalSnapshot(phase: phase, notice: nil, profile: profile, terminalID: "1", gatewayLabel: "g", readerName: "r"),
                       size: fullLayoutSize)
    }

    @Test func keysMapPerPhase() throws {
        var m = try model(.amountEntry(digits: ""))
        #expect(update(&m, .key(.character("7"))) == [.send(.keyPressed(.digit(7)))])
        #expect(update(&m, .key(.character("x"))) == [.send(.keyPressed(.other("x")))])
        #expect(update(&m, .key(.backspace)) == [.send(.keyPressed(.backspace))])
        #expect(update(&m, .key(.enter)) == [.send(.keyPressed(.enter))])
        #expect(update(&m, .key(.escape)) == [.send(.keyPressed(.cancel))])
        #expect(update(&m, .key(.character("q"))) == [.quit])

        var w = try model(.waitingForCard(amount: Money(minorUnits: 1, currency: .eur)))
        #expect(update(&w, .key(.character("1"))) == [.presentCard(key: "1", mode: .contactless)])
        #expect(update(&w, .key(.character("m"))) == [])
        #expect(w.entryMode == .contact)
        #expect(update(&w, .key(.character("3"))) == [.presentCard(key: "3", mode: .contact)])
        _ = update(&w, .key(.character("m")))
        #expect(w.entryMode == .magstripe)
        _ = update(&w, .key(.character("m")))
        #expect(w.entryMode == .contactless)
    }

    @Test func resizeChangesTheLayout() throws {
        var m = try model(.amountEntry(digits: ""))
        #expect(update(&m, .resized(ScreenSize(columns: 40, rows: 20))) == [])
        #expect(m.size == ScreenSize(columns: 40, rows: 20))
        let screen = render(m)
        #expect(!screen.text.contains("SIMULATOR CARDS"))
        #expect(screen.text.contains("AMOUNT"))
    }
}
