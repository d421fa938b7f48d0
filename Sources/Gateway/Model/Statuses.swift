import PaymentCore

/// The closed sets of values the records hold: statuses and modes, with Stripe's spellings as raw values (stored in
/// the rows and sent on the wire as they are).

/// A value stored as its text in one column (see `RowEncoder`); decoded through `Codable` as its raw value.
protocol TextColumn: Codable, Sendable {
    var columnText: String { get }
}

extension TextColumn where Self: RawRepresentable, RawValue == String {
    var columnText: String { rawValue }
}

/// Where a payment intent is in its lifecycle (`PaymentIntentLifecycle`).
public enum PaymentIntentStatus: String, TextColumn, CaseIterable {
    case requiresPaymentMethod = "requires_payment_method"
    case requiresConfirmation = "requires_confirmation"
    case requiresAction = "requires_action"
    case processing
    case requiresCapture = "requires_capture"
    case canceled
    case succeeded

    /// The statuses whose payment details may still change (update, confirm).
    static let mutable: [PaymentIntentStatus] = [.requiresPaymentMethod, .requiresConfirmation, .requiresAction]
    static let cancelable: [PaymentIntentStatus] = [.requiresPaymentMethod, .requiresCapture, .requiresConfirmation, .requiresAction, .processing]
}

/// `capture_method`: capture at once, or hold the authorization until a capture (`manual`).
public enum CaptureMethod: String, TextColumn, CaseIterable {
    case automatic
    case automaticAsync = "automatic_async"
    case manual
}

/// `confirmation_method`.
public enum ConfirmationMethod: String, TextColumn, CaseIterable {
    case automatic
    case manual
}

/// `setup_future_usage`: the card is kept on the customer for later payments, with them present or not.
public enum SetupFutureUsage: String, TextColumn, CaseIterable {
    case onSession = "on_session"
    case offSession = "off_session"
}

/// A charge's outcome.
public enum ChargeStatus: String, TextColumn, CaseIterable {
    case succeeded
    case pending
    case failed
}

/// A refund's status.
public enum RefundStatus: String, TextColumn, CaseIterable {
    case pending
    case requiresAction = "requires_action"
    case succeeded
    case failed
    case canceled
}

/// `cancellation_reason` of a payment intent canceled through the API.
public enum CancellationReason: String, TextColumn, CaseIterable {
    case duplicate
    case fraudulent
    case requestedByCustomer = "requested_by_customer"
    case abandoned
}

/// A recurring price's `recurring[interval]`.
public enum RecurringInterval: String, TextColumn, CaseIterable {
    case day, week, month, year

    /// Stripe's ceiling on a billing period: one year (`interval_count` up to 365 days, 52 weeks, 12 months, 1 year).
    var maxCount: Int64 {
        switch self {
        case .day: 365
        case .week: 52
        case .month: 12
        case .year: 1
        }
    }
}

/// Where a subscription is (`SubscriptionLifecycle`).
public enum SubscriptionStatus: String, TextColumn, CaseIterable {
    /// The first invoice is not paid yet (declined, or waiting for 3-D Secure or a debit).
    case incomplete
    /// The first invoice was not paid within 23 hours: the subscription never started.
    case incompleteExpired = "incomplete_expired"
    case trialing
    case active
    /// A renewal invoice is not paid; its payment is retried.
    case pastDue = "past_due"
    case canceled

    /// The statuses that still bill.
    static let live: [SubscriptionStatus] = [.incomplete, .trialing, .active, .pastDue]
}

/// An invoice's status.
public enum InvoiceStatus: String, TextColumn, CaseIterable {
    case draft, open, paid, void
}

/// Why an invoice was made.
public enum BillingReason: String, TextColumn, CaseIterable {
    case subscriptionCreate = "subscription_create"
    case subscriptionCycle = "subscription_cycle"
}

/// A test clock's status: `advancing` while the subscriptions on it catch up with its new time.
public enum TestClockStatus: String, TextColumn, CaseIterable {
    case ready, advancing
}

/// A SEPA mandate's status: `inactive` once its payment method is detached.
public enum MandateStatus: String, TextColumn, CaseIterable {
    case active, inactive
}

/// A SEPA debit waiting for its bank (`pending`) or answered.
public enum BankDebitStatus: String, TextColumn, CaseIterable {
    case pending, answered
}

/// A dispute's status (SEPA disputes are `lost` at once: they cannot be contested).
public enum DisputeStatus: String, TextColumn, CaseIterable {
    case warningNeedsResponse = "warning_needs_response"
    case warningUnderReview = "warning_under_review"
    case warningClosed = "warning_closed"
    case needsResponse = "needs_response"
    case underReview = "under_review"
    case won, lost
}

/// A payment intent waiting for a bank transfer: `open` until funded in full or canceled.
public enum BankTransferStatus: String, TextColumn, CaseIterable {
    case open, funded, canceled
}

/// A payout's status (the daily settlement pays at once).
public enum PayoutStatus: String, TextColumn, CaseIterable {
    case pending
    case inTransit = "in_transit"
    case paid, failed, canceled
}

/// What moved a customer's cash balance (Stripe's `customer_cash_balance_transaction.type`).
public enum CashBalanceTransactionType: String, TextColumn, CaseIterable {
    case funded
    case appliedToPayment = "applied_to_payment"
    case unappliedFromPayment = "unapplied_from_payment"
}

/// How the account holder accepted a SEPA mandate: online (the shop records their IP address and browser) or offline.
public enum MandateAcceptanceType: String, TextColumn, CaseIterable {
    case online, offline
}

/// A phone wallet, stored as Stripe's `card.wallet.type`.
extension CardWallet.Kind: TextColumn, Codable {}
