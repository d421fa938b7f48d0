import TerminalEngine

/// A key of the device, on its keypad or drawn on its glass.
public enum DeviceKey: Sendable, Equatable, Hashable {
    case digit(Int)
    /// Red: cancel (ANNUL).
    case cancel
    /// Yellow: clear, correct the last digit (CORR).
    case clear
    /// Green: enter, OK (VALID).
    case enter
    case menu
}

/// Where everything goes in the window for a model. Pure, and shared by `render` and the mouse, so a click lands on
/// the key that is drawn there.
///
/// The window: a title bar (row 0), the device drawn as a device (its frame, a status bar, the profile's screen,
/// its keypad beside the screen or below it, or keys on the glass for touch-only devices), the panel beside it (the
/// paper strip of printing profiles and the QA panel), a notice row and the key help (the last two rows). A window
/// too narrow for the whole device drops the panel, then the keypad (the keyboard still works); one too small for
/// the screen itself gets a message saying what size it needs.
struct ScreenLayout {
    enum Mode: Equatable { case full, screenOnly, tooSmall }
    enum Keypad: Equatable { case beside, below, glass }
    enum Target: Equatable { case key(DeviceKey), card(Character) }

    let mode: Mode
    let keypad: Keypad
    /// The device's outline.
    let frame: CellRect
    /// The status bar (inside the frame, above the screen).
    let status: CellRect
    /// The profile's display.
    let screen: CellRect
    /// Where the screen's own text goes: the screen less the keys drawn on the glass.
    let text: CellRect
    /// Every key drawn, with its cell range.
    let keys: [(key: DeviceKey, rect: CellRect)]
    let paper: CellRect?
    let qa: CellRect?
    /// The smallest window that shows the device's screen.
    let needed: ScreenSize
    let noticeRow: Int
    let helpRow: Int

    /// The keypad block's width: three key caps of three cells with a space around each.
    static let keypadWidth = 13

    init(_ model: UIModel) {
        let profile = model.snapshot.profile
        let display = profile.display
        let size = model.size
        let hasKeys = !profile.keypad.keys.isEmpty
        let hasMenuKey = profile.keypad.keys.contains("menu")
        let keypad: Keypad = !hasKeys ? .glass : display.rows >= 12 ? .beside : .below
        let keypadRows = hasMenuKey ? (keypad == .beside ? 8 : 6) : (keypad == .beside ? 6 : 5)
        let deviceSize: ScreenSize = switch keypad {
        case .beside: ScreenSize(columns: display.columns + 3 + Self.keypadWidth, rows: display.rows + 3)
        case .below: ScreenSize(columns: max(display.columns, Self.keypadWidth) + 2, rows: display.rows + 4 + keypadRows)
        case .glass: ScreenSize(columns: display.columns + 2, rows: display.rows + 3)
        }
        let bare = ScreenSize(columns: display.columns + 2, rows: display.rows + 3)
        needed = ScreenSize(columns: bare.columns, rows: bare.rows + 3)
        noticeRow = size.rows - 2
        helpRow = size.rows - 1
        let room = ScreenSize(columns: size.columns, rows: size.rows - 3)

        let mode: Mode = room.columns >= deviceSize.columns && room.rows >= deviceSize.rows ? .full
            : room.columns >= bare.columns && room.rows >= bare.rows ? .screenOnly : .tooSmall
        self.mode = mode
        self.keypad = keypad
        let outline = mode == .full ? deviceSize : bare
        frame = CellRect(row: 1, column: 0, width: outline.columns, height: outline.rows)
        let screenLeft = frame.column + 1 + (keypad == .below && mode == .full ? (frame.width - 2 - display.columns) / 2 : 0)
        status = CellRect(row: frame.row + 1, column: screenLeft, width: display.columns, height: 1)
        screen = CellRect(row: frame.row + 2, column: screenLeft, width: display.columns, height: display.rows)

        var keys: [(DeviceKey, CellRect)] = []
        var text = screen
        func block(top: Int, left: Int, digitsLast: Bool, menu: Bool) {
            // Digits 1-9 in three rows, then 0 (or clear 0 enter on the glass), the coloured keys, MENU.
            for (i, d) in (1...9).enumerated() {
                keys.append((.digit(d), CellRect(row: top + i / 3, column: left + 1 + (i % 3) * 4, width: 3, height: 1)))
            }
            if digitsLast {
                keys.append((.clear, CellRect(row: top + 3, column: left + 1, width: 3, height: 1)))
                keys.append((.digit(0), CellRect(row: top + 3, column: left + 5, width: 3, height: 1)))
                keys.append((.enter, CellRect(row: top + 3, column: left + 9, width: 3, height: 1)))
                keys.append((.cancel, CellRect(row: top + 4, column: left + 1, width: 11, height: 1)))
                return
            }
            keys.append((.digit(0), CellRect(row: top + 3, column: left + 5, width: 3, height: 1)))
            let colour = top + (keypad == .beside ? 5 : 4)
            keys.append((.cancel, CellRect(row: colour, column: left + 1, width: 3, height: 1)))
            keys.append((.clear, CellRect(row: colour, column: left + 5, width: 3, height: 1)))
            keys.append((.enter, CellRect(row: colour, column: left + 9, width: 3, height: 1)))
            if menu { keys.append((.menu, CellRect(row: colour + (keypad == .beside ? 2 : 1), column: left + 1, width: 11, height: 1))) }
        }
        switch keypad {
        case .beside where mode == .full:
            block(top: screen.row + 1, left: screen.column + display.columns + 1, digitsLast: false, menu: hasMenuKey)
        case .below where mode == .full:
            block(top: screen.row + display.rows + 1, left: frame.column + (frame.width - Self.keypadWidth) / 2, digitsLast: false, menu: hasMenuKey)
        case .glass:
            switch Self.glassKeys(model.snapshot.phase) {
            case .none: break
            case .cancelOnly:
                text.height -= 1
                keys.append((.cancel, CellRect(row: screen.row + screen.height - 1, column: screen.column + (screen.width - 11) / 2, width: 11, height: 1)))
            case .pad:
                text.height -= 5
                block(top: screen.row + screen.height - 5, left: screen.column + (screen.width - Self.keypadWidth) / 2, digitsLast: true, menu: false)
            }
        default:
            break
        }
        self.keys = keys
        self.text = text

        // The panel beside the device: the paper strip for printing profiles, and the QA panel.
        let left = frame.column + frame.width + 2
        let width = size.columns - left
        let height = max(0, size.rows - 4)
        let paperWidth = profile.printerColumns.map { $0 + 2 }
        var paper: CellRect?
        var qa: CellRect?
        if mode == .full, width >= 24 {
            if let paperWidth, width >= paperWidth + 2 + 36 {
                paper = CellRect(row: 1, column: left, width: paperWidth, height: height)
                qa = CellRect(row: 1, column: left + paperWidth + 2, width: width - paperWidth - 2, height: height)
            } else {
                let showPaper: Bool = switch model.panel {
                case .paper: paperWidth != nil
                case .qa: false
                case .auto: paperWidth != nil && !model.paper.isEmpty && Self.receiptMoment(model.snapshot.phase)
                }
                if showPaper { paper = CellRect(row: 1, column: left, width: min(width, paperWidth!), height: height) }
                else { qa = CellRect(row: 1, column: left, width: width, height: height) }
            }
        }
        self.paper = paper
        self.qa = qa
    }

    enum GlassKeys { case none, cancelOnly, pad }

    /// The keys a touch-only device draws on its glass in each phase.
    static func glassKeys(_ phase: TransactionPhase) -> GlassKeys {
        switch phase {
        case .readingCard, .authorizing, .processing: .none
        case .waitingForCard, .selectingApplication: .cancelOnly
        case .amountEntry, .pinEntry, .tipEntry, .referenceEntry, .menu, .finished, .batchReport, .settings: .pad
        }
    }

    /// When the paper strip is what the merchant looks at (its receipt has just come out).
    static func receiptMoment(_ phase: TransactionPhase) -> Bool {
        switch phase {
        case .finished, .batchReport: true
        default: false
        }
    }

    /// The QA panel's rows that present a simulator card when clicked: one per card, from its third row.
    static let firstCardRow = 2

    /// What a click at this cell means: a key drawn there, or a card's row in the QA panel.
    func target(row: Int, column: Int, cards: [SimulatorCardItem]) -> Target? {
        guard mode != .tooSmall else { return nil }
        if let hit = keys.first(where: { $0.rect.contains(row: row, column: column) }) { return .key(hit.key) }
        guard let qa, qa.contains(row: row, column: column) else { return nil }
        let index = row - qa.row - Self.firstCardRow
        return cards.indices.contains(index) ? .card(cards[index].key) : nil
    }
}
