import CardReaders
import Foundation
import PaymentCore

/// A key on the terminal's keypad.
public enum TerminalKey: Sendable, Equatable {
    case digit(Int)
    case backspace
    case enter
    case cancel
    /// A key the terminal has no use for (shown as a hint, never an error).
    case other(Character)
}

/// Something that happened to the terminal.
public enum TransactionEvent: Sendable, Equatable {
    case keyPressed(TerminalKey)
    case cardPresented(CardPresentation)
    case cardRemoved
    case authorizationCompleted(AuthorizationResult)
    case readerFailed(String)
    /// The gateway asked this terminal (as a reader) to take a card for an existing payment intent.
    case serverSale(amount: Money, paymentIntent: String)
}

/// Something the engine must do.
public enum TransactionAction: Sendable, Equatable {
    /// Persist the next STAN before the request leaves, so a crash never reuses one.
    case persistSTAN(next: UInt32)
    case requestAuthorization(AuthorizationRequest)
    case printReceipt(Receipt)
}

/// A finished transaction.
public struct TransactionResult: Sendable, Equatable {
    public var amount: Money
    public var card: CardSummary
    public var stan: UInt32
    public var outcome: AuthorizationResult
    public var date: Date
    public var receipt: Receipt
}

/// Where the sale is.
public enum TransactionPhase: Sendable, Equatable {
    case amountEntry(digits: String)
    case waitingForCard(amount: Money)
    case authorizing(amount: Money, card: CardSummary, stan: UInt32)
    case finished(TransactionResult)
}

/// The sale, as a pure state machine: events in, actions out. No I/O, no clock of its own.
public struct TransactionStateMachine: Sendable, Equatable {
    public let profile: FirmwareProfile
    public let terminalID: String
    public private(set) var phase: TransactionPhase = .amountEntry(digits: "")
    /// A one-line message for the user (a refused key, a refused card); cleared by the next accepted event.
    public private(set) var notice: String?
    public private(set) var nextSTAN: UInt32
    /// The payment intent a server-driven sale confirms (nil for a sale keyed in at the terminal).
    public private(set) var serverIntent: String?

    public init(profile: FirmwareProfile, terminalID: String, nextSTAN: UInt32) {
        self.profile = profile
        self.terminalID = terminalID
        self.nextSTAN = max(1, nextSTAN)
    }

    public mutating func handle(_ event: TransactionEvent, now: Date) -> [TransactionAction] {
        notice = nil
        switch (phase, event) {
        case (.amountEntry(let digits), .keyPressed(let key)):
            handleAmountKey(key, digits: digits)
            return []
        case (.amountEntry, .serverSale(let amount, let intent)), (.finished, .serverSale(let amount, let intent)):
            guard amount.currency == profile.currency else {
                notice = "The requested sale is in \(amount.currency.code), this terminal takes \(profile.currency.code)"
                return []
            }
            serverIntent = intent
            phase = .waitingForCard(amount: amount)
            return []
        case (_, .serverSale):
            notice = "A sale is already in progress"
            return []
        case (.waitingForCard, .keyPressed(.cancel)), (.waitingForCard, .keyPressed(.backspace)):
            phase = .amountEntry(digits: "")
            serverIntent = nil
            notice = "Sale cancelled"
            return []
        case (.waitingForCard(let amount), .cardPresented(let card)):
            return present(card, amount: amount)
        case (.authorizing(let amount, let card, let stan), .authorizationCompleted(let outcome)):
            let receipt = ReceiptFormatter(profile: profile, terminalID: terminalID)
                .customerReceipt(amount: amount, card: card, stan: stan, outcome: outcome, date: now)
            phase = .finished(TransactionResult(amount: amount, card: card, stan: stan, outcome: outcome, date: now, receipt: receipt))
            serverIntent = nil
            return profile.printerColumns == nil ? [] : [.printReceipt(receipt)]
        case (.authorizing, .keyPressed):
            notice = "Please wait: authorizing"
            return []
        case (.finished, .keyPressed(.enter)), (.finished, .keyPressed(.cancel)):
            phase = .amountEntry(digits: "")
            return []
        case (.finished, .keyPressed(.digit(let d))):
            phase = .amountEntry(digits: "")
            handleAmountKey(.digit(d), digits: "")
            return []
        case (_, .readerFailed(let message)):
            notice = "Reader: \(message)"
            return []
        case (.amountEntry, .cardPresented), (.finished, .cardPresented):
            notice = "Enter the amount first, then present the card"
            return []
        case (.authorizing, .cardPresented):
            notice = "Please wait: authorizing"
            return []
        case (_, .cardRemoved), (_, .authorizationCompleted), (_, .keyPressed):
            return []
        }
    }

    private mutating func handleAmountKey(_ key: TerminalKey, digits: String) {
        let currency = profile.currency
        switch key {
        case .digit(let d):
            guard (0...9).contains(d) else { return }
            if digits.isEmpty && d == 0 { phase = .amountEntry(digits: ""); return }
            let candidate = digits + String(d)
            guard let money = try? Money.fromDigits(candidate, currency: currency),
                  money.minorUnits <= profile.limits.maxAmount.minorUnits else {
                notice = "Maximum amount is \(profile.limits.maxAmount.formatted(withCode: true))"
                return
            }
            phase = .amountEntry(digits: candidate)
        case .backspace:
            phase = .amountEntry(digits: String(digits.dropLast()))
        case .cancel:
            phase = .amountEntry(digits: "")
        case .enter:
            guard !digits.isEmpty, let money = try? Money.fromDigits(digits, currency: currency), money.minorUnits > 0 else {
                notice = "Enter an amount first"
                return
            }
            phase = .waitingForCard(amount: money)
        case .other(let c):
            notice = "Key '\(c)' is not used here: type the amount with 0-9"
        }
    }

    private mutating func present(_ card: CardPresentation, amount: Money) -> [TransactionAction] {
        let interface: FirmwareProfile.CardInterface = switch card.entryMode {
        case .contactless: .contactless
        case .contact: .contact
        case .magstripe: .magstripe
        }
        guard profile.interfaces.contains(interface) else {
            notice = "This terminal does not accept \(card.entryMode.verb.lowercased()) cards"
            return []
        }
        if card.entryMode == .contactless, amount.minorUnits > profile.limits.contactlessTransactionLimit.minorUnits {
            notice = "Over the contactless limit: insert the card"
            return []
        }
        let stan = nextSTAN
        nextSTAN = stan >= 999_999 ? 1 : stan + 1
        phase = .authorizing(amount: amount, card: CardSummary(card), stan: stan)
        return [
            .persistSTAN(next: nextSTAN),
            .requestAuthorization(AuthorizationRequest(amount: amount, card: card, terminalID: terminalID, stan: stan, paymentIntent: serverIntent)),
        ]
    }
}
