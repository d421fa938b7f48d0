import CardReaders
import PaymentCore
import TerminalEngine
import Foundation

/// The smallest window the full layout (device screen, simulator panel, key help) needs.
public let fullLayoutSize = ScreenSize(columns: 80, rows: 24)

/// Renders the model to a screen. Pure: the same model always gives the same screen.
public func render(_ model: UIModel) -> ScreenBuffer {
    var screen = ScreenBuffer(size: model.size)
    let s = model.snapshot
    let display = s.profile.display
    guard model.size.columns >= display.columns + 2, model.size.rows >= display.rows + 4 else {
        screen.put("Window too small: \(model.size).", row: 0, column: 0)
        screen.put("Need at least \(display.columns + 2)x\(display.rows + 4); 80x24 for the full layout.", row: 1, column: 0)
        screen.put("q quits.", row: 2, column: 0)
        return screen
    }
    let full = model.size.columns >= fullLayoutSize.columns && model.size.rows >= fullLayoutSize.rows

    // Title bar.
    screen.fill(row: 0, style: .reverse)
    // The device's status icons, only when something needs the merchant's eye (payments waiting to be forwarded,
    // a low battery, a printer that cannot print).
    var status: [String] = []
    if s.offlineQueue.count > 0 { status.append("OFFLINE \(s.offlineQueue.count)") }
    if let battery = s.battery, battery.isLow || battery.refusesTransactions { status.append("BAT \(battery.summary)") }
    switch s.printer {
    case .ready: break
    case .outOfPaper: status.append("NO PAPER")
    case .coverOpen: status.append("COVER OPEN")
    }
    let right = (status.isEmpty ? "" : status.joined(separator: " · ") + "  ") + "TID \(s.terminalID) "
    let title = " vtpe · \(s.profile.name) · \(s.profile.model)"
    let room = max(0, model.size.columns - right.count - 1)
    screen.put(title.count > room ? String(title.prefix(max(0, room - 1))) + "…" : title, row: 0, column: 0, style: .reverse)
    screen.put(right, row: 0, column: model.size.columns - right.count, style: .reverse)

    // The device's own screen.
    let boxTop = 1
    screen.box(top: boxTop, left: 0, width: display.columns + 2, height: display.rows + 2, title: s.profile.formFactor.rawValue.uppercased())
    let lines = deviceLines(s, width: display.columns, mode: model.entryMode)
    for (i, line) in lines.prefix(display.rows).enumerated() {
        screen.put(line.text, row: boxTop + 1 + i, column: 1, style: line.style, limit: display.columns + 1)
    }

    let noticeRow = model.size.rows - 2
    if let notice = s.notice {
        screen.put("! " + notice, row: noticeRow, column: 0, style: .bold)
    }
    let help = helpLine(s.phase, mode: model.entryMode)
    screen.fill(row: model.size.rows - 1, style: .reverse)
    screen.put(help, row: model.size.rows - 1, column: 0, style: .reverse)

    guard full else { return screen }

    // Side panel: the customer receipt after a sale, the simulator cards otherwise.
    let left = display.columns + 4
    if case .finished(let result) = s.phase {
        screen.put("CUSTOMER RECEIPT", row: 1, column: left, style: .bold)
        for (i, line) in result.receipt.lines.enumerated() where 2 + i < noticeRow {
            screen.put(line, row: 2 + i, column: left)
        }
    } else {
        screen.put("SIMULATOR CARDS", row: 2, column: left, style: .bold)
        screen.put("mode: \(model.entryMode.verb)  (m: change)", row: 3, column: left)
        for (i, card) in model.cards.enumerated() {
            let label = card.label.padding(toLength: 17, withPad: " ", startingAt: 0)
            screen.put("\(card.key)  \(label)\(card.expectation)", row: 5 + i, column: left)
        }
        let row = 6 + model.cards.count
        screen.put("Gateway: \(s.gatewayLabel)", row: row, column: left)
        screen.put("Reader:  \(s.readerName)", row: row + 1, column: left)
        screen.put("Limits:  tap ≤ \(s.profile.limits.contactlessTransactionLimit.formatted(withCode: true)),", row: row + 2, column: left)
        screen.put("         PIN above \(s.profile.limits.contactlessCVMLimit.formatted(withCode: true))", row: row + 3, column: left)
    }
    return screen
}

struct DeviceLine {
    var text: String
    var style: CellStyle = .normal
}

/// What the terminal's own screen shows in each phase.
func deviceLines(_ s: TerminalSnapshot, width: Int, mode: EntryMode) -> [DeviceLine] {
    func center(_ t: String, _ style: CellStyle = .normal) -> DeviceLine {
        DeviceLine(text: String(repeating: " ", count: max(0, (width - t.count) / 2)) + t, style: style)
    }
    func rightAligned(_ t: String, _ style: CellStyle = .normal) -> DeviceLine {
        DeviceLine(text: String(repeating: " ", count: max(0, width - 1 - t.count)) + t, style: style)
    }
    let blank = DeviceLine(text: "")
    let w = { (english: String) in Wording.text(english, s.profile.language) }
    let currency = s.profile.currency
    let title = DeviceLine(text: " " + w(kindTitle(s.kind)), style: .bold)
    switch s.phase {
    case .amountEntry(let digits) where digits.isEmpty && s.cart != nil:
        return cartLines(s.cart!, width: width)
    case .amountEntry(let digits):
        let amount = (try? Money.fromDigits(digits.isEmpty ? "0" : digits, currency: currency)) ?? Money(minorUnits: 0, currency: currency)
        return [center(s.profile.merchantName), blank, title, blank,
                DeviceLine(text: w(" AMOUNT")), rightAligned(amount.formatted(withCode: true), .bold), blank, blank,
                DeviceLine(text: w(" Type the amount,")), DeviceLine(text: w(" then press Enter (OK)"))]
    case .waitingForCard(let amount):
        return [title, rightAligned(amount.formatted(withCode: true), .bold), blank,
                center(w("PRESENT CARD"), .bold), blank,
                center(s.profile.interfaces.map { iface in
                    switch iface { case .contactless: w("TAP"); case .contact: w("INSERT"); case .magstripe: w("SWIPE") }
                }.joined(separator: " · ")),
                blank, center("((( \(mode.verb) )))"), blank, blank, DeviceLine(text: w(" Esc: cancel"))]
    case .readingCard(let amount, let mode, _):
        return [title, rightAligned(amount.formatted(withCode: true), .bold), blank,
                center(w(mode == .contact ? "CARD INSERTED" : "CARD READ")), blank,
                center(w("PROCESSING"), .bold), center(w(mode == .contact ? "DO NOT REMOVE CARD" : "PLEASE WAIT"))]
    case .selectingApplication(let amount, _, _, let labels):
        var lines = [title, rightAligned(amount.formatted(withCode: true), .bold), blank,
                     center(w("CHOOSE APPLICATION"), .bold), blank]
        for (i, label) in labels.prefix(6).enumerated() { lines.append(DeviceLine(text: " \(i + 1)  \(label)")) }
        lines += [blank, DeviceLine(text: " Enter: \(labels.first ?? "1")"), DeviceLine(text: w(" Esc: cancel"))]
        return lines
    case .pinEntry(let amount, _, _, let prompt, let digits):
        let tries: String? = if case .offline(let left?) = prompt, left < 3 {
            s.profile.language == .fr ? (left == 1 ? "DERNIER ESSAI" : "CODE FAUX: \(left) ESSAIS") : "\(left) PIN TR\(left == 1 ? "Y" : "IES") LEFT"
        } else { nil }
        var lines = [title, rightAligned(amount.formatted(withCode: true), .bold), blank,
                     center(w("ENTER PIN"), .bold), blank,
                     center(digits == 0 ? "_ _ _ _" : String(repeating: "* ", count: digits).trimmingCharacters(in: .whitespaces), .bold), blank]
        if let tries { lines.append(center(tries, .bold)) }
        lines += [DeviceLine(text: w(" Enter: OK")), DeviceLine(text: w(" Esc: cancel"))]
        return lines
    case .authorizing(let amount, let card, _):
        return [title, rightAligned(amount.formatted(withCode: true), .bold), blank,
                center("\(card.brand.displayName.uppercased()) •••• \(card.last4)"), blank,
                center(w("PROCESSING"), .bold), center(w("PLEASE WAIT"))]
    case .menu(let items):
        var lines = [DeviceLine(text: w(" MENU"), style: .bold), blank]
        for (i, item) in items.enumerated() { lines.append(DeviceLine(text: " \(i + 1) \(w(menuLabel(item)))")) }
        lines += [blank, DeviceLine(text: w(" Esc: back"))]
        return lines
    case .referenceEntry(let purpose, let digits):
        let heading: String = switch purpose {
        case .completion: "COMPLETION"
        case .void: "VOID"
        case .refund: "REFUND"
        case .reprint: "REPRINT"
        }
        let hint: String = switch purpose {
        case .reprint: w(" Enter alone: last receipt")
        case .refund: s.profile.unreferencedRefund ? " Enter alone: no original" : w(" STAN of the original")
        default: w(" STAN of the original")
        }
        return [DeviceLine(text: " " + heading, style: .bold), blank, DeviceLine(text: w(" STAN")),
                rightAligned(digits.isEmpty ? "______" : digits, .bold), blank, DeviceLine(text: hint), DeviceLine(text: w(" Esc: back"))]
    case .tipEntry(let amount, let digits):
        var lines = [title, rightAligned(amount.formatted(withCode: true), .bold), blank, center(w("ADD A TIP?"), .bold), blank]
        if s.profile.tipping.mode == .prompt {
            for (i, p) in s.profile.tipping.percentages.enumerated() {
                let tip = Money(minorUnits: (amount.minorUnits * Int64(p) + 50) / 100, currency: amount.currency)
                let percent = String(repeating: " ", count: max(0, 3 - String(p).count)) + "\(p) %"
                let row = " \(i + 1) \(percent)"
                lines.append(DeviceLine(text: row + String(repeating: " ", count: max(1, width - 1 - row.count - tip.formatted(withCode: false).count))
                                        + tip.formatted(withCode: false)))
            }
            lines.append(DeviceLine(text: w(" 0  no tip")))
        } else {
            let tip = (try? Money.fromDigits(digits.isEmpty ? "0" : digits, currency: currency)) ?? Money(minorUnits: 0, currency: currency)
            lines += [DeviceLine(text: w(" TIP")), rightAligned(tip.formatted(withCode: true), .bold), blank, DeviceLine(text: w(" Enter: OK (none: Enter)"))]
        }
        return lines
    case .processing(let heading):
        return [DeviceLine(text: " " + heading, style: .bold), blank, blank, center(w("PROCESSING"), .bold), center(w("PLEASE WAIT"))]
    case .batchReport(let report):
        var lines = [DeviceLine(text: w(report.closed ? " END OF DAY (Z)" : " BATCH REPORT (X)"), style: .bold),
                     DeviceLine(text: " BATCH \(report.number)"), blank]
        for total in report.totals.prefix(max(0, s.profile.display.rows - 7)) {
            let money = Money(minorUnits: total.amount, currency: (try? Currency(code: total.currency)) ?? currency)
            lines.append(DeviceLine(text: " \(total.type.prefix(6)) \(total.brand.prefix(6)) \(total.count)"))
            lines.append(rightAligned(money.formatted(withCode: true)))
        }
        if report.totals.isEmpty { lines.append(center(w("NO TRANSACTIONS"))) }
        lines.append(blank)
        if let r = report.reconciliation { lines.append(center(r.result.uppercased(), .reverse)) }
        return lines
    case .finished(let result):
        var lines = [DeviceLine(text: " " + w(kindTitle(result.kind))), rightAligned(result.amount.formatted(withCode: true), .bold), blank,
                     center("\(result.card.brand.displayName.uppercased()) •••• \(result.card.last4)"), blank]
        switch result.outcome {
        case .approved(_, let code):
            lines += [center(w("APPROVED"), .reverse), blank]
            if let code { lines.append(center("\(w("AUTH CODE")) \(code)")) }
        case .declined(let decline, _, _):
            // French terminals seldom say why; the code stays for QA.
            lines += [center(w("DECLINED"), .reverse), blank] + (s.profile.language == .fr ? [] : [center(decline.terminalText, .bold)])
                + [center("(\(decline.rawValue))")]
        case .failed(let failure):
            lines += [center(w("NOT COMPLETED"), .reverse), blank, center(failure.screenText, .bold), center(w("NO FUNDS DEBITED"))]
        case .approvedOffline(let code):
            lines += [center(w("APPROVED OFFLINE"), .reverse), blank, center("\(w("AUTH CODE")) \(code)"), center(w("SENT WHEN ONLINE"))]
        }
        lines += [blank, DeviceLine(text: w(" Enter: new sale"))]
        return lines
    }
}

/// The cart the point of sale sent: one line per item, then tax and total.
func cartLines(_ cart: CartDisplay, width: Int) -> [DeviceLine] {
    func row(_ left: String, _ right: String, _ style: CellStyle = .normal) -> DeviceLine {
        // " left … right " — one space in from each edge, as the amount lines.
        let room = max(2, width - 3 - right.count)
        let shown = left.count > room ? String(left.prefix(room - 1)) + "…" : left
        return DeviceLine(text: " " + shown + String(repeating: " ", count: max(1, width - 2 - shown.count - right.count)) + right, style: style)
    }
    var lines = [DeviceLine(text: " YOUR CART", style: .bold), DeviceLine(text: "")]
    for item in cart.lineItems.prefix(8) {
        lines.append(row("\(item.quantity) x \(item.description)", item.amount.formatted(withCode: false)))
    }
    if cart.lineItems.count > 8 { lines.append(DeviceLine(text: " … \(cart.lineItems.count - 8) more")) }
    if let tax = cart.tax { lines.append(row("Tax", tax.formatted(withCode: false))) }
    lines.append(DeviceLine(text: ""))
    lines.append(row("TOTAL", cart.total.formatted(withCode: true), .bold))
    return lines
}

func helpLine(_ phase: TransactionPhase, mode: EntryMode) -> String {
    switch phase {
    case .amountEntry: " 0-9 amount  Enter OK  Esc clear  f menu  m mode  q quit"
    case .waitingForCard: " 1-9 \(mode.verb.lowercased()) a card  m tap/insert/swipe  Esc cancel  q quit"
    case .readingCard: " Reading the card…  Esc cancel  q quit"
    case .selectingApplication(_, _, _, let labels): " 1-\(labels.count) choose the application  Enter first  Esc cancel"
    case .pinEntry: " 0-9 PIN  Backspace correct  Enter OK (empty: bypass)  Esc cancel"
    case .menu: " 1-9 choose  Esc back  q quit"
    case .referenceEntry: " 0-9 STAN  Enter OK  Esc back  q quit"
    case .tipEntry: " 0-9 tip  Enter OK  Esc cancel  q quit"
    case .processing: " Processing…  q quit"
    case .batchReport: " Enter close  0-9 new sale  f menu  q quit"
    case .authorizing: " Authorizing…  q quit"
    case .finished: " Enter new sale  0-9 next amount  f menu  q quit"
    }
}

/// The transaction's name on the device's screen.
func kindTitle(_ kind: TransactionKind) -> String {
    switch kind {
    case .sale: "SALE"
    case .preauthorization: "PRE-AUTH"
    case .completion: "COMPLETION"
    case .void: "VOID"
    case .refund: "REFUND"
    }
}

func menuLabel(_ item: MenuItem) -> String {
    switch item {
    case .sale: FirmwareProfile.TransactionType.sale.label
    case .preauthorization: FirmwareProfile.TransactionType.preauthorization.label
    case .completion: FirmwareProfile.TransactionType.completion.label
    case .void: FirmwareProfile.TransactionType.void.label
    case .refund: FirmwareProfile.TransactionType.refund.label
    case .reprint: FirmwareProfile.TransactionType.reprint.label
    case .report: "Batch report (X)"
    case .close: "End of day (Z)"
    }
}
