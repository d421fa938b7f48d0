import PaymentCore

/// What the requests on a payment intent ask, parsed and checked (Routes/PaymentIntentForm.swift parses them from
/// the form): the lifecycle's input. `T??` fields are absent (`nil`), or set — to `.some(nil)` when sent empty, to
/// clear them.

/// The writable fields of a create or an update.
struct IntentChanges: Sendable {
    var amount: Int64?
    var currency: Currency?
    var captureMethod: CaptureMethod?
    var confirmationMethod: ConfirmationMethod?
    var description: String??
    var statementDescriptor: String??
    var receiptEmail: String??
    var customer: String??
    var setupFutureUsage: SetupFutureUsage??
    var metadata: [String: String]?
    /// `metadata` was sent empty: every key goes.
    var clearsMetadata = false
    var paymentMethodTypes: [String]?
    var tip: Int64?
    /// `payment_method_options[card_present][request_incremental_authorization_support]`.
    var incrementalAuthorization: Bool?
    /// The card the request carries or names.
    var card: CardSource?

    /// Whether the change touches the payment itself (not only its description), which only an intent that has not
    /// been paid may take.
    var changesPayment: Bool {
        amount != nil || currency != nil || captureMethod != nil || tip != nil || customer != nil || paymentMethodTypes != nil
            || card != nil || setupFutureUsage != nil || incrementalAuthorization != nil
    }
}

/// A create: its fields, and whether to confirm at once.
struct IntentCreation: Sendable {
    var amount: Int64
    var currency: Currency
    var changes: IntentChanges
    var confirm: Bool
    var options: ConfirmOptions
}

/// How a confirmation runs: whether the customer is there (3-D Secure possible), where to send them back, and the
/// mandate a SEPA debit is made under.
struct ConfirmOptions: Sendable {
    var offSession = false
    var returnURL: String?
    /// `mandate_data[customer_acceptance]`: the account holder accepts a new mandate with this payment.
    var mandateAcceptance: MandateAcceptance?
    /// `mandate`: an existing mandate to debit under.
    var mandate: String?
    /// `payment_method_options[customer_balance]`: how a customer_balance payment is funded.
    var bankTransfer: BankTransferRequest?
}

/// How the account holder accepted a SEPA mandate: online (the shop records their IP address and browser) or
/// offline (a signed form).
struct MandateAcceptance: Sendable, Equatable {
    typealias Kind = MandateAcceptanceType

    var kind: Kind
    /// When they accepted (Unix seconds); the confirmation's time when not given.
    var acceptedAt: Int64?
    var ipAddress: String?
    var userAgent: String?
}

/// A confirm: the card (if another than the intent's) and the fields a confirmation may set.
struct IntentConfirmation: Sendable {
    var options = ConfirmOptions()
    var card: CardSource?
    var captureMethod: CaptureMethod?
    /// nil: unchanged; `.some(nil)`: cleared.
    var receiptEmail: String??
    var setupFutureUsage: SetupFutureUsage??
    var incrementalAuthorization: Bool?
}

/// A capture: how much (all that is capturable by default).
struct IntentCapture: Sendable {
    var amount: Int64?
    var metadata: [String: String]?
    var statementDescriptor: String?
}

/// An incremental authorization: the new total.
struct AuthorizationIncrement: Sendable {
    var total: Int64
    var description: String??
    var statementDescriptor: String??
    var metadata: [String: String]?
}
