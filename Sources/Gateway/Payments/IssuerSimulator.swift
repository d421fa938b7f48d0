import EMV
import Foundation
import PaymentCore
import PaymentCrypto

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
    /// The card was set up for off-session payments (a SetupIntent, or a payment with
    /// `setup_future_usage=off_session`, that succeeded).
    public var setUpForOffSession = false
    /// What the issuer already holds on this card (authorized, not yet released), in minor units.
    public var held: Int64
    /// The card's EMV data, for a chip or contactless read, with its verified ARQC.
    public var chip: ChipEvidence?
    /// The online PIN the cardholder entered.
    public var pin: EnteredPIN?
    /// The issuer has seen this card's cryptogram (ATC and ARQC) before.
    public var cryptogramReplayed: Bool
    /// When the card was used, for a payment the terminal approved offline and forwards later (its expiry is
    /// judged then); nil: now.
    public var usedAt: Date? = nil

    public init(pan: PAN, expiry: Expiry, amount: Money, cardPresent: Bool, authenticated: Bool = false,
                offSession: Bool = false, held: Int64 = 0, chip: ChipEvidence? = nil, pin: EnteredPIN? = nil,
                cryptogramReplayed: Bool = false) {
        self.pan = pan
        self.expiry = expiry
        self.amount = amount
        self.cardPresent = cardPresent
        self.authenticated = authenticated
        self.offSession = offSession
        self.held = held
        self.chip = chip
        self.pin = pin
        self.cryptogramReplayed = cryptogramReplayed
    }
}

/// A chip read as the issuer sees it: the EMV data and whether its ARQC verified — computed once per
/// authorization, since the decision, the ARPC and the replay record all depend on it.
public struct ChipEvidence: Sendable {
    public var data: ChipData
    public var cryptogramVerified: Bool

    public init(_ data: ChipData, pan: PAN) {
        self.data = data
        cryptogramVerified = IssuerSimulator.cryptogramVerifies(data, pan: pan)
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
/// number is approved, so QA can use arbitrary Luhn-valid numbers — except a chip card whose cryptogram was not made
/// with our test issuer keys (a real card on a real reader): that foreign card is declined `card_not_supported`.
public struct IssuerSimulator: Sendable {
    public let catalog: TestCardCatalog

    public init(catalog: TestCardCatalog = .standard) {
        self.catalog = catalog
    }

    /// Decides one authorization at `now`.
    ///
    /// Card-present checks come first, in the order an issuer host makes them: the cryptogram (a wrong one is a
    /// `security_violation`), its freshness (a seen ATC and cryptogram is a `duplicate_transaction`), expiry, the
    /// online PIN (`incorrect_pin`), then the test amounts of simulated readers, then the card's own outcome.
    public func authorize(_ input: AuthorizationInput, now: Date) -> IssuerDecision {
        if let chip = input.chip {
            // A card from outside the test catalog whose cryptogram our issuer keys cannot check is a real card
            // tapped on a real reader (docs/readers.md): a foreign card, declined as not supported. A catalog card's
            // wrong cryptogram is tampering.
            guard chip.cryptogramVerified else {
                return catalog.card(number: input.pan.revealDigits()) == nil ? .declined(.cardNotSupported) : .declined(.securityViolation)
            }
            if input.cryptogramReplayed { return .declined(.duplicateTransaction) }
        }
        if input.expiry.isExpired(at: input.usedAt ?? now) { return .declined(.expiredCard) }
        switch input.pin {
        case .unreadable?: return .declined(.incorrectPin)
        case .entered(let pin)?: if pin != Self.pin(of: input.pan) { return .declined(.incorrectPin) }
        case nil: break
        }
        if input.cardPresent, let code = Self.testAmountDecline(input.amount) { return .declined(code) }
        let card = catalog.card(number: input.pan.revealDigits())
        let account = card.flatMap(catalog.account(for:))
        if let limit = account?.limit, input.amount.minorUnits > limit { return .declined(.cardVelocityExceeded) }
        if let balance = account?.balance, input.held + input.amount.minorUnits > balance { return .declined(.insufficientFunds) }
        switch card?.outcome {
        case .declined(let code)?:
            return .declined(code)
        case .requiresAction(let then, let setUpExempts)?:
            // Card-present payments never ask for 3-D Secure; after it, the card's own outcome applies, and so it
            // does off session for a card that was set up for it, when its issuer exempts those.
            if input.cardPresent || input.authenticated || (input.offSession && setUpExempts && input.setUpForOffSession) {
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

    /// Checks a card being saved (a SetupIntent), without a charge: an expired card, a number no network routes
    /// and the cards the catalog declines are refused; a card that asks for 3-D Secure asks for it here too, unless
    /// the cardholder just authenticated. A card that declines only its charges (`charge_fails_after_attach`) is
    /// saved.
    public func authorizeSetup(pan: PAN, expiry: Expiry, authenticated: Bool, now: Date) -> IssuerDecision {
        if expiry.isExpired(at: now) { return .declined(.expiredCard) }
        switch catalog.card(number: pan.revealDigits())?.outcome {
        case .declined(let code)?: return .declined(code)
        case .incorrectNumber?: return .declined(.incorrectNumber)
        case .requiresAction? where !authenticated: return .requiresAuthentication(then: nil)
        default: return .approved(authorizationCode: Self.authCode())
        }
    }

    /// Decides an incremental authorization: the authorized `current` amount of a card raised to `total`, with
    /// `held` already held on the card (the current authorization included). The card was approved before, so what
    /// is checked is what the increase changes: expiry, the card-present test amounts on the new total, the card's
    /// single-payment limit on the new total and its balance on the increase.
    public func authorizeIncrement(pan: PAN, expiry: Expiry, current: Money, total: Money, held: Int64, now: Date) -> IssuerDecision {
        if expiry.isExpired(at: now) { return .declined(.expiredCard) }
        if let code = Self.testAmountDecline(total) { return .declined(code) }
        let account = catalog.card(number: pan.revealDigits()).flatMap(catalog.account(for:))
        if let limit = account?.limit, total.minorUnits > limit { return .declined(.cardVelocityExceeded) }
        if let balance = account?.balance, held + (total.minorUnits - current.minorUnits) > balance { return .declined(.insufficientFunds) }
        return .approved(authorizationCode: Self.authCode())
    }

    /// Decides a credit to a card presented without an earlier payment (an unreferenced refund): refused for an
    /// expired card (`expired_card`), a number no network routes (`incorrect_number`) and a card reported lost or
    /// stolen — as a card-present payment with that card would be.
    public func authorizeCredit(pan: PAN, expiry: Expiry, now: Date) -> IssuerDecision {
        if expiry.isExpired(at: now) { return .declined(.expiredCard) }
        if pan.brand == .unknown { return .declined(.incorrectNumber) }
        switch catalog.card(number: pan.revealDigits())?.outcome {
        case .incorrectNumber?:
            return .declined(.incorrectNumber)
        case .declined(let code)? where [.expiredCard, .lostCard, .stolenCard].contains(code):
            return .declined(code)
        default:
            return .approved(authorizationCode: Self.authCode())
        }
    }

    /// The decline a card-present test amount asks for (`TestAmounts`); nil for any other amount.
    public static func testAmountDecline(_ amount: Money) -> DeclineCode? { TestAmounts.decline(for: amount) }

    /// The PIN the issuer holds for a card: its virtual card profile's, else the test PIN 1234.
    static func pin(of pan: PAN) -> PINEntry? {
        if let profile = CardProfile.standard.first(where: { $0.pan == pan }), let pin = profile.pin { return pin }
        return try? PINEntry("1234")
    }

    /// True when the ARQC (9F26) is the one the card with this PAN computes over the DE55 data.
    static func cryptogramVerifies(_ chip: ChipData, pan: PAN) -> Bool {
        (try? TestIssuer.verifyCryptogram(in: chip.values, pan: pan, psn: chip.psn)) ?? false
    }

    /// The issuer's EMV answer to a chip authorization: 8A (the response code) and, when the card's cryptogram
    /// verified, 91 (ARPC method 1 ‖ ARC) that the card checks to authenticate the issuer.
    public static func emvResponse(to decision: IssuerDecision, chip evidence: ChipEvidence, pan: PAN) -> [TLV] {
        let chip = evidence.data
        let arc: String = switch decision {
        case .approved: "00"
        case .declined(let code): code.isoResponseCode
        case .requiresAuthentication: "05"
        }
        var objects = [TLV(tag: .authorisationResponseCode, value: Array(arc.utf8))]
        if evidence.cryptogramVerified, let arqc = chip.cryptogram, let atc = chip.atc,
           let data = try? TestIssuer.issuerAuthenticationData(arqc: arqc, arc: Array(arc.utf8), pan: pan, psn: chip.psn, atc: atc) {
            objects.append(TLV(tag: .issuerAuthenticationData, value: data))
        }
        return objects
    }

    /// A six-digit approval code as issuers return in ISO 8583 field 38.
    static func authCode() -> String {
        let code = String(Int.random(in: 0..<1_000_000))
        return String(repeating: "0", count: 6 - code.count) + code
    }
}
