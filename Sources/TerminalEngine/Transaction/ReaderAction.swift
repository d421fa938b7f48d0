import PaymentCore

/// The action the gateway gives this terminal as a `terminal.reader` (the server-driven flow), as the long poll
/// reports it: what to do, how far it got, and the card a QA script presented (`present_payment_method`).
public struct ReaderAction: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Take a card for this payment intent.
        case processPaymentIntent(paymentIntent: String)
        /// Refund this payment intent's charge (by `amount` minor units) to the card presented.
        case refundPayment(paymentIntent: String, amount: Int64)
        /// Show the point of sale's cart.
        case setReaderDisplay(CartDisplay)
        /// An action this terminal does not perform (named by its type).
        case unsupported(String)
    }

    public enum Status: String, Sendable, Equatable {
        case inProgress = "in_progress", succeeded, failed
    }

    /// The reader the action belongs to.
    public var readerID: String
    public var kind: Kind
    public var status: Status
    /// Set when the action failed (`canceled` when the point of sale cancelled it).
    public var failureCode: String?
    /// The tip chosen "on the reader" (`present_payment_method` with `amount_tip`), in the intent's minor units.
    public var tipMinorUnits: Int64?
    /// The card number a test helper presented; a test card, masked when printed.
    public var presentedCard: PAN?

    public init(readerID: String, kind: Kind, status: Status, failureCode: String? = nil, tipMinorUnits: Int64? = nil, presentedCard: PAN? = nil) {
        self.readerID = readerID
        self.kind = kind
        self.status = status
        self.failureCode = failureCode
        self.tipMinorUnits = tipMinorUnits
        self.presentedCard = presentedCard
    }
}

/// How the terminal reports the end of its reader action.
public enum ReaderActionResult: Sendable, Equatable {
    case succeeded
    /// A `refund_payment` succeeded with this refund.
    case refunded(String)
    /// A Stripe-style failure code (`card_declined`, `terminal_busy` …) and a message for the point of sale.
    case failed(code: String, message: String)
}
