import CardReaders
import PaymentCore
import TerminalEngine

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
    screen.put(" vtpe · \(s.profile.name) · \(s.profile.model)", row: 0, column: 0, style: .reverse)
    let right = "TID \(s.terminalID) "
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
    let currency = s.profile.currency
    switch s.phase {
    case .amountEntry(let digits) where digits.isEmpty && s.cart != nil:
        return cartLines(s.cart!, width: width)
    case .amountEntry(let digits):
        let amount = (try? Money.fromDigits(digits.isEmpty ? "0" : digits, currency: currency)) ?? Money(minorUnits: 0, currency: currency)
        return [center(s.profile.merchantName), blank, DeviceLine(text: " SALE", style: .bold), blank,
                DeviceLine(text: " AMOUNT"), rightAligned(amount.formatted(withCode: true), .bold), blank, blank,
                DeviceLine(text: " Type the amount,"), DeviceLine(text: " then press Enter (OK)")]
    case .waitingForCard(let amount):
        return [DeviceLine(text: " SALE"), rightAligned(amount.formatted(withCode: true), .bold), blank,
                center("PRESENT CARD", .bold), blank,
                center(s.profile.interfaces.map { iface in
                    switch iface { case .contactless: "TAP"; case .contact: "INSERT"; case .magstripe: "SWIPE" }
                }.joined(separator: " · ")),
                blank, center("((( \(mode.verb) )))"), blank, blank, DeviceLine(text: " Esc: cancel")]
    case .readingCard(let amount, let mode, _):
        return [DeviceLine(text: " SALE"), rightAligned(amount.formatted(withCode: true), .bold), blank,
                center(mode == .contact ? "CARD INSERTED" : "CARD READ"), blank,
                center("PROCESSING", .bold), center(mode == .contact ? "DO NOT REMOVE CARD" : "PLEASE WAIT")]
    case .pinEntry(let amount, _, _, let prompt, let digits):
        let tries: String? = if case .offline(let left?) = prompt, left < 3 { "\(left) PIN TR\(left == 1 ? "Y" : "IES") LEFT" } else { nil }
        var lines = [DeviceLine(text: " SALE"), rightAligned(amount.formatted(withCode: true), .bold), blank,
                     center("ENTER PIN", .bold), blank,
                     center(digits == 0 ? "_ _ _ _" : String(repeating: "* ", count: digits).trimmingCharacters(in: .whitespaces), .bold), blank]
        if let tries { lines.append(center(tries, .bold)) }
        lines += [DeviceLine(text: " Enter: OK"), DeviceLine(text: " Esc: cancel")]
        return lines
    case .authorizing(let amount, let card, _):
        return [DeviceLine(text: " SALE"), rightAligned(amount.formatted(withCode: true), .bold), blank,
                center("\(card.brand.displayName.uppercased()) •••• \(card.last4)"), blank,
                center("PROCESSING", .bold), center("PLEASE WAIT")]
    case .finished(let result):
        var lines = [DeviceLine(text: " SALE"), rightAligned(result.amount.formatted(withCode: true), .bold), blank,
                     center("\(result.card.brand.displayName.uppercased()) •••• \(result.card.last4)"), blank]
        switch result.outcome {
        case .approved(_, let code):
            lines += [center("APPROVED", .reverse), blank]
            if let code { lines.append(center("AUTH CODE \(code)")) }
        case .declined(let decline, _, _):
            lines += [center("DECLINED", .reverse), blank, center(decline.terminalText, .bold), center("(\(decline.rawValue))")]
        case .failed(let failure):
            lines += [center("NOT COMPLETED", .reverse), blank, center(failure.screenText, .bold), center("NO FUNDS DEBITED")]
        }
        lines += [blank, DeviceLine(text: " Enter: new sale")]
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
    case .amountEntry: " 0-9 amount  Backspace correct  Enter OK  Esc clear  m mode  q quit"
    case .waitingForCard: " 1-9 \(mode.verb.lowercased()) a card  m tap/insert/swipe  Esc cancel  q quit"
    case .readingCard: " Reading the card…  Esc cancel  q quit"
    case .pinEntry: " 0-9 PIN  Backspace correct  Enter OK (empty: bypass)  Esc cancel"
    case .authorizing: " Authorizing…  q quit"
    case .finished: " Enter new sale  0-9 start next amount  q quit"
    }
}
