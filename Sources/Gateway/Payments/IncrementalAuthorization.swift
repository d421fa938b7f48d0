import Foundation
import PaymentCore

/// Incremental authorization, as Stripe has it for card-present payments: an intent confirmed with
/// `payment_method_options[card_present][request_incremental_authorization_support]=true` and manual capture, paid
/// with a Visa, Mastercard, American Express or Discover card, can have its authorized amount raised while it waits
/// for capture (`POST /v1/payment_intents/:id/increment_authorization`), at most 10 times (declines count).
enum IncrementalAuthorization {
    static let brands: Set<CardBrand> = [.visa, .mastercard, .amex, .discover]
    static let maxAttempts: Int64 = 10

    /// Whether a charge of `intent`, paid with a card of `brand`, can be incremented.
    static func supported(_ intent: PaymentIntentRecord, brand: CardBrand) -> Bool {
        intent.requestIncrementalAuthorizationSupport && intent.captureMethod == .manual && brands.contains(brand)
    }
}

extension StoreExpectation {
    /// The intent's status and its increment count are still those read: a capture or a cancel cannot overwrite an
    /// increment committed in between, nor two increments each other.
    static func authorizationUnchanged(_ intent: PaymentIntentRecord) -> StoreExpectation {
        .status(intent.status).and(.init(column: "increment_attempts", value: .integer(intent.incrementAttempts)))
    }
}

extension PaymentIntentLifecycle {
    /// Whether the authorization of `read` may be raised to `request.total`: an intent in `requires_capture`
    /// whose charge supports increments, with attempts left, to a greater total.
    func checkIncrement(_ read: PaymentIntentRecord, charge: ChargeRecord?, _ request: AuthorizationIncrement) throws(IntentRefusal) -> ChargeRecord {
        guard read.status == .requiresCapture else { throw .unexpectedState(.incrementAuthorization, read) }
        guard let charge else { throw .noAuthorizedCharge(intentID: read.id, toDo: "increment") }
        guard Render.json(charge.paymentMethodDetails)["card_present"]?["incremental_authorization_supported"] == true else {
            throw .incrementalAuthorizationUnsupported
        }
        guard read.incrementAttempts < IncrementalAuthorization.maxAttempts else {
            throw .incrementalAuthorizationAttemptsExhausted(max: IncrementalAuthorization.maxAttempts)
        }
        guard request.total > read.amount else { throw .incrementNotAbove(total: request.total, current: read.amount) }
        if let currency = try? Currency(code: read.currency.uppercased()) { try Self.checkAmount(request.total, currency) }
        return charge
    }

    /// The issuer's answer to an increment: approved, the intent and its charge are authorized for the new total and
    /// the card's hold grows; declined, only the attempt is counted and the decline answered.
    func incremented(_ read: PaymentIntentRecord, charge: ChargeRecord, _ request: AuthorizationIncrement, decision: IssuerDecision,
                     fingerprint: String) throws(IntentRefusal) -> IntentTransition {
        var intent = read
        intent.incrementAttempts += 1
        guard case .approved = decision else {
            let code: DeclineCode = if case .declined(let code) = decision { code } else { .genericDecline }
            return IntentTransition(intent: intent, writes: [.update(intent, expecting: .authorizationUnchanged(read))],
                                    decline: IntentDecline(code: code, chargeID: charge.id))
        }
        let increase = request.total - intent.amount
        intent.amount = request.total
        intent.amountCapturable = request.total
        if let v = request.description { intent.description = v }
        if let v = request.statementDescriptor { intent.statementDescriptor = v }
        if let metadata = request.metadata { try Self.setMetadata(Metadata.merged(metadata, into: intent.metadata, clear: false), on: &intent) }
        var charge = charge
        charge.amount = request.total
        var details = Render.json(charge.paymentMethodDetails)
        var cardPresent = details["card_present"] ?? .object([])
        cardPresent.set("amount_authorized", .int(request.total))
        details.set("card_present", cardPresent)
        charge.paymentMethodDetails = details.compactText
        var writes: [StoreWrite] = [.update(intent, expecting: .authorizationUnchanged(read)), .update(charge, expecting: nil)]
        if let balance = balances[fingerprint] { writes.append(.hold(fingerprint: fingerprint, delta: increase, ceiling: balance)) }
        return IntentTransition(intent: intent, writes: writes,
                                events: [EventDraft(type: .paymentIntentAmountCapturableUpdated, object: .paymentIntent(intent)),
                                         EventDraft(type: .chargeUpdated, object: .charge(charge))])
    }
}

extension PaymentIntents {
    /// Raises the authorized amount of an intent in `requires_capture` to `request.total`. The issuer checks the
    /// increase; a decline (402) changes nothing but the attempt count, and the intent stays capturable for the
    /// amount it had. The card's hold grows in the same transaction.
    func incrementAuthorization(id: String, _ request: AuthorizationIncrement, now: Date) async throws -> IntentOutcome {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let charge = try lifecycle.checkIncrement(read, charge: try await latestCharge(of: read), request)
            guard let methodID = charge.paymentMethod, let method = try await store.find(PaymentMethodRecord.self, id: methodID),
                  let sealed = method.encryptedPan else {
                throw IntentRefusal.cardNoLongerOnFile(intentID: read.id)
            }
            let currency = try Currency(code: read.currency.uppercased())
            let pan = try vault.open(sealed)
            let expiry = try Expiry(month: Int(method.expMonth), year: Int(method.expYear))
            let fingerprint = charge.fingerprint ?? vault.fingerprint(pan)
            let held = lifecycle.balances[fingerprint] == nil ? 0 : try await store.issuerHeld(fingerprint: fingerprint)
            let decision = issuer.authorizeIncrement(pan: pan, expiry: expiry, current: Money(minorUnits: read.amount, currency: currency),
                                                     total: Money(minorUnits: request.total, currency: currency), held: held, now: now)
            let step = try lifecycle.incremented(read, charge: charge, request, decision: decision, fingerprint: fingerprint)
            try await store.commit(step.rows(now: now))
            return IntentOutcome(intent: step.intent, decline: step.decline)
        }
    }
}
