import Foundation
import PaymentCore

/// What the issuer is asked to authorize: the card as the gateway received it and the amount.
public struct AuthorizationInput: Sendable {
    public var pan: PAN
    public var expiry: Expiry
    public var amount: Money
    public var cardPresent: Bool

    public init(pan: PAN, expiry: Expiry, amount: Money, cardPresent: Bool) {
        self.pan = pan
        self.expiry = expiry
        self.amount = amount
        self.cardPresent = cardPresent
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
        switch catalog.card(number: input.pan.revealDigits())?.outcome {
        case .declined(let code)?:
            return .declined(code)
        case .requiresAction(let then)?:
            // Card-present payments never ask for 3-D Secure.
            if input.cardPresent { return then.map(IssuerDecision.declined) ?? .approved(authorizationCode: Self.authCode()) }
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
        String(format: "%06d", Int.random(in: 0..<1_000_000))
    }
}
