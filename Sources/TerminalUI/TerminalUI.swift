import CardReaders
import PaymentCore
import TerminalEngine
import Foundation

/// A key as the screen layer reads it.
public enum InputKey: Sendable, Equatable {
    case character(Character)
    case backspace
    case enter
    case escape
}

/// A message into the UI: every key, engine snapshot and resize.
public enum UIMessage: Sendable, Equatable {
    case key(InputKey)
    case snapshot(TerminalSnapshot)
    case resized(ScreenSize)
}

/// What the UI asks the outside world to do.
public enum UIEffect: Sendable, Equatable {
    case send(TransactionEvent)
    /// Present the simulator card with this key in this mode.
    case presentCard(key: Character, mode: EntryMode)
    case quit
}

/// One card in the simulator panel.
public struct SimulatorCardItem: Sendable, Equatable {
    public var key: Character
    public var label: String
    public var expectation: String

    public init(_ card: TestCard) {
        key = card.simulatorKey ?? "?"
        label = "\(card.brand == .amex ? "Amex" : card.brand.displayName) \(card.last4)"
        switch card.outcome {
        case .approved: expectation = card.cvm == nil ? "approves" : "approves (\(card.cvm!.replacingOccurrences(of: "_", with: " ")))"
        case .declined(let code), .chargeFailsAfterAttach(let code): expectation = code.rawValue.replacingOccurrences(of: "_", with: " ")
        case .incorrectNumber: expectation = "incorrect number"
        case .requiresAction: expectation = "3-D Secure (online only)"
        }
    }
}

/// The UI model: the engine's last snapshot plus what only the screen knows.
public struct UIModel: Sendable, Equatable {
    public var snapshot: TerminalSnapshot
    public var size: ScreenSize
    public var entryMode: EntryMode
    public var cards: [SimulatorCardItem]

    public init(snapshot: TerminalSnapshot, size: ScreenSize, cards: [TestCard] = TestCardCatalog.standard.simulatorCards) {
        self.snapshot = snapshot
        self.size = size
        self.cards = cards.map(SimulatorCardItem.init)
        let interfaces = snapshot.profile.interfaces
        entryMode = interfaces.contains(.contactless) ? .contactless : interfaces.contains(.contact) ? .contact : .magstripe
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
}

/// The Elm-style update: a message in, the new model and effects out. Pure.
public func update(_ model: inout UIModel, _ message: UIMessage) -> [UIEffect] {
    switch message {
    case .snapshot(let s):
        model.snapshot = s
        return []
    case .resized(let size):
        model.size = size
        return []
    case .key(let key):
        return keyEffects(&model, key)
    }
}

private func keyEffects(_ model: inout UIModel, _ key: InputKey) -> [UIEffect] {
    if case .character(let c) = key {
        if c == "q" || c == "Q" { return [.quit] }
        if c == "f" || c == "F" { return [.send(.keyPressed(.menu))] }
        if c == "m" || c == "M" {
            let modes = model.availableModes
            if let i = modes.firstIndex(of: model.entryMode), !modes.isEmpty {
                model.entryMode = modes[(i + 1) % modes.count]
            }
            return []
        }
    }
    switch (model.snapshot.phase, key) {
    case (.waitingForCard, .character(let c)) where model.cards.contains { $0.key == c }:
        return [.presentCard(key: c, mode: model.entryMode)]
    case (_, .character(let c)):
        if let d = c.wholeNumberValue, c.isASCII { return [.send(.keyPressed(.digit(d)))] }
        return [.send(.keyPressed(.other(c)))]
    case (_, .backspace): return [.send(.keyPressed(.backspace))]
    case (_, .enter): return [.send(.keyPressed(.enter))]
    case (_, .escape): return [.send(.keyPressed(.cancel))]
    }
}
