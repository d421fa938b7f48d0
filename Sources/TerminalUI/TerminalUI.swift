import CardReaders
import Foundation
import PaymentCore
import TerminalEngine

/// A key as the screen layer reads it.
public enum InputKey: Sendable, Equatable {
    case character(Character)
    case backspace
    case enter
    case escape
    case tab
}

/// What the clock and the devices around the engine say at a tick: the time for the status bar and the emulated
/// network's state (`vtpe network` and scheduled outages change it outside the engine).
public struct DeviceReading: Sendable, Equatable {
    public var now: Date
    public var network: NetworkConditions.State
    /// The zone the clock shows the time in (the machine's).
    public var timeZone: TimeZone

    public init(now: Date, network: NetworkConditions.State, timeZone: TimeZone = .current) {
        self.now = now
        self.network = network
        self.timeZone = timeZone
    }
}

/// A message into the UI: every key, mouse click, tick, engine snapshot and resize.
public enum UIMessage: Sendable, Equatable {
    case key(InputKey)
    /// A mouse click (button 1 press or click) at this cell.
    case click(row: Int, column: Int)
    case snapshot(TerminalSnapshot)
    case resized(ScreenSize)
    /// The status bar's once-a-second tick.
    case tick(DeviceReading)
    /// The printer's next line (while a receipt comes out).
    case printTick
}

/// What the UI asks the outside world to do.
public enum UIEffect: Sendable, Equatable {
    case send(TransactionEvent)
    /// Present the simulator card with this key in this mode.
    case presentCard(key: Character, mode: EntryMode)
    /// Take the inserted card out of the slot.
    case removeCard
    /// Send `.printTick` after this long.
    case schedulePrintTick(Duration)
    case quit
}

/// One card in the QA panel.
public struct SimulatorCardItem: Sendable, Equatable {
    public var key: Character
    public var label: String
    public var expectation: String

    public init(_ card: TestCard) {
        key = card.simulatorKey ?? "?"
        // Short enough for the QA panel's 32 columns at 80x24: key, "Visa 4242", what the card does.
        let brand = switch card.brand {
        case .mastercard: "MC"
        case .amex: "Amex"
        default: String(card.brand.displayName.prefix(5))
        }
        label = "\(brand) \(card.last4)"
        switch card.outcome {
        case .approved: expectation = card.cvm.map { "approves " + $0.replacingOccurrences(of: "_pin", with: " PIN").replacingOccurrences(of: "_", with: " ") } ?? "approves"
        case .declined(let code), .chargeFailsAfterAttach(let code): expectation = code.rawValue.replacingOccurrences(of: "_", with: " ")
        case .incorrectNumber: expectation = "incorrect number"
        case .requiresAction: expectation = "3-D Secure (online only)"
        }
    }
}

/// What the panel beside the device shows: the paper strip, the QA panel, or whichever fits the moment (`auto`:
/// the paper while a receipt is out, the QA panel otherwise). Tab cycles.
public enum SidePanelChoice: String, Sendable, Equatable, CaseIterable {
    case auto, qa, paper
}

/// The UI model: the engine's last snapshot plus what only the screen knows.
public struct UIModel: Sendable, Equatable {
    public var snapshot: TerminalSnapshot
    public var size: ScreenSize
    public var entryMode: EntryMode
    public var cards: [SimulatorCardItem]
    /// The language of the device's words (the profile's, or `--lang`).
    public var language: FirmwareProfile.Language
    /// The last tick's time and network (nil before the first tick).
    public var reading: DeviceReading?
    public var panel: SidePanelChoice = .auto
    /// The receipts on the paper strip and how many of their lines have come out of the printer.
    public var paper: [String] = []
    public var paperPrinted: Int = 0
    /// The e-mail address being typed for the receipt (every key is text while the terminal asks for it).
    public var address: String = ""

    public init(snapshot: TerminalSnapshot, size: ScreenSize, language: FirmwareProfile.Language? = nil,
                cards: [TestCard] = TestCardCatalog.standard.simulatorCards) {
        self.snapshot = snapshot
        self.size = size
        self.language = language ?? snapshot.profile.language
        self.cards = cards.map(SimulatorCardItem.init)
        let interfaces = snapshot.profile.interfaces
        entryMode = interfaces.contains(.contactless) ? .contactless : interfaces.contains(.contact) ? .contact : .magstripe
        paper = Self.paperLines(snapshot.printed)
        paperPrinted = paper.count
    }

    /// The entry modes this terminal's profile allows, in cycle order.
    var availableModes: [EntryMode] {
        EntryMode.allCases.filter { mode in
            switch mode {
            case .contactless: snapshot.profile.interfaces.contains(.contactless)
            case .contact: snapshot.profile.interfaces.contains(.contact)
            case .magstripe: snapshot.profile.interfaces.contains(.magstripe)
            }
        }
    }

    /// Where the paper is torn off after each receipt.
    static let tearLine = String(repeating: "- ", count: 16).trimmingCharacters(in: .whitespaces)

    /// The printed receipts as they come off the roll, a blank line and the tear line after each.
    static func paperLines(_ receipts: [Receipt]) -> [String] {
        receipts.flatMap { $0.lines + ["", tearLine, ""] }
    }

    /// Where the last receipt on the strip begins (after the tear line that ends the one before it).
    var lastReceiptStart: Int {
        let tears = paper.indices.filter { paper[$0] == Self.tearLine && $0 + 2 < paper.count }
        return tears.last.map { $0 + 2 } ?? 0
    }
}

/// How long the printer takes for a line: a 58 mm thermal printer prints a 24-dot text line in about 25 ms.
public let printLineInterval = Duration.milliseconds(25)

/// The Elm-style update: a message in, the new model and effects out. Pure.
public func update(_ model: inout UIModel, _ message: UIMessage) -> [UIEffect] {
    switch message {
    case .snapshot(let s):
        let printed = s.printed != model.snapshot.printed && !s.printed.isEmpty
        model.snapshot = s
        if s.receiptOffer?.askingAddress != true { model.address = "" }
        guard printed else { return [] }
        // New receipts came out: the strip shows them line by line, as the printer feeds them.
        model.paper = UIModel.paperLines(s.printed)
        model.paperPrinted = 0
        return [.schedulePrintTick(printLineInterval)]
    case .resized(let size):
        model.size = size
        return []
    case .tick(let reading):
        model.reading = reading
        return []
    case .printTick:
        guard model.paperPrinted < model.paper.count else { return [] }
        model.paperPrinted += 1
        return model.paperPrinted < model.paper.count ? [.schedulePrintTick(printLineInterval)] : []
    case .click(let row, let column):
        switch ScreenLayout(model).target(row: row, column: column, cards: model.cards) {
        case .key(let key)?: return keyEffects(key)
        case .card(let key)?: return cardEffects(&model, key)
        case nil: return []
        }
    case .key(let key):
        return inputEffects(&model, key)
    }
}

/// A device key's event, whether it was typed or clicked.
func keyEffects(_ key: DeviceKey) -> [UIEffect] {
    switch key {
    case .digit(let d): [.send(.keyPressed(.digit(d)))]
    case .cancel: [.send(.keyPressed(.cancel))]
    case .clear: [.send(.keyPressed(.backspace))]
    case .enter: [.send(.keyPressed(.enter))]
    case .menu: [.send(.keyPressed(.menu))]
    }
}

/// A simulator card chosen in the QA panel: presented while the terminal waits for a card.
private func cardEffects(_ model: inout UIModel, _ key: Character) -> [UIEffect] {
    guard case .waitingForCard = model.snapshot.phase else { return [] }
    return [.presentCard(key: key, mode: model.entryMode)]
}

private func inputEffects(_ model: inout UIModel, _ key: InputKey) -> [UIEffect] {
    if model.snapshot.receiptOffer?.askingAddress == true { return addressEffects(&model, key) }
    if case .character(let c) = key {
        if c == "q" || c == "Q" { return [.quit] }
        if (c == "r" || c == "R"), model.snapshot.cardInSlot { return [.removeCard] }
        if c == "f" || c == "F" { return keyEffects(.menu) }
        if c == "m" || c == "M" {
            let modes = model.availableModes
            if let i = modes.firstIndex(of: model.entryMode), !modes.isEmpty {
                model.entryMode = modes[(i + 1) % modes.count]
            }
            return []
        }
    }
    switch (model.snapshot.phase, key) {
    case (_, .tab):
        let all = SidePanelChoice.allCases
        model.panel = all[(all.firstIndex(of: model.panel)! + 1) % all.count]
        return []
    case (.waitingForCard, .character(let c)) where model.cards.contains { $0.key == c }:
        return cardEffects(&model, c)
    case (_, .character(let c)):
        if let d = c.wholeNumberValue, c.isASCII { return keyEffects(.digit(d)) }
        return [.send(.keyPressed(.other(c)))]
    case (_, .backspace): return keyEffects(.clear)
    case (_, .enter): return keyEffects(.enter)
    case (_, .escape): return keyEffects(.cancel)
    }
}

/// The receipt's e-mail address typed on the keyboard: every character is text (q and f too), Backspace corrects,
/// Enter sends, Esc goes back to the choices. The engine judges the address.
private func addressEffects(_ model: inout UIModel, _ key: InputKey) -> [UIEffect] {
    switch key {
    case .character(let c):
        if model.address.count < 254, !c.isWhitespace { model.address.append(c) }
        return []
    case .backspace:
        if !model.address.isEmpty { model.address.removeLast() }
        return []
    case .enter:
        return [.send(.receiptChosen(.email(model.address)))]
    case .escape:
        model.address = ""
        return [.send(.keyPressed(.cancel))]
    case .tab:
        return []
    }
}
