/// The device around the sale: the battery that refuses new transactions when nearly empty, and the printer that
/// holds receipts while it cannot print (docs/devices.md).
extension TransactionStateMachine {
    /// Prints `receipts` now, or holds them while the printer cannot print. A printerless profile writes e-receipts,
    /// which never wait.
    mutating func printOrHold(_ receipts: [Receipt]) -> [TransactionAction] {
        guard profile.printerColumns == nil || printer == .ready else {
            heldReceipts += receipts
            lastPrinted = []
            if !receipts.isEmpty { notice = printer.notice }
            return []
        }
        lastPrinted = receipts
        return receipts.map { .printReceipt($0) }
    }

    mutating func printerChanged(_ state: PrinterState) -> [TransactionAction] {
        printer = state
        guard state == .ready else {
            notice = state.notice
            return []
        }
        let held = heldReceipts
        heldReceipts = []
        guard !held.isEmpty else { return [] }
        notice = held.count == 1 ? "Printer ready: the held receipt printed" : "Printer ready: \(held.count) held receipts printed"
        lastPrinted = held
        return held.map { .printReceipt($0) }
    }

    mutating func batteryChanged(_ change: BatteryChange) -> [TransactionAction] {
        guard var gauge = batteryGauge else { return [] }
        let wasLow = gauge.reading.isLow
        switch change {
        case .minutesPassed(let minutes): gauge.minutesPassed(minutes)
        case .transactionFinished: gauge.transactionFinished()
        case .set(let level): gauge.set(level: level)
        case .charge: gauge.charge()
        }
        batteryGauge = gauge
        let reading = gauge.reading
        if reading.refusesTransactions {
            notice = "Battery \(reading.summary): charge the terminal"
        } else if reading.isLow, !wasLow {
            notice = "Battery low (\(reading.summary)): charge the terminal soon"
        }
        return []
    }

    /// True (with the reason on screen) when the battery is too low to start a transaction; one in progress is never
    /// stopped.
    mutating func refusedForBattery() -> Bool {
        guard let battery, battery.refusesTransactions else { return false }
        notice = "Battery \(battery.summary): charge the terminal before a new transaction"
        return true
    }
}
