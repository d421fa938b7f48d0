import CardReaders
import EMV
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

/// Which PIN the PIN pad asks for.
public enum PINPrompt: Sendable, Equatable {
    /// Checked by the issuer.
    case online
    /// Checked by the card; tries left when the card told.
    case offline(triesLeft: Int?)
}

/// A chip transaction the engine runs through the EMV kernel.
public struct ChipTransaction: Sendable, Equatable {
    public var amount: Money
    public var card: CardPresentation
    public var chip: ChipCard
    public var terminalID: String
    public var stan: UInt32
    /// The payment intent a server-driven sale confirms.
    public var paymentIntent: String?
}

/// How a chip transaction ended, as the engine reports it.
public struct ChipCompletion: Sendable, Equatable {
    /// The card as read (nil when the dialogue ended before the card's number was read).
    public var card: CardSummary?
    public var outcome: AuthorizationResult
    /// What the receipt shows of the dialogue.
    public var emv: EMVReceiptData?

    public init(card: CardSummary?, outcome: AuthorizationResult, emv: EMVReceiptData?) {
        self.card = card
        self.outcome = outcome
        self.emv = emv
    }
}

/// The EMV lines of a receipt.
public struct EMVReceiptData: Sendable, Equatable {
    public var applicationLabel: String?
    public var aid: String?
    public var tvr: String
    public var tsi: String
    public var arc: String?
    public var cryptogram: String?
    public var verification: CardholderVerification

    public init(applicationLabel: String?, aid: String?, tvr: String, tsi: String, arc: String?, cryptogram: String?, verification: CardholderVerification) {
        self.applicationLabel = applicationLabel
        self.aid = aid
        self.tvr = tvr
        self.tsi = tsi
        self.arc = arc
        self.cryptogram = cryptogram
        self.verification = verification
    }
}

/// A cart the point of sale shows on the terminal's screen (`set_reader_display`).
public struct CartDisplay: Sendable, Equatable {
    public struct LineItem: Sendable, Equatable {
        public var description: String
        public var quantity: Int
        /// The line's amount (unit price × quantity, as the point of sale computed it).
        public var amount: Money

        public init(description: String, quantity: Int, amount: Money) {
            self.description = description
            self.quantity = quantity
            self.amount = amount
        }
    }

    public var lineItems: [LineItem]
    public var tax: Money?
    public var total: Money

    public init(lineItems: [LineItem], tax: Money?, total: Money) {
        self.lineItems = lineItems
        self.tax = tax
        self.total = total
    }
}

/// Something that happened to the terminal.
public enum TransactionEvent: Sendable, Equatable {
    case keyPressed(TerminalKey)
    case cardPresented(CardPresentation)
    case cardRemoved
    /// A swiped card's authorization answered.
    case authorizationCompleted(AuthorizationResult)
    case readerFailed(String)
    /// The gateway asked this terminal (as a reader) to take a card for an existing payment intent.
    case serverSale(amount: Money, paymentIntent: String)
    /// The kernel asks for a PIN.
    case pinRequested(PINPrompt)
    /// The kernel read the card and goes online.
    case chipWentOnline(CardSummary)
    /// The chip transaction ended.
    case chipCompleted(ChipCompletion)
    /// A tip chosen before the card is presented (server-driven: `present_payment_method` with `amount_tip`).
    case tipAdded(Money)
    /// The point of sale shows a cart (`set_reader_display`), or takes it away (nil).
    case showCart(CartDisplay?)
}

/// Something the engine must do.
public enum TransactionAction: Sendable, Equatable {
    /// Persist the next STAN before the request leaves, so a crash never reuses one.
    case persistSTAN(next: UInt32)
    case requestAuthorization(AuthorizationRequest)
    /// Run the EMV dialogue with the card.
    case startChip(ChipTransaction)
    /// Answer the kernel's PIN request: the PIN, or nil when the cardholder bypasses PIN entry.
    case answerPIN(PINEntry?)
    /// Stop the chip dialogue (cancel key).
    case cancelChip
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
    /// The EMV dialogue with the card runs (before it goes online).
    case readingCard(amount: Money, entryMode: EntryMode, stan: UInt32)
    /// The PIN pad is up; `digits` counts what is typed (the digits themselves are never in a snapshot).
    case pinEntry(amount: Money, entryMode: EntryMode, stan: UInt32, prompt: PINPrompt, digits: Int)
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
    /// The PIN being typed: held only until Enter hands it to the kernel.
    private var pinDigits: [Int] = []
    /// The card of the chip transaction in progress, once the kernel has read it.
    private var chipCard: CardSummary?
    /// The cart on screen, until the next sale ends or the point of sale clears it.
    public private(set) var cart: CartDisplay?

    public init(profile: FirmwareProfile, terminalID: String, nextSTAN: UInt32) {
        self.profile = profile
        self.terminalID = terminalID
        self.nextSTAN = max(1, nextSTAN)
    }

    public mutating func handle(_ event: TransactionEvent, now: Date) -> [TransactionAction] {
        notice = nil
        if case .showCart(let cart) = event {
            switch phase {
            case .amountEntry, .waitingForCard, .finished:
                self.cart = cart
                if case .finished = phase, cart != nil { phase = .amountEntry(digits: "") }
            default:
                notice = "A card is being processed: the cart shows after the sale"
            }
            return []
        }
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
        case (.waitingForCard(let amount), .tipAdded(let tip)):
            guard tip.currency == amount.currency, tip.minorUnits > 0 else {
                notice = "A tip must be a positive amount in \(amount.currency.code)"
                return []
            }
            phase = .waitingForCard(amount: Money(minorUnits: amount.minorUnits + tip.minorUnits, currency: amount.currency))
            notice = "Tip \(tip.formatted(withCode: true)) added"
            return []

        // The chip dialogue.
        case (.readingCard(let amount, let mode, let stan), .pinRequested(let prompt)):
            pinDigits = []
            phase = .pinEntry(amount: amount, entryMode: mode, stan: stan, prompt: prompt, digits: 0)
            return []
        case (.pinEntry(let amount, let mode, let stan, let prompt, _), .keyPressed(let key)):
            return handlePINKey(key, amount: amount, mode: mode, stan: stan, prompt: prompt)
        case (.readingCard(let amount, _, let stan), .chipWentOnline(let card)), (.pinEntry(let amount, _, let stan, _, _), .chipWentOnline(let card)):
            chipCard = card
            phase = .authorizing(amount: amount, card: card, stan: stan)
            return []
        case (.readingCard, .keyPressed(.cancel)), (.authorizing, .keyPressed(.cancel)) where chipCard != nil || isReading:
            notice = "Cancelling…"
            return [.cancelChip]
        case (.readingCard(let amount, let mode, let stan), .chipCompleted(let completion)),
             (.pinEntry(let amount, let mode, let stan, _, _), .chipCompleted(let completion)):
            return finish(amount: amount, card: completion.card ?? chipCard ?? CardSummary(brand: .unknown, last4: "????", entryMode: mode),
                          stan: stan, outcome: completion.outcome, emv: completion.emv, now: now)
        case (.authorizing(let amount, let card, let stan), .chipCompleted(let completion)):
            return finish(amount: amount, card: completion.card ?? card, stan: stan, outcome: completion.outcome, emv: completion.emv, now: now)
        case (.readingCard, .keyPressed), (.readingCard, .cardPresented):
            notice = "Please wait: reading the card"
            return []

        // A swipe.
        case (.authorizing(let amount, let card, let stan), .authorizationCompleted(let outcome)):
            return finish(amount: amount, card: card, stan: stan, outcome: outcome, emv: nil, now: now)
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
        case (.authorizing, .cardPresented), (.pinEntry, .cardPresented):
            notice = "Please wait: a card is being processed"
            return []
        case (_, .cardRemoved), (_, .authorizationCompleted), (_, .keyPressed), (_, .pinRequested), (_, .chipWentOnline), (_, .chipCompleted), (_, .tipAdded), (_, .showCart):
            return []
        }
    }

    private var isReading: Bool {
        if case .readingCard = phase { true } else { false }
    }

    private mutating func finish(amount: Money, card: CardSummary, stan: UInt32, outcome: AuthorizationResult, emv: EMVReceiptData?, now: Date) -> [TransactionAction] {
        let receipt = ReceiptFormatter(profile: profile, terminalID: terminalID)
            .customerReceipt(amount: amount, card: card, stan: stan, outcome: outcome, emv: emv, date: now)
        phase = .finished(TransactionResult(amount: amount, card: card, stan: stan, outcome: outcome, date: now, receipt: receipt))
        serverIntent = nil
        chipCard = nil
        pinDigits = []
        cart = nil
        return profile.printerColumns == nil ? [] : [.printReceipt(receipt)]
    }

    private mutating func handlePINKey(_ key: TerminalKey, amount: Money, mode: EntryMode, stan: UInt32, prompt: PINPrompt) -> [TransactionAction] {
        func show() { phase = .pinEntry(amount: amount, entryMode: mode, stan: stan, prompt: prompt, digits: pinDigits.count) }
        switch key {
        case .digit(let d):
            guard (0...9).contains(d) else { return [] }
            guard pinDigits.count < 12 else { notice = "A PIN has at most 12 digits"; return [] }
            pinDigits.append(d)
            show()
            return []
        case .backspace:
            pinDigits = pinDigits.dropLast()
            show()
            return []
        case .enter:
            if pinDigits.isEmpty {
                // Enter on an empty PIN pad bypasses PIN entry (EMV allows it; the card's rules decide what follows).
                phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
                return [.answerPIN(nil)]
            }
            guard pinDigits.count >= 4, let pin = try? PINEntry(pinDigits.map(String.init).joined()) else {
                notice = "A PIN has 4 to 12 digits"
                return []
            }
            pinDigits = []
            phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
            return [.answerPIN(pin)]
        case .cancel:
            pinDigits = []
            phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
            notice = "Cancelling…"
            return [.cancelChip]
        case .other:
            notice = "Type the PIN with 0-9, then Enter"
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
        switch card.medium {
        case .chip(let chip):
            chipCard = nil
            phase = .readingCard(amount: amount, entryMode: card.entryMode, stan: stan)
            return [
                .persistSTAN(next: nextSTAN),
                .startChip(ChipTransaction(amount: amount, card: card, chip: chip, terminalID: terminalID, stan: stan, paymentIntent: serverIntent)),
            ]
        case .magstripe(let track):
            if track.serviceCode.isChipCard, profile.interfaces.contains(.contact) {
                // A chip card swiped at a chip terminal goes through as a fallback; the gateway is told so.
                notice = "Chip card swiped: processed as magnetic stripe fallback"
            }
            let summary = CardSummary(pan: track.pan, entryMode: .magstripe)
            phase = .authorizing(amount: amount, card: summary, stan: stan)
            return [
                .persistSTAN(next: nextSTAN),
                .requestAuthorization(AuthorizationRequest(amount: amount, entryMode: .magstripe, card: .magstripe(track),
                                                           terminalID: terminalID, stan: stan, paymentIntent: serverIntent)),
            ]
        }
    }
}
