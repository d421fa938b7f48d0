import Foundation
import HTTPTypes
import PaymentCore

/// Incremental authorization, as Stripe has it for card-present payments: an intent confirmed with
/// `payment_method_options[card_present][request_incremental_authorization_support]=true` and manual capture, paid
/// with a Visa, Mastercard, American Express or Discover card, can have its authorized amount raised while it waits
/// for capture (`POST /v1/payment_intents/:id/increment_authorization`), at most 10 times (declines count).
enum IncrementalAuthorization {
    static let brands: Set<CardBrand> = [.visa, .mastercard, .amex, .discover]
    static let maxAttempts: Int64 = 10

    /// `payment_method_options[card_present][request_incremental_authorization_support]`, when sent.
    static func requested(_ params: inout FormParams) throws(APIError) -> Bool? {
        try params.bool("payment_method_options", "card_present", "request_incremental_authorization_support")
    }

    /// Whether a charge of `intent`, paid with a card of `brand`, can be incremented.
    static func supported(_ intent: PaymentIntentRecord, brand: CardBrand) -> Bool {
        intent.requestIncrementalAuthorizationSupport && intent.captureMethod == "manual" && brands.contains(brand)
    }

    static func unsupported(_ message: String) -> APIError {
        APIError.invalidRequest(message, code: "incremental_authorization_unsupported")
    }
}

extension StoreExpectation {
    /// The intent's status and its increment count are still those read: a capture or a cancel cannot overwrite an
    /// increment committed in between, nor two increments each other.
    static func authorizationUnchanged(_ intent: PaymentIntentRecord) -> StoreExpectation {
        .status(intent.status).and(.init(column: "increment_attempts", value: .integer(intent.incrementAttempts)))
    }
}

extension PaymentIntents {
    /// Raises the authorized amount of an intent in `requires_capture` to `amount` (the new total). The issuer checks
    /// the increase; a decline (402) changes nothing but the attempt count, and the intent stays capturable for the
    /// amount it had. The card's hold grows in the same transaction.
    func incrementAuthorization(id: String, _ params: inout FormParams, now: Date) async throws -> PaymentIntentRecord {
        guard let total = try params.integer("amount", range: 1...Self.maxAmount) else {
            throw APIError.invalidRequest("Missing required param: amount.", param: "amount")
        }
        let description = try Fields.text(&params, "description", max: 1000)
        let statementDescriptor = try Fields.text(&params, "statement_descriptor", max: 22)
        let metadata = try params.metadata("metadata")
        params.allow("expand")
        try params.rejectUnknown()
        return try await store.retryingConflicts {
            var intent = try await existing(id)
            let before = intent
            guard intent.status == "requires_capture" else {
                throw Self.unexpectedState(intent, action: "increment the authorization of", done: "incremented", allowed: "requires_capture")
            }
            guard let chargeID = intent.latestCharge, var charge = try await store.find(ChargeRecord.self, id: chargeID) else {
                throw APIError(status: .internalServerError, kind: .apiError, message: "The PaymentIntent \(intent.id) has no authorized charge to increment.")
            }
            var details = Render.json(charge.paymentMethodDetails)
            guard var cardPresent = details["card_present"], cardPresent["incremental_authorization_supported"] == true else {
                throw IncrementalAuthorization.unsupported(
                    "This PaymentIntent does not support incremental authorization: it needs a card_present payment with capture_method=manual, "
                    + "confirmed with payment_method_options[card_present][request_incremental_authorization_support]=true, "
                    + "by a Visa, Mastercard, American Express or Discover card.")
            }
            guard intent.incrementAttempts < IncrementalAuthorization.maxAttempts else {
                throw IncrementalAuthorization.unsupported(
                    "This PaymentIntent has had the maximum of \(IncrementalAuthorization.maxAttempts) incremental authorization attempts; capture it, or cancel it and authorize anew.")
            }
            guard total > intent.amount else {
                throw APIError.invalidRequest("Invalid amount: the new total (\(total)) must be greater than the currently authorized amount (\(intent.amount)).", param: "amount")
            }
            let currency = try Currency(code: intent.currency.uppercased())
            try Self.checkAmount(total, currency)
            guard let methodID = charge.paymentMethod, let method = try await store.find(PaymentMethodRecord.self, id: methodID),
                  let sealed = method.encryptedPan else {
                throw APIError(status: .internalServerError, kind: .apiError, message: "The card of PaymentIntent \(intent.id) is no longer on file.")
            }
            let pan = try vault.open(sealed)
            let expiry = try Expiry(month: Int(method.expMonth), year: Int(method.expYear))
            let fingerprint = charge.fingerprint ?? vault.fingerprint(pan)
            let balance = balances[fingerprint]
            let held = balance == nil ? 0 : try await store.issuerHeld(fingerprint: fingerprint)
            let decision = issuer.authorizeIncrement(pan: pan, expiry: expiry, current: Money(minorUnits: intent.amount, currency: currency),
                                                     total: Money(minorUnits: total, currency: currency), held: held, now: now)
            intent.incrementAttempts += 1
            guard case .approved = decision else {
                // Only the attempt is counted: the intent and its charge stay as they were.
                try await store.commit([.update(intent, expecting: .authorizationUnchanged(before))])
                let code: DeclineCode = if case .declined(let code) = decision { code } else { .genericDecline }
                throw APIError.declined(code, paymentIntent: Render.paymentIntent(intent), chargeID: charge.id)
            }
            let increase = total - intent.amount
            intent.amount = total
            intent.amountCapturable = total
            if let description { intent.description = description }
            if let statementDescriptor { intent.statementDescriptor = statementDescriptor }
            if let metadata { try intent.setMetadata(Self.merge(metadata: metadata, into: intent.metadata, clear: false)) }
            charge.amount = total
            cardPresent.set("amount_authorized", .int(total))
            details.set("card_present", cardPresent)
            charge.paymentMethodDetails = details.compactText
            var writes: [StoreWrite] = [.update(intent, expecting: .authorizationUnchanged(before)), .update(charge, expecting: nil)]
            if let balance { writes.append(.hold(fingerprint: fingerprint, delta: increase, ceiling: balance)) }
            try await store.commit(writes)
            return intent
        }
    }
}
