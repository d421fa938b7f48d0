import Foundation
import PaymentCore

/// What the issuer is asked to authorize: the card as the gateway received it and the amount.
public struct AuthorizationInput: Sendable {
    public var pan: PAN
    public var expiry: Expiry
    public var amount: Money
    public var cardPresent: Bool
    /// The cardholder passed 3-D Secure for this payment.
    public var authenticated: Bool
    /// The cardholder is not there to authenticate (a merchant-initiated payment).
    public var offSession: Bool
    /// What the issuer already holds on this card (authorized, not yet released), in minor units.
    public var held: Int64

    public init(pan: PAN, expiry: Expiry, amount: Money, cardPresent: Bool, authenticated: Bool = false,
                offSession: Bool = false, held: Int64 = 0) {
        self.pan = pan
        self.expiry = expiry
        self.amount = amount
        self.cardPresent = cardPresent
        self.authenticated = authenticated
        self.offSession = offSession
        self.held = held
    }
}

/// The issuer's answer.
public enum IssuerDecision: Sendable, Equatable {
    case approved(authorizationCode: String)
    case declined(DeclineCode)
    /// The card wants cardholder authentication (3-D Secure) first; `then` is what happens after it.
    case requiresAuthentication(then: DeclineCode?)
}

/// The card issuer behind the gateway. Test cards decide as the test-card catalog says; any other valid card
/// number is approved, so QA can use arbitrary Luhn-valid numbers.
public struct IssuerSimulator: Sendable {
    public let catalog: TestCardCatalog

    public init(catalog: TestCardCatalog = .standard) {
        self.catalog = catalog
    }

    /// Decides one authorization at `now`.
    public func authorize(_ input: AuthorizationInput, now: Date) -> IssuerDecision {
        if input.expiry.isExpired(at: now) { return .declined(.expiredCard) }
        let card = catalog.card(number: input.pan.revealDigits())
        let account = card.flatMap(catalog.account(for:))
        if let limit = account?.limit, input.amount.minorUnits > limit { return .declined(.cardVelocityExceeded) }
        if let balance = account?.balance, input.held + input.amount.minorUnits > balance { return .declined(.insufficientFunds) }
        switch card?.outcome {
        case .declined(let code)?:
            return .declined(code)
        case .requiresAction(let then)?:
            // Card-present payments never ask for 3-D Secure; after it, the card's own outcome applies.
            if input.cardPresent || input.authenticated {
                return then.map(IssuerDecision.declined) ?? .approved(authorizationCode: Self.authCode())
            }
            if input.offSession { return .declined(.authenticationRequired) }
            return .requiresAuthentication(then: then)
        case .incorrectNumber?:
            return .declined(.incorrectNumber)
        case .chargeFailsAfterAttach(let code)?:
            return .declined(code)
        case .approved?, nil:
            return .approved(authorizationCode: Self.authCode())
        }
    }

    /// A six-digit approval code as issuers return in ISO 8583 field 38.
    static func authCode() -> String {
        let code = String(Int.random(in: 0..<1_000_000))
        return String(repeating: "0", count: 6 - code.count) + code
    }
}
