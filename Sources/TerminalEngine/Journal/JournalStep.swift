import CardReaders
import Foundation
import PaymentCore

/// A step of a transaction the terminal writes to its journal before it acts (write-ahead): the request about to
/// leave for the gateway, the payment about to be kept offline. A step stays open until the transaction's journal
/// entry is saved (in the same SQLite transaction, which closes it); a step still open after a restart is a
/// transaction the terminal did not finish, and `CrashRecovery` resolves it.
public struct JournalStep: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        /// An authorization (sale, pre-authorization, card refund) is about to leave.
        case authorizing
        /// A completion or void of an earlier transaction is about to leave.
        case followingUp = "following_up"
        /// The card approved offline; the payment is about to be sealed and stored.
        case storingOffline = "storing_offline"
    }

    public var stan: UInt32
    public var idempotencyKey: String
    public var kind: TransactionKind
    public var action: Action
    public var amount: Money
    /// Brand and last four only (what the journal entry shows).
    public var card: CardSummary?
    /// The transaction a follow-up or a referenced refund acts on.
    public var reference: UInt32?
    public var recordedAt: Date

    public init(stan: UInt32, idempotencyKey: String, kind: TransactionKind, action: Action, amount: Money, card: CardSummary?,
                reference: UInt32?, recordedAt: Date) {
        self.stan = stan
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.action = action
        self.amount = amount
        self.card = card
        self.reference = reference
        self.recordedAt = recordedAt
    }

    /// The step for an authorization about to leave (or, `offline`, a payment about to be stored).
    public init(_ request: AuthorizationRequest, offline: Bool = false, reference: UInt32?, at date: Date) {
        let kind: TransactionKind = switch request.kind {
        case .sale: .sale
        case .preauthorization: .preauthorization
        case .refund: .refund
        }
        self.init(stan: request.stan, idempotencyKey: request.idempotencyKey, kind: kind, action: offline ? .storingOffline : .authorizing,
                  amount: request.amount, card: CardSummary(pan: request.card.pan, entryMode: request.entryMode), reference: reference, recordedAt: date)
    }

    /// The step for a completion or a void about to leave.
    public init(_ request: FollowUpRequest, reference: UInt32, amount: Money, card: CardSummary?, at date: Date) {
        let kind: TransactionKind = if case .completion = request.operation { .completion } else { .void }
        self.init(stan: request.stan, idempotencyKey: request.idempotencyKey, kind: kind, action: .followingUp, amount: amount, card: card,
                  reference: reference, recordedAt: date)
    }
}

extension CardSummary: Codable {
    enum CodingKeys: String, CodingKey { case brand, last4, entryMode = "entry_mode" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(brand: try c.decode(CardBrand.self, forKey: .brand), last4: try c.decode(String.self, forKey: .last4),
                  entryMode: EntryMode(rawValue: try c.decode(String.self, forKey: .entryMode)) ?? .contact)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(brand, forKey: .brand)
        try c.encode(last4, forKey: .last4)
        try c.encode(entryMode.rawValue, forKey: .entryMode)
    }
}
