import Foundation

/// Where a SetupIntent is in its lifecycle (`SetupIntentLifecycle`).
public enum SetupIntentStatus: String, TextColumn, CaseIterable {
    case requiresPaymentMethod = "requires_payment_method"
    case requiresConfirmation = "requires_confirmation"
    case requiresAction = "requires_action"
    case processing
    case canceled
    case succeeded

    /// The statuses in which a SetupIntent may be updated, confirmed or canceled.
    static let open: [SetupIntentStatus] = [.requiresPaymentMethod, .requiresConfirmation, .requiresAction]
}

/// A SetupIntent as stored: a card saved for later payments, checked with its issuer (and 3-D Secure when the card
/// asks for it) without a charge.
public struct SetupIntentRecord: Sendable, Codable, Equatable {
    public var id: String
    public var status: SetupIntentStatus
    public var clientSecret: String
    public var customer: String?
    public var paymentMethod: String?
    public var paymentMethodTypes: String
    /// `off_session` (the default) or `on_session`: how the saved card will be used.
    public var usage: SetupFutureUsage
    public var description: String?
    public var metadata: String
    public var cancellationReason: CancellationReason?
    /// The rendered `last_setup_error` after a decline or a failed authentication.
    public var lastSetupError: String?
    /// The rendered `next_action` while in `requires_action`.
    public var nextAction: String?
    public var returnUrl: String?
    public var created: Int64
    /// The SEPA mandate a bank account was set up under.
    public var mandate: String? = nil
}

extension SetupIntentRecord: StoredRecord {
    public static let table = "setup_intents"
    public static let objectName = "setup_intent"
}
