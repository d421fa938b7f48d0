import CardReaders
import EMV
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// The device around the sale, through the pure machine: the battery that warns below 20 % and refuses a new
/// transaction at 5 % (the sale in progress completes), and the printer that holds receipts until it can print.
@Suite struct DeviceTests {
    let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }

    func portable() throws -> TransactionStateMachine {
        var profile = try FirmwareProfile.load(named: "portable", searching: [profilesDirectory])
        profile.tipping.mode = .off
        return TransactionStateMachine(profile: profile, terminalID: "12345678", nextSTAN: 41)
    }

    /// A tap sale of `minor` approved online; the last actions.
    @discardableResult
    func sale(_ m: inout TransactionStateMachine, _ minor: Int64) throws -> [TransactionAction] {
        _ = m.handle(.operationRequested(.sale(amount: eur(minor), tip: nil)), now: fixedDate)
        let start = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        guard case .startChip(let chip)? = start.last else { Issue.record("no chip: \(start) \(m.notice ?? "")"); return [] }
        let online = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: chip.amount.minorUnits)), now: fixedDate)
        guard case .requestAuthorization(let request)? = online.first else { Issue.record("no request: \(online)"); return [] }
        _ = m.handle(.authorizationAnswered(stan: request.stan, GatewayAnswer(result: .approved(paymentIntentID: "pi_\(request.stan)", authorizationCode: "1"))), now: fixedDate)
        return m.handle(.kernelCompleted(stan: request.stan, KernelOutcome(decision: .approvedOnline, pan: try PAN("4242424242424242"))), now: fixedDate)
    }

    @Test func gaugeDrainsAndCharges() throws {
        let model = FirmwareProfile.Battery(capacityMAh: 2600, drainPerTransaction: 0.25, drainPerIdleMinute: 0.05)
        var gauge = BatteryGauge(model: model)
        gauge.transactionFinished()
        gauge.minutesPassed(10)
        #expect(gauge.reading == BatteryReading(level: 99.25, charging: false))
        gauge.set(level: 1)
        gauge.minutesPassed(60)
        #expect(gauge.reading.level == 0)
        gauge.charge()
        gauge.transactionFinished()
        gauge.minutesPassed(10)
        #expect(gauge.reading == BatteryReading(level: 20, charging: true) && !gauge.reading.isLow && !gauge.reading.refusesTransactions)
        gauge.minutesPassed(100)
        #expect(gauge.reading.level == 100)
        #expect(BatteryReading(level: 19.9, charging: false).isLow && BatteryReading(level: 5, charging: false).refusesTransactions)
        #expect(!BatteryReading(level: 5.1, charging: false).refusesTransactions && BatteryReading(level: 4.6, charging: true).summary == "4 % charging")
    }

    @Test func lowBatteryWarnsThenRefusesNewTransactionsButFinishesTheOneInProgress() throws {
        var m = try portable()
        #expect(m.battery == BatteryReading(level: 100, charging: false))
        try sale(&m, 1000)
        #expect(m.battery?.level == 99.75)
        // Crossing 20 % says so once; the minutes the engine counts drain it.
        #expect(m.handle(.battery(.set(20.5)), now: fixedDate) == [] && m.notice == nil)
        _ = m.handle(.battery(.minutesPassed(20)), now: fixedDate)
        #expect(m.notice == "Battery low (19 %): charge the terminal soon")
        // A sale starts at 6 %; the battery falls to 5 % while the card is read: the sale still completes.
        _ = m.handle(.battery(.set(6)), now: fixedDate)
        _ = m.handle(.operationRequested(.sale(amount: eur(1500), tip: nil)), now: fixedDate)
        #expect(m.phase == .waitingForCard(amount: eur(1500)))
        _ = m.handle(.cardPresented(try card("4242424242424242")), now: fixedDate)
        _ = m.handle(.battery(.set(5)), now: fixedDate)
        _ = m.handle(.onlineRequested(try onlineRequest("4242424242424242", amount: 1500)), now: fixedDate)
        _ = m.handle(.authorizationAnswered(stan: 42, GatewayAnswer(result: .approved(paymentIntentID: "pi_42", authorizationCode: "1"))), now: fixedDate)
        _ = m.handle(.kernelCompleted(stan: 42, KernelOutcome(decision: .approvedOnline, pan: try PAN("4242424242424242"))), now: fixedDate)
        guard case .finished(let result) = m.phase else { Issue.record("\(m.phase)"); return }
        #expect(result.outcome == .approved(paymentIntentID: "pi_42", authorizationCode: "1"))
        // Now nothing new starts: not from a script, not from the keypad, not from the server; reprint and batch still work.
        #expect(m.handle(.operationRequested(.sale(amount: eur(1000), tip: nil)), now: fixedDate) == [])
        #expect(m.refusal == "Battery 4 %: charge the terminal before a new transaction")
        #expect(m.handle(.operationRequested(.refund(amount: eur(500), of: 42)), now: fixedDate) == [] && m.refusal?.hasPrefix("Battery 4 %") == true)
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        for d in [1, 0, 0, 0] { _ = m.handle(.keyPressed(.digit(d)), now: fixedDate) }
        _ = m.handle(.keyPressed(.enter), now: fixedDate)
        #expect(m.phase == .amountEntry(digits: "") && m.notice == "Battery 4 %: charge the terminal before a new transaction")
        let server = ReaderAction(readerID: "tmr_1", kind: .processPaymentIntent(paymentIntent: "pi_x"), status: .inProgress)
        #expect(m.handle(.readerActionChanged(server), now: fixedDate)
                == [.reportActionResult(readerID: "tmr_1", .failed(code: "terminal_battery_low", message: "The terminal's battery is at 4 %: charge it first."))])
        #expect(m.handle(.operationRequested(.reprint(stan: 42, copy: .merchant)), now: fixedDate).count == 1)
        // On the charger it works again.
        _ = m.handle(.battery(.charge), now: fixedDate)
        #expect(m.handle(.operationRequested(.sale(amount: eur(1000), tip: nil)), now: fixedDate) == [] && m.refusal == nil)
        #expect(m.phase == .waitingForCard(amount: eur(1000)))
    }

    @Test func mainsPoweredTerminalsHaveNoBattery() throws {
        var m = TransactionStateMachine(profile: try countertop(), terminalID: "12345678", nextSTAN: 41)
        #expect(m.battery == nil)
        #expect(m.handle(.battery(.set(1)), now: fixedDate) == [] && m.battery == nil)
    }

    @Test func printerOutOfPaperHoldsReceiptsUntilPaperIsBack() throws {
        var m = try portable()
        #expect(m.handle(.printerChanged(.outOfPaper), now: fixedDate) == [] && m.notice == "Printer out of paper: the receipt prints when paper is back")
        let end = try sale(&m, 1200)
        #expect(!end.contains { if case .printReceipt = $0 { true } else { false } })
        #expect(m.heldReceipts.map(\.copy) == [.merchant, .customer] && m.lastPrinted.isEmpty)
        #expect(m.notice == "Printer out of paper: the receipt prints when paper is back")
        // A reprint meanwhile is held too; the cover opening changes nothing.
        #expect(m.handle(.operationRequested(.reprint(stan: 41, copy: .customer)), now: fixedDate) == [])
        _ = m.handle(.printerChanged(.coverOpen), now: fixedDate)
        #expect(m.heldReceipts.count == 3 && m.notice == "Printer cover open: the receipt prints when it is closed")
        let printed = m.handle(.printerChanged(.ready), now: fixedDate)
        #expect(printed.count == 3 && printed.allSatisfy { if case .printReceipt = $0 { true } else { false } })
        #expect(m.heldReceipts.isEmpty && m.lastPrinted.count == 3 && m.notice == "Printer ready: 3 held receipts printed")
        #expect(m.handle(.operationRequested(.reprint(stan: 41, copy: .merchant)), now: fixedDate).count == 1)
    }

    @Test func printerlessTerminalsNeverHold() throws {
        var profile = try FirmwareProfile.load(named: "mpos", searching: [profilesDirectory])
        profile.tipping.mode = .off
        var m = TransactionStateMachine(profile: profile, terminalID: "12345678", nextSTAN: 41)
        _ = m.handle(.printerChanged(.outOfPaper), now: fixedDate)
        let end = try sale(&m, 1200)
        #expect(end.contains { if case .printReceipt = $0 { true } else { false } } && m.heldReceipts.isEmpty)
    }
}
