import CardReaders
import PaymentCore
import TerminalEngine
import Foundation

/// The window size the layouts are designed for: every profile's device, its panel and the key help fit.
public let fullLayoutSize = ScreenSize(columns: 80, rows: 24)

/// Renders the model to a screen. Pure: the same model always gives the same screen.
public func render(_ model: UIModel) -> ScreenBuffer {
    var screen = ScreenBuffer(size: model.size)
    let layout = ScreenLayout(model)
    let w = { (english: String) in Wording.text(english, model.language) }
    guard layout.mode != .tooSmall else {
        // Short lines, so that even a tiny window shows the start of each.
        let lines = [w("Window too small") + ": \(model.size).", w("Need at least") + " \(layout.needed).",
                     "80x24: " + w("the whole device") + ".", w("q quits.")]
        for (i, line) in lines.enumerated() { screen.put(line, row: i, column: 0) }
        return screen
    }
    let s = model.snapshot

    // Title bar: what this terminal is.
    screen.fill(row: 0, style: .reverse)
    let right = "TID \(s.terminalID) "
    let title = " vtpe · \(s.profile.name) · \(s.profile.model)"
    let room = max(0, model.size.columns - right.count - 1)
    screen.put(title.count > room ? String(title.prefix(max(0, room - 1))) + "…" : title, row: 0, column: 0, style: .reverse)
    screen.put(right, row: 0, column: model.size.columns - right.count, style: .reverse)

    drawDevice(model, layout, &screen)
    if let paper = layout.paper { SidePanels.paper(model, in: paper, on: &screen) }
    if let qa = layout.qa { SidePanels.qa(model, in: qa, on: &screen) }

    // The notice (the engine's word on what just happened), else the warning that the amount is a test amount.
    if let notice = s.notice {
        screen.put("! " + NoticeWording.text(notice, model.language), row: layout.noticeRow, column: 0, style: CellStyle.bold.on(.yellow))
    } else if let warning = SidePanels.testAmountWarning(model) {
        screen.put(warning, row: layout.noticeRow, column: 0, style: CellStyle.bold.on(.yellow))
    }
    screen.fill(row: layout.helpRow, style: .reverse)
    screen.put(helpLine(s, mode: model.entryMode, language: model.language), row: layout.helpRow, column: 0, style: .reverse)
    return screen
}

/// The device: its outline, the status bar, the screen's text, and its keys.
private func drawDevice(_ model: UIModel, _ layout: ScreenLayout, _ screen: inout ScreenBuffer) {
    let s = model.snapshot
    let f = layout.frame
    let label = s.profile.formFactor.rawValue.uppercased()
    screen.box(top: f.row, left: f.column, width: f.width, height: f.height, title: label)
    if s.profile.keypad.keys.isEmpty || s.profile.formFactor == .mpos {
        // Handhelds and phones have rounded corners.
        screen.put("╭", row: f.row, column: f.column)
        screen.put("╮", row: f.row, column: f.column + f.width - 1)
        screen.put("╰", row: f.row + f.height - 1, column: f.column)
        screen.put("╯", row: f.row + f.height - 1, column: f.column + f.width - 1)
    }
    if layout.keypad == .beside, layout.mode == .full {
        // The line between the screen and the keypad.
        let x = layout.screen.column + layout.screen.width
        for r in (f.row + 1)..<(f.row + f.height - 1) { screen.put("│", row: r, column: x) }
        screen.put("┬", row: f.row, column: x)
        screen.put("┴", row: f.row + f.height - 1, column: x)
    }
    if layout.keypad == .below, layout.mode == .full {
        let y = layout.screen.row + layout.screen.height
        screen.put("├" + String(repeating: "─", count: f.width - 2) + "┤", row: y, column: f.column)
    }

    screen.put(StatusBar.text(model, width: layout.status.width), row: layout.status.row, column: layout.status.column,
               style: CellStyle.reverse.on(.status))
    screen.fill(layout.screen, style: CellStyle().on(.display))
    let lines = deviceLines(s, width: layout.text.width, rows: layout.text.height, mode: model.entryMode, language: model.language,
                            address: model.address)
    for (i, line) in lines.prefix(layout.text.height).enumerated() {
        // A centred or right-aligned line's leading blanks stay the screen's; its style starts with its words.
        let words = line.text.drop { $0 == " " }
        let indent = line.text.count - words.count
        let style = line.style.palette == .plain ? line.style.on(.display) : line.style
        screen.put(String(words), row: layout.text.row + i, column: layout.text.column + indent, style: style,
                   limit: layout.text.column + layout.text.width)
    }
    for (key, rect) in layout.keys {
        let (text, style) = keyCap(key, width: rect.width, language: model.language)
        screen.put(text, row: rect.row, column: rect.column, style: style)
    }
}

/// A key cap's face and colour: digits plain, cancel red, clear yellow, enter green, as on a payment terminal.
func keyCap(_ key: DeviceKey, width: Int, language: FirmwareProfile.Language) -> (String, CellStyle) {
    func face(_ t: String) -> String {
        let pad = max(0, width - t.count)
        return String(repeating: " ", count: pad / 2) + t + String(repeating: " ", count: pad - pad / 2)
    }
    let cap = CellStyle(bold: true, reverse: true)
    switch key {
    case .digit(let d): return (face(String(d)), cap)
    case .cancel: return (face(width > 3 ? Wording.text("CANCEL", language) : "X"), cap.on(.red))
    case .clear: return (face(width > 3 ? Wording.text("CLEAR", language) : "<"), cap.on(.yellow))
    case .enter: return (face(width > 3 ? Wording.text("OK", language) : "O"), cap.on(.green))
    case .menu: return (face("MENU"), cap)
    }
}

func helpLine(_ s: TerminalSnapshot, mode: EntryMode, language: FirmwareProfile.Language) -> String {
    let fr = language == .fr
    if let offer = s.receiptOffer {
        if offer.askingAddress {
            return fr ? " Saisir l'adresse e-mail  Entrée envoyer  Retour corriger  Échap retour" : " Type the e-mail address  Enter send  Backspace correct  Esc back"
        }
        let remove = s.cardInSlot ? (fr ? "  r retirer la carte" : "  r remove card") : ""
        return fr ? " 1-\(offer.choices.count) ticket client  Entrée le premier  Échap aucun\(remove)  q quitter"
            : " 1-\(offer.choices.count) customer receipt  Enter first  Esc none\(remove)  q quit"
    }
    if s.phase.isFinished, s.cardInSlot {
        return fr ? " r retirer la carte  Entrée nouvelle vente  f menu  Tab panneau  q quitter" : " r remove the card  Enter new sale  f menu  Tab panel  q quit"
    }
    let phase = s.phase
    let english: String = switch phase {
    case .amountEntry: " 0-9 amount  Enter OK  Esc clear  f menu  m mode  Tab panel  q quit"
    case .waitingForCard: " 1-9 \(mode.verb.lowercased()) a card  m tap/insert/swipe  Esc cancel  q quit"
    case .readingCard: " Reading the card…  Esc cancel  q quit"
    case .selectingApplication(_, _, _, let labels): " 1-\(labels.count) choose the application  Enter first  Esc cancel"
    case .pinEntry: " 0-9 PIN  Backspace correct  Enter OK (empty: bypass)  Esc cancel"
    case .menu: " 1-9 choose  Esc back  q quit"
    case .referenceEntry: " 0-9 STAN  Enter OK  Esc back  q quit"
    case .tipEntry: " 0-9 tip  Enter OK  Esc cancel  q quit"
    case .processing: " Processing…  q quit"
    case .batchReport: " Enter close  0-9 new sale  f menu  Tab panel  q quit"
    case .authorizing: " Authorizing…  q quit"
    case .finished: " Enter new sale  0-9 next amount  f menu  Tab panel  q quit"
    case .settings: " Any key back  f menu  Tab panel  q quit"
    }
    return language == .fr ? Wording.help(english, phase: phase, mode: mode) : english
}
