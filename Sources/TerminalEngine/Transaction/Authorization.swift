import CardReaders
import PaymentCore

/// What the terminal asks the gateway to authorize.
public struct AuthorizationRequest: Sendable, Equatable, CustomStringConvertible {
    public var amount: Money
    public var card: CardPresentation
    public var terminalID: String
    public var stan: UInt32
    /// The payment intent to confirm, for a server-driven sale; nil creates one.
    public var paymentIntent: String?
    /// Stable per transaction: retrying with it never charges twice.
    public var idempotencyKey: String { "\(terminalID)-\(String(format: "%06u", stan))" }

    public init(amount: Money, card: CardPresentation, terminalID: String, stan: UInt32, paymentIntent: String? = nil) {
        self.amount = amount
        self.card = card
        self.terminalID = terminalID
        self.stan = stan
        self.paymentIntent = paymentIntent
    }

    public var description: String { "authorize \(amount) \(card) stan \(stan)" }
}

/// The card as it may be shown on screens and receipts.
public struct CardSummary: Sendable, Equatable {
    public var brand: CardBrand
    public var last4: String
    public var entryMode: EntryMode

    public init(brand: CardBrand, last4: String, entryMode: EntryMode) {
        self.brand = brand
        self.last4 = last4
        self.entryMode = entryMode
    }

    public init(_ card: CardPresentation) {
        self.init(brand: card.track2.pan.brand, last4: card.track2.pan.last4, entryMode: card.entryMode)
    }
}

/// Why the gateway could not give an answer.
public enum GatewayFailure: Sendable, Equatable, CustomStringConvertible {
    case unreachable(String)
    case unauthorized(String)
    case rejected(String)
    case timeout

    public var description: String {
        switch self {
        case .unreachable(let m): "gateway unreachable: \(m)"
        case .unauthorized(let m): "gateway refused the API key: \(m)"
        case .rejected(let m): "gateway rejected the request: \(m)"
        case .timeout: "no answer from the gateway in time"
        }
    }

    /// A short line for the terminal screen.
    public var screenText: String {
        switch self {
        case .unreachable: "NO CONNECTION"
        case .unauthorized: "TERMINAL NOT AUTHORIZED"
        case .rejected: "REQUEST REJECTED"
        case .timeout: "NO RESPONSE"
        }
    }
}

/// The gateway's answer to an authorization.
public enum AuthorizationResult: Sendable, Equatable {
    case approved(paymentIntentID: String, authorizationCode: String?)
    case declined(DeclineCode, message: String, paymentIntentID: String?)
    case failed(GatewayFailure)

    public var isApproved: Bool { if case .approved = self { true } else { false } }
}

/// Talks to the payment gateway.
public protocol GatewayClient: Sendable {
    /// Authorizes one payment; never throws — every failure is a value.
    func authorize(_ request: AuthorizationRequest) async -> AuthorizationResult
    /// A label for screens ("embedded", or the host).
    var label: String { get }
}
