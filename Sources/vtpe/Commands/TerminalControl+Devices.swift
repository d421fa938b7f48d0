import TerminalEngine

extension TerminalControl {
    /// `battery` shows it; `battery PCT` sets the level (off the charger); `battery charge` plugs the charger in.
    func setBattery(_ words: [String]) async -> String {
        guard await engine.snapshot.profile.batteryModel != nil else { return "error this terminal runs on mains power: it has no battery" }
        if let word = words.first {
            if word == "charge" {
                await engine.send(.battery(.charge))
            } else if let level = Double(word), (0...100).contains(level) {
                await engine.send(.battery(.set(level)))
            } else {
                return "error the battery level is 0 to 100 (percent), or `charge`, not '\(word.prefix(20))'"
            }
        }
        guard let reading = await engine.snapshot.battery else { return "error no battery" }
        let state = reading.refusesTransactions ? " (too low: new transactions refused)" : reading.isLow ? " (low)" : ""
        return "ok battery \(reading.summary)\(state)"
    }

    /// `printer` shows it; `printer paper` (paper back, cover closed), `printer out` (out of paper), `printer open`
    /// (cover open).
    func setPrinter(_ words: [String]) async -> String {
        guard await engine.snapshot.profile.printerColumns != nil else { return "error this terminal has no printer (it writes e-receipts)" }
        if let word = words.first {
            let states: [String: PrinterState] = ["paper": .ready, "ready": .ready, "out": .outOfPaper, "open": .coverOpen]
            guard let state = states[word] else { return "error the printer is `paper` (ready), `out` (out of paper) or `open` (cover open), not '\(word.prefix(20))'" }
            await engine.send(.printerChanged(state))
        }
        let snapshot = await engine.snapshot
        return "ok printer \(snapshot.printer.rawValue) held=\(snapshot.heldReceipts)"
    }
}
