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
