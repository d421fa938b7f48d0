import CardReaders
import Foundation
import PaymentCore

/// The server-driven flow: the gateway gives this terminal (as a `terminal.reader`) an action — process a payment
/// intent, show a cart — which the point of sale may cancel, and a QA script may present a card for
/// (`present_payment_method`, with a tip). Every decision is here; the engine only fetches, posts and reads cards.
struct ServerFlow: Sendable, Equatable {
    /// The reader this terminal is on the gateway.
    var readerID: String?
    /// The action as last reported.
    var action: ReaderAction?
    /// The payment intent whose amount is being read.
    var fetching: String?
    /// The presented card has been taken for the current server sale.
    var cardTaken = false
    /// The tip being added to the intent.
    var pendingTip: Money?
    /// The sale's end is reported to the gateway (false once the point of sale cancelled the action).
    var reportOnFinish = false
    /// The payment intent a `refund_payment` refunds.
    var refundTarget: String?
}

extension ReaderAction.Kind {
    /// The payment intent the action is about.
    var paymentIntent: String? {
        switch self {
        case .processPaymentIntent(let intent), .refundPayment(let intent, _): intent
        case .setReaderDisplay, .unsupported: nil
        }
    }
}

extension TransactionStateMachine {
    mutating func readerActionChanged(_ action: ReaderAction?) -> [TransactionAction] {
        let previous = server.action
        server.action = action
        if let id = action?.readerID { server.readerID = id }
        guard let action, action.status == .inProgress else {
            return actionEnded(previous: previous, now: action)
        }
        let repeated = previous?.status == .inProgress && previous?.kind == action.kind
        switch action.kind {
        case .setReaderDisplay(let display):
            return repeated ? [] : showCart(display, reader: action.readerID)
        case .unsupported(let type):
            return repeated ? [] : [.reportActionResult(readerID: action.readerID,
                                                        .failed(code: "unsupported_action", message: "This terminal does not perform \(type) actions."))]
        case .processPaymentIntent(let intent), .refundPayment(let intent, _):
            let refund = if case .refundPayment = action.kind { true } else { false }
            if intent == serverIntent { return takePresentedCard() }
            if intent == server.fetching { return [] }
            guard isIdle else {
                let message = refund ? "A transaction is in progress on the terminal." : "A sale is already in progress on the terminal."
                return [.reportActionResult(readerID: action.readerID, .failed(code: "terminal_busy", message: message))]
            }
            if let battery, battery.refusesTransactions {
                return [.reportActionResult(readerID: action.readerID, .failed(code: "terminal_battery_low",
                                                                               message: "The terminal's battery is at \(battery.summary): charge it first."))]
            }
            if refund, !profile.enables(.refund) {
                return [.reportActionResult(readerID: action.readerID, .failed(code: "unsupported_action", message: "Refunds are not enabled on this terminal (\(profile.id))."))]
            }
            // The intent's amount and currency first (a refund's action gives its amount only).
            server.fetching = intent
            return [.fetchPaymentIntent(intent)]
        }
    }

    /// The action ended on the gateway while the terminal worked on it: the point of sale cancelled it.
    private mutating func actionEnded(previous: ReaderAction?, now current: ReaderAction?) -> [TransactionAction] {
        server.fetching = nil
        if case .setReaderDisplay? = previous?.kind, current?.failureCode == "canceled", cart != nil, canShowCart {
            cart = nil
            return []
        }
        guard serverIntent != nil else { return [] }
        server.reportOnFinish = false
        switch phase {
        case .waitingForCard:
            phase = .amountEntry(digits: "")
            serverIntent = nil
            server.pendingTip = nil
            server.refundTarget = nil
            resetKind()
            notice = "Cancelled by the point of sale"
            return []
        case .readingCard, .pinEntry:
            notice = "Cancelled by the point of sale"
            return [.cancelChip]
        case .selectingApplication(let amount, let mode, let stan, _):
            phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
            notice = "Cancelled by the point of sale"
            return [.answerApplication(nil)]
        case .authorizing, .amountEntry, .finished, .menu, .referenceEntry, .tipEntry, .processing, .batchReport, .settings:
            // An authorization already out is completed (or reversed) like any other; nothing is reported.
            return []
        }
    }

    private mutating func showCart(_ display: CartDisplay, reader: String) -> [TransactionAction] {
        guard canShowCart else {
            notice = "A card is being processed: the cart shows after the sale"
            return [.reportActionResult(readerID: reader, .failed(code: "terminal_busy", message: "A card is being processed: the cart shows after the sale."))]
        }
        cart = display
        if case .finished = phase { phase = .amountEntry(digits: "") }
        return [.reportActionResult(readerID: reader, .succeeded)]
    }

    mutating func paymentIntentFetched(_ id: String, amount: Money?, receiptEmail: String?) -> [TransactionAction] {
        guard id == server.fetching, let reader = server.readerID else { return [] }
        server.fetching = nil
        guard let amount else {
            return [.reportActionResult(readerID: reader, .failed(code: "intent_unavailable", message: "The terminal could not read \(id)."))]
        }
        let refund: Int64? = if case .refundPayment(id, let minor)? = server.action?.kind, server.action?.status == .inProgress { minor } else { nil }
        guard amount.currency == profile.currency else {
            notice = "The requested \(refund == nil ? "sale" : "refund") is in \(amount.currency.code), this terminal takes \(profile.currency.code)"
            return [.reportActionResult(readerID: reader, .failed(code: "currency_not_supported", message: notice!))]
        }
        guard isIdle else {
            return [.reportActionResult(readerID: reader, .failed(code: "terminal_busy", message: "A sale is already in progress on the terminal."))]
        }
        // The server's transaction starts from a plain sale state (nothing the keypad had started carries over).
        resetKind()
        serverIntent = id
        server.cardTaken = false
        server.pendingTip = nil
        server.reportOnFinish = true
        if let refund {
            kind = .refund
            server.refundTarget = id
            phase = .waitingForCard(amount: Money(minorUnits: refund, currency: amount.currency))
        } else {
            self.receiptEmail = receiptEmail
            phase = .waitingForCard(amount: amount)
        }
        return takePresentedCard()
    }

    /// The card a QA script presented for the current server sale, once: a tip first, then the card.
    private mutating func takePresentedCard() -> [TransactionAction] {
        guard let action = server.action, action.status == .inProgress, let intent = action.kind.paymentIntent,
              intent == serverIntent, !server.cardTaken, let pan = action.presentedCard,
              case .waitingForCard(let amount) = phase else { return [] }
        server.cardTaken = true
        if let minor = action.tipMinorUnits, minor > 0, kind == .sale {
            let tip = Money(minorUnits: minor, currency: amount.currency)
            server.pendingTip = tip
            return [.addTip(paymentIntent: intent, newAmount: Money(minorUnits: amount.minorUnits + minor, currency: amount.currency), tip: tip)]
        }
        return [.readPresentedCard(pan, preferredMode: preferredMode(for: amount))]
    }

    mutating func tipApplied(_ intent: String, failure: String?) -> [TransactionAction] {
        guard intent == serverIntent, let tip = server.pendingTip, case .waitingForCard(let amount) = phase,
              let pan = server.action?.presentedCard else { return [] }
        server.pendingTip = nil
        if let failure {
            return abandonServerSale(code: "intent_invalid", message: "The tip could not be added: \(failure)")
        }
        let total = Money(minorUnits: amount.minorUnits + tip.minorUnits, currency: amount.currency)
        phase = .waitingForCard(amount: total)
        notice = "Tip \(tip.formatted(withCode: true)) added"
        return [.readPresentedCard(pan, preferredMode: preferredMode(for: total))]
    }

    mutating func presentedCardRead(_ card: CardPresentation?, now: Date) -> [TransactionAction] {
        guard serverIntent != nil, server.cardTaken, case .waitingForCard(let amount) = phase else { return [] }
        guard let card else { return abandonServerSale(code: "card_read_error", message: "The presented card could not be read.") }
        let actions = present(card, amount: amount)
        if case .waitingForCard = phase {
            // This terminal refused the card (interface, limit): the sale does not go on.
            return abandonServerSale(code: "card_read_error", message: notice ?? "The presented card could not be read.")
        }
        return actions
    }

    /// The Cancel key while a server sale waits for its card: reported to the point of sale.
    mutating func cancelServerSale(code: String, message: String) -> [TransactionAction] {
        guard serverIntent != nil else { return [] }
        let keep = notice
        let actions = abandonServerSale(code: code, message: message)
        notice = keep
        return actions
    }

    /// Gives up the server sale before any card was read, and reports why.
    private mutating func abandonServerSale(code: String, message: String) -> [TransactionAction] {
        let report = server.reportOnFinish
        phase = .amountEntry(digits: "")
        serverIntent = nil
        server.refundTarget = nil
        resetKind()
        server.pendingTip = nil
        server.reportOnFinish = false
        notice = message
        guard report, let reader = server.readerID else { return [] }
        return [.reportActionResult(readerID: reader, .failed(code: code, message: message))]
    }

    /// The result of a server sale, for the gateway.
    mutating func serverSaleFinished(_ outcome: AuthorizationResult) -> [TransactionAction] {
        guard serverIntent != nil else { return [] }
        serverIntent = nil
        let report = server.reportOnFinish
        server.reportOnFinish = false
        server.pendingTip = nil
        let refund = server.refundTarget != nil
        server.refundTarget = nil
        guard report, let reader = server.readerID else { return [] }
        switch outcome {
        case .approved(let id, _):
            return [.reportActionResult(readerID: reader, refund ? .refunded(id) : .succeeded)]
        case .declined(let code, let message, _):
            return [.reportActionResult(readerID: reader, .failed(code: code.stripeErrorCode == "card_declined" ? "card_declined" : code.stripeErrorCode, message: message))]
        case .failed(let failure):
            return [.reportActionResult(readerID: reader, .failed(code: "processing_error", message: "\(failure)"))]
        case .approvedOffline:
            // Server-driven sales always go online (their intent is on the gateway already); never reached.
            return [.reportActionResult(readerID: reader, .failed(code: "processing_error", message: "stored offline"))]
        }
    }

    /// Tapped when the amount allows contactless, else inserted, else swiped.
    func preferredMode(for amount: Money) -> EntryMode {
        if profile.interfaces.contains(.contactless), amount.minorUnits <= profile.limits.contactlessTransactionLimit.minorUnits { return .contactless }
        return profile.interfaces.contains(.contact) ? .contact : .magstripe
    }

    /// Nothing started: a new sale may begin (not while the keypad prepares a refund, a pre-authorization or a
    /// completion).
    var isIdle: Bool {
        switch phase {
        case .amountEntry: !transactionInProgress && followUp == nil && kind == .sale && reference == nil
        case .finished, .batchReport: !transactionInProgress && followUp == nil
        default: false
        }
    }

    /// No card is being read: the screen may show a cart (also while a sale waits for its card).
    var canShowCart: Bool {
        switch phase {
        case .amountEntry, .finished, .waitingForCard, .batchReport: !transactionInProgress
        default: false
        }
    }
}
