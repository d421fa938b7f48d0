import Foundation
import PaymentCore
import TerminalEngine
import CardReaders

struct DeviceLine {
    var text: String
    var style: CellStyle = .normal
}

/// What the terminal's own screen shows in each phase, on `rows` rows of `width` cells.
/// `address`: the receipt's e-mail address as typed so far.
func deviceLines(_ s: TerminalSnapshot, width: Int, rows: Int, mode: EntryMode, language: FirmwareProfile.Language,
                 address: String = "") -> [DeviceLine] {
    func center(_ t: String, _ style: CellStyle = .normal) -> DeviceLine {
        DeviceLine(text: String(repeating: " ", count: max(0, (width - t.count) / 2)) + t, style: style)
    }
    func rightAligned(_ t: String, _ style: CellStyle = .normal) -> DeviceLine {
        DeviceLine(text: String(repeating: " ", count: max(0, width - 1 - t.count)) + t, style: style)
    }
    let blank = DeviceLine(text: "")
    let w = { (english: String) in Wording.text(english, language) }
    let currency = s.profile.currency
    let title = DeviceLine(text: " " + w(kindTitle(s.kind)), style: .bold)
    func heading(_ kind: TransactionKind) -> DeviceLine { DeviceLine(text: " " + w(kindTitle(kind))) }
    switch s.phase {
    case .amountEntry(let digits) where digits.isEmpty && s.cart != nil:
        return cartLines(s.cart!, width: width, language: language)
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
                blank, center("((( \(w(mode.verb)) )))"), blank, blank, DeviceLine(text: w(" Esc: cancel"))]
    case .readingCard(let amount, let mode, _):
        return [title, rightAligned(amount.formatted(withCode: true), .bold), blank,
                center(w(mode == .contact ? "CARD INSERTED" : "CARD READ")), blank,
                center(w("PROCESSING"), .bold), center(w(mode == .contact ? "DO NOT REMOVE CARD" : "PLEASE WAIT"))]
    case .selectingApplication(let amount, _, _, let labels):
        var lines = [title, rightAligned(amount.formatted(withCode: true), .bold), blank,
                     center(w("CHOOSE APPLICATION"), .bold), blank]
        for (i, label) in labels.prefix(6).enumerated() { lines.append(DeviceLine(text: " \(i + 1)  \(label)")) }
        lines += [blank, DeviceLine(text: w(" Enter: ") + (labels.first ?? "1")), DeviceLine(text: w(" Esc: cancel"))]
        return lines
    case .pinEntry(let amount, _, _, let prompt, let digits):
        let tries: String? = if case .offline(let left?) = prompt, left < 3 {
            language == .fr ? (left == 1 ? "DERNIER ESSAI" : "CODE FAUX: \(left) ESSAIS") : "\(left) PIN TR\(left == 1 ? "Y" : "IES") LEFT"
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
        return fitted(lines, rows: rows)
    case .referenceEntry(let purpose, let digits):
        let english: String = switch purpose {
        case .completion: "COMPLETION"
        case .void: "VOID"
        case .refund: "REFUND"
        case .reprint: "REPRINT"
        }
        let heading = w(english)
        let hint: String = switch purpose {
        case .reprint: w(" Enter alone: last receipt")
        case .refund: w(s.profile.unreferencedRefund ? " Enter alone: no original" : " STAN of the original")
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
        return [DeviceLine(text: " " + w(heading), style: .bold), blank, blank, center(w("PROCESSING"), .bold), center(w("PLEASE WAIT"))]
    case .batchReport(let report):
        // The reconciliation first: on a small screen it is what the merchant must see; the totals follow, as
        // many as fit.
        var lines = [DeviceLine(text: w(report.closed ? " END OF DAY (Z)" : " BATCH REPORT (X)"), style: .bold),
                     DeviceLine(text: w(" BATCH ") + "\(report.number)")]
        if let r = report.reconciliation {
            lines.append(center(w(r.result.uppercased()), r.result == "match" ? CellStyle.reverse.on(.green) : CellStyle.reverse.on(.red)))
        }
        lines.append(blank)
        for total in report.totals.prefix(max(0, (rows - lines.count) / 2)) {
            let money = Money(minorUnits: total.amount, currency: (try? Currency(code: total.currency)) ?? currency)
            lines.append(DeviceLine(text: " \(w(total.type.uppercased()).prefix(9)) \(total.brand.uppercased().prefix(10)) \(total.count)"))
            lines.append(rightAligned(money.formatted(withCode: true)))
        }
        if report.totals.isEmpty { lines.append(center(w("NO TRANSACTIONS"))) }
        return lines
    case .settings:
        // What this terminal is, one setting a line ("Name  value"); a value too long for the line (the gateway's
        // URL) goes on the lines below, wrapped, so none of it is cut.
        var lines = [DeviceLine(text: w(" SETTINGS"), style: .bold)]
        let printer = s.profile.printerColumns.map { "\($0) col \(w(s.printer.rawValue.uppercased()))" } ?? w("none")
        let settings: [(String, String)] = [
            (" Profile", s.profile.id == s.profile.formFactor.rawValue ? s.profile.id : "\(s.profile.id) (\(s.profile.formFactor.rawValue))"),
            (" Terminal ID", s.terminalID),
            (" Gateway", s.gatewayLabel), (" Reader", s.readerName),
            (" Language", language == .fr ? "francais" : "English"), (" Printer", printer),
            (" Offline", w(s.profile.offline.enabled ? "enabled" : "disabled")),
        ]
        for (english, value) in settings {
            let name = w(english)
            if name.count + 1 + value.count <= width - 1 {
                lines.append(DeviceLine(text: name + String(repeating: " ", count: width - 1 - name.count - value.count) + value))
                continue
            }
            lines.append(DeviceLine(text: name))
            var rest = Substring(value)
            while !rest.isEmpty {
                lines.append(DeviceLine(text: "  " + rest.prefix(max(1, width - 3)), style: .bold))
                rest = rest.dropFirst(max(1, width - 3))
            }
        }
        lines.append(DeviceLine(text: w(" Any key: back")))
        return lines
    case .finished(let result) where s.receiptOffer?.askingAddress == true:
        // The address typed so far, its end kept in view, and the cursor.
        let room = max(1, width - 3)
        let typed = address.count >= room ? "…" + address.suffix(room - 1) : address + "_"
        return fitted([heading(result.kind), rightAligned(result.amount.formatted(withCode: true), .bold), blank,
                       center(w("E-MAIL ADDRESS"), .bold), blank, DeviceLine(text: " " + typed, style: .bold), blank,
                       DeviceLine(text: w(" Enter: send")), DeviceLine(text: w(" Esc: back"))], rows: rows)
    case .finished(let result):
        var lines = [heading(result.kind), rightAligned(result.amount.formatted(withCode: true), .bold), blank,
                     center("\(result.card.brand.displayName.uppercased()) •••• \(result.card.last4)"), blank]
        switch result.outcome {
        case .approved(_, let code):
            lines += [center(w("APPROVED"), CellStyle.reverse.on(.green)), blank]
            if let code { lines.append(center("\(w("AUTH CODE")) \(code)")) }
        case .declined(let decline, _, _):
            // French terminals seldom say why; the code stays for QA.
            lines += [center(w("DECLINED"), CellStyle.reverse.on(.red)), blank] + (language == .fr ? [] : [center(decline.terminalText, .bold)])
                + [center("(\(decline.rawValue))")]
        case .failed(let failure):
            lines += [center(w("NOT COMPLETED"), CellStyle.reverse.on(.red)), blank, center(w(failure.screenText), .bold), center(w("NO FUNDS DEBITED"))]
        case .approvedOffline(let code):
            lines += [center(w("APPROVED OFFLINE"), CellStyle.reverse.on(.green)), blank, center("\(w("AUTH CODE")) \(code)"), center(w("SENT WHEN ONLINE"))]
        }
        if s.cardInSlot { lines += [blank, center(w("REMOVE CARD"), CellStyle.reverse.on(.yellow))] }
        if let offer = s.receiptOffer {
            lines += [blank, center(w("CUSTOMER RECEIPT?"), .bold)]
            lines += offer.choices.enumerated().map { DeviceLine(text: " \($0.offset + 1) \(w($0.element.label))") }
        } else {
            lines += [blank, DeviceLine(text: w(" Enter: new sale"))]
        }
        return fitted(lines, rows: rows)
    }
}

/// The lines on a screen of `rows` rows: when they do not fit, the blank lines go first (from the top), so the
/// question at the bottom (the receipt choices, the removal prompt) stays in view.
func fitted(_ lines: [DeviceLine], rows: Int) -> [DeviceLine] {
    var lines = lines
    while lines.count > rows, let blank = lines.firstIndex(where: { $0.text.allSatisfy { $0 == " " } }) { lines.remove(at: blank) }
    return lines
}

/// The cart the point of sale sent: one line per item, then tax and total.
func cartLines(_ cart: CartDisplay, width: Int, language: FirmwareProfile.Language) -> [DeviceLine] {
    func row(_ left: String, _ right: String, _ style: CellStyle = .normal) -> DeviceLine {
        // " left … right " — one space in from each edge, as the amount lines.
        let room = max(2, width - 3 - right.count)
        let shown = left.count > room ? String(left.prefix(room - 1)) + "…" : left
        return DeviceLine(text: " " + shown + String(repeating: " ", count: max(1, width - 2 - shown.count - right.count)) + right, style: style)
    }
    let w = { (english: String) in Wording.text(english, language) }
    var lines = [DeviceLine(text: w(" YOUR CART"), style: .bold), DeviceLine(text: "")]
    for item in cart.lineItems.prefix(8) {
        lines.append(row("\(item.quantity) x \(item.description)", item.amount.formatted(withCode: false)))
    }
    if cart.lineItems.count > 8 { lines.append(DeviceLine(text: " … \(cart.lineItems.count - 8) " + w("more"))) }
    if let tax = cart.tax { lines.append(row(w("Tax"), tax.formatted(withCode: false))) }
    lines.append(DeviceLine(text: ""))
    lines.append(row("TOTAL", cart.total.formatted(withCode: true), .bold))
    return lines
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
    case .settings: "Settings"
    }
}
