import CardReaders
import Foundation
import PaymentCore
import TerminalEngine

/// The panels beside the device: the paper strip where receipts come out, and the QA panel.
enum SidePanels {
    /// The paper strip: the receipts' lines as far as the printer has fed them, the newest at the bottom (the strip
    /// scrolls like paper leaving the printer).
    static func paper(_ model: UIModel, in rect: CellRect, on screen: inout ScreenBuffer) {
        let w = { (english: String) in Wording.text(english, model.language) }
        let s = model.snapshot
        screen.put(w("PAPER"), row: rect.row, column: rect.column, style: .bold)
        let columns = s.profile.printerColumns ?? (rect.width - 2)
        let margin = max(0, min(1, (rect.width - columns) / 2))
        switch s.printer {
        case .ready:
            break
        case .outOfPaper, .coverOpen:
            let why = s.printer == .outOfPaper ? w("OUT OF PAPER") : w("COVER OPEN")
            screen.put("\(why) · \(w("held")) \(s.heldReceipts)", row: rect.row + 1, column: rect.column, style: CellStyle.bold.on(.yellow),
                       limit: rect.column + rect.width)
        }
        let top = rect.row + 2
        let height = rect.height - 2
        guard height > 0 else { return }
        let printed = Array(model.paper.prefix(model.paperPrinted))
        guard !printed.isEmpty else {
            screen.put(w("(nothing printed yet)"), row: top, column: rect.column, style: .dim, limit: rect.column + rect.width)
            return
        }
        // While the printer feeds, the newest lines; once done, the last receipt from its top (the copy handed over).
        let shown = model.paperPrinted < model.paper.count ? Array(printed.suffix(height))
            : Array(printed[model.lastReceiptStart...].prefix(height))
        for (i, line) in shown.enumerated() {
            let margins = String(repeating: " ", count: margin)
            let text = margins + line.padding(toLength: columns, withPad: " ", startingAt: 0) + margins
            screen.put(text, row: top + i, column: rect.column, style: CellStyle().on(.paper), limit: rect.column + rect.width)
        }
    }

    /// The QA panel: the simulator's cards (typed or clicked while the terminal waits for a card) with what each
    /// will do, the test amounts that decline whatever the card, and the terminal's settings.
    static func qa(_ model: UIModel, in rect: CellRect, on screen: inout ScreenBuffer) {
        let w = { (english: String) in Wording.text(english, model.language) }
        let s = model.snapshot
        var row = rect.row
        let end = rect.row + rect.height
        let limit = rect.column + rect.width
        func put(_ text: String, _ style: CellStyle = .normal) {
            guard row < end else { return }
            screen.put(text, row: row, column: rect.column, style: style, limit: limit)
            row += 1
        }
        put(w("QA · SIMULATOR CARDS"), .bold)
        put(w("mode") + ": " + w(model.entryMode.verb) + "  (m: " + w("change") + ")")
        row = rect.row + ScreenLayout.firstCardRow
        let waiting = if case .waitingForCard = s.phase { true } else { false }
        for card in model.cards {
            let label = card.label.padding(toLength: 10, withPad: " ", startingAt: 0)
            let outcome = card.expectation.hasPrefix("approves") ? CellStyle().on(.green) : CellStyle().on(.red)
            guard row < end else { break }
            screen.put("\(card.key) ", row: row, column: rect.column, style: waiting ? .bold : .normal, limit: limit)
            screen.put(label, row: row, column: rect.column + 2, limit: limit)
            screen.put(card.expectation, row: row, column: rect.column + 2 + 10, style: outcome, limit: limit)
            row += 1
        }
        // "embedded (http://…)" on two lines when the panel is narrow.
        let gateway = w("Gateway") + ": " + s.gatewayLabel
        if gateway.count > rect.width, let open = s.gatewayLabel.range(of: " (") {
            put(w("Gateway") + ": " + s.gatewayLabel[..<open.lowerBound])
            put("  " + s.gatewayLabel[open.upperBound...].dropLast(s.gatewayLabel.hasSuffix(")") ? 1 : 0))
        } else {
            put(gateway)
        }
        put(w("Reader") + ": " + s.readerName)
        row += 1
        put(w("TEST AMOUNTS (any card)"), .bold)
        // As many triggers to a line as the panel's width allows.
        var line = ""
        for trigger in TestAmounts.declines {
            let item = "." + (trigger.cents < 10 ? "0" : "") + "\(trigger.cents) " + trigger.decline.rawValue.replacingOccurrences(of: "_", with: " ")
            if !line.isEmpty, line.count + 2 + item.count > rect.width { put(line); line = "" }
            line += (line.isEmpty ? "" : "  ") + item
        }
        if !line.isEmpty { put(line) }
        row += 1
        let limits = s.profile.limits
        put(w("Tap") + " ≤ \(limits.contactlessTransactionLimit.formatted(withCode: true)), PIN > \(limits.contactlessCVMLimit.formatted(withCode: true))")
        if let battery = s.profile.batteryModel {
            put(w("Battery") + ": -\(number(battery.drainPerTransaction)) %/" + w("sale") + ", -\(number(battery.drainPerIdleMinute)) %/min")
        }
        if s.profile.offline.enabled, let cap = s.profile.offline.limit(for: s.profile.currency)?.perPayment {
            put(w("Offline") + " ≤ \(cap.formatted(withCode: true)) " + w("each") + "; \(w("queue")) \(s.offlineQueue.count)")
        }
    }

    /// A warning when the amount being typed is a test amount: the sale will be declined whatever the card.
    static func testAmountWarning(_ model: UIModel) -> String? {
        let s = model.snapshot
        let amount: Money? = switch s.phase {
        case .amountEntry(let digits) where !digits.isEmpty: try? Money.fromDigits(digits, currency: s.profile.currency)
        case .waitingForCard(let amount): amount
        default: nil
        }
        guard let amount, let decline = TestAmounts.decline(for: amount) else { return nil }
        return "! \(amount.formatted(withCode: false)): " + Wording.text("test amount", model.language) + ", "
            + decline.rawValue.replacingOccurrences(of: "_", with: " ")
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
