import CardReaders
import EMV
import PaymentCore

/// The card data an authorization carries.
public enum AuthorizationCardData: Sendable, Equatable {
    /// A chip or contactless read: the kernel's online request (DE55, track 2 equivalent, online PIN).
    case chip(OnlineRequest)
    /// A swipe: track 2.
    case magstripe(Track2)

    public var pan: PAN {
        switch self {
        case .chip(let request): request.pan
        case .magstripe(let track): track.pan
        }
    }
}

/// What the terminal asks the gateway to authorize.
public struct AuthorizationRequest: Sendable, Equatable, CustomStringConvertible {
    public var amount: Money
    public var entryMode: EntryMode
    public var card: AuthorizationCardData
    public var terminalID: String
    public var stan: UInt32
    /// The payment intent to confirm, for a server-driven sale; nil creates one.
    public var paymentIntent: String?
    /// Stable per transaction: retrying with it never charges twice, and the gateway answers a status inquiry by it.
    public var idempotencyKey: String { Self.idempotencyKey(terminalID: terminalID, stan: stan) }

    public init(amount: Money, entryMode: EntryMode, card: AuthorizationCardData, terminalID: String, stan: UInt32, paymentIntent: String? = nil) {
        self.amount = amount
        self.entryMode = entryMode
        self.card = card
        self.terminalID = terminalID
        self.stan = stan
        self.paymentIntent = paymentIntent
    }

    public static func idempotencyKey(terminalID: String, stan: UInt32) -> String {
        let digits = String(stan)
        return "\(terminalID)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }

    public var description: String { "authorize \(amount) \(entryMode.verb) \(card.pan.masked) stan \(stan)" }
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

    public init(pan: PAN, entryMode: EntryMode) {
        self.init(brand: pan.brand, last4: pan.last4, entryMode: entryMode)
    }
}

/// Why the gateway could not give an answer.
public enum GatewayFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case unreachable(String)
    case unauthorized(String)
    case rejected(String)
    case timeout
    /// The card or the reader ended the dialogue (removed, mute, malformed answer, blocked).
    case cardProblem(String)
    /// The merchant or the cardholder cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .unreachable(let m): "gateway unreachable: \(m)"
        case .unauthorized(let m): "gateway refused the API key: \(m)"
        case .rejected(let m): "gateway rejected the request: \(m)"
        case .timeout: "no answer from the gateway in time"
        case .cardProblem(let m): "card: \(m)"
        case .cancelled: "cancelled"
        }
    }

    /// A short line for the terminal screen.
    public var screenText: String {
        switch self {
        case .unreachable: "NO CONNECTION"
        case .unauthorized: "TERMINAL NOT AUTHORIZED"
        case .rejected: "REQUEST REJECTED"
        case .timeout: "NO RESPONSE"
        case .cardProblem: "CARD ERROR"
        case .cancelled: "CANCELLED"
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

/// The gateway's answer with the issuer's EMV response (8A, 91) when the card was read by chip.
public struct GatewayAnswer: Sendable, Equatable {
    public var result: AuthorizationResult
    /// The issuer's response objects (`emv_auth_data`): 8A and, for a verified cryptogram, 91.
    public var issuerResponse: [TLV]
    /// False when the request may have reached the gateway without an answer coming back (a timeout or a
    /// connection lost after sending): the payment's fate is unknown until a status inquiry tells.
    public var outcomeKnown: Bool

    public init(result: AuthorizationResult, issuerResponse: [TLV] = [], outcomeKnown: Bool = true) {
        self.result = result
        self.issuerResponse = issuerResponse
        self.outcomeKnown = outcomeKnown
    }
}

/// What a status inquiry found out about a transaction.
public enum TransactionStatus: Sendable, Equatable {
    /// The gateway never received it (or forgot it): nothing to undo.
    case unknown
    /// Still being processed: ask again.
    case inProgress
    /// It finished with this answer.
    case completed(GatewayAnswer)
}

/// Talks to the payment gateway.
public protocol GatewayClient: Sendable {
    /// Authorizes one payment; never throws — every failure is a value.
    func authorize(_ request: AuthorizationRequest) async -> GatewayAnswer
    /// Asks what became of the request with this idempotency key; throws when the gateway cannot be reached.
    func status(idempotencyKey: String) async throws -> TransactionStatus
    /// Undoes an approved payment the terminal could not complete: cancels an uncaptured intent, refunds a captured
    /// one. True once it is undone (or was already).
    func reverse(paymentIntentID: String, idempotencyKey: String) async -> Bool
    /// A label for screens ("embedded", or the host).
    var label: String { get }
}
