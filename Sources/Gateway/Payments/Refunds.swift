import Foundation
import PaymentCore

/// Refunds of captured charges: full or partial, by charge or by payment intent, never more than what is left.
/// The charge's `amount_refunded` is the guard of the commit, so two refunds of the last cent cannot both pass.
///
/// vtpe extensions: a refund made at a terminal may carry the card presented (`vtpe_card_present[…]`, checked
/// against the card of the charge), and an unreferenced refund credits the card presented without any charge.
struct Refunds {
    let store: any PaymentStore
    let intents: PaymentIntents

    static let reasons: Set = ["duplicate", "fraudulent", "requested_by_customer"]

    func create(_ params: inout FormParams, now: Date) async throws -> RefundRecord {
        let chargeParam = try params.string("charge")
        let intentParam = try params.string("payment_intent")
        let requested = try params.integer("amount", range: 1...PaymentIntentLifecycle.maxAmount)
        let reason = try Self.reason(&params)
        let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }.jsonText
        let sealed = params.has("vtpe_card_present")
            ? try SealedCardPresent.parse(&params, prefix: SealedCardPresent.refundPrefix, takesPIN: false) : nil
        params.allow("expand", "instructions_email", "refund_application_fee", "reverse_transfer", "origin")
        try params.rejectUnknown()
        try Self.checkOneTarget(charge: chargeParam, paymentIntent: intentParam)
        var presented: PresentedCard?
        if let sealed { presented = try await PresentedCard.open(sealed, store: store, vault: intents.vault) }
        return try await store.retryingConflicts {
            let (read, amount) = try await refundable(charge: chargeParam, paymentIntent: intentParam, amount: requested)
            var charge = read
            if let presented, let sealed { try await presented.check(isCardOf: charge, sealed: sealed, store: store) }
            let created = Int64(now.timeIntervalSince1970)
            var refund = RefundRecord(id: ObjectID.make("re"), amount: amount, charge: charge.id, paymentIntent: charge.paymentIntent,
                                      currency: charge.currency, status: .succeeded, reason: reason, balanceTransaction: nil,
                                      created: created, metadata: "{}", vtpeCardPresent: presented?.summary.compactText)
            try refund.setMetadata(metadata)
            let txn = Ledger.forRefund(refund, now: created)
            refund.balanceTransaction = txn.id
            let before = charge.amountRefunded
            charge.amountRefunded += amount
            try await store.commit([.update(charge, expecting: .amountRefunded(before)), .insert(refund), .insert(txn)]
                + intents.lifecycle.release(amount, on: charge)
                + EventOutbox.writes([EventDraft(type: .refundCreated, object: .refund(refund)), EventDraft(type: .chargeRefunded, object: .charge(charge))],
                                     now: created))
            return refund
        }
    }

    /// vtpe: a refund to the card presented at a terminal, without an earlier charge (`POST /v1/vtpe/unreferenced_refunds`).
    /// The card must be one the issuer would credit: not expired, of a known network, not reported lost or stolen.
    func createUnreferenced(_ params: inout FormParams, now: Date) async throws -> RefundRecord {
        guard let amount = try params.integer("amount", range: 1...PaymentIntentLifecycle.maxAmount) else {
            throw APIError.invalidRequest("Missing required param: amount.", param: "amount")
        }
        guard let currency = try params.currency() else {
            throw APIError.invalidRequest("Missing required param: currency.", param: "currency")
        }
        try PaymentIntentLifecycle.checkAmount(amount, currency)
        let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }.jsonText
        let description = try params.clearableText("description", max: 1000) ?? nil
        let sealed = try SealedCardPresent.parse(&params, prefix: SealedCardPresent.refundPrefix, takesPIN: false)
        params.allow("expand")
        try params.rejectUnknown()
        let presented = try await PresentedCard.open(sealed, store: store, vault: intents.vault)
        if case .declined(let code) = intents.issuer.authorizeCredit(pan: presented.card.pan, expiry: presented.card.expiry, now: now) {
            throw APIError.declined(code, paymentIntent: nil, chargeID: nil)
        }
        let created = Int64(now.timeIntervalSince1970)
        var refund = RefundRecord(id: ObjectID.make("re"), amount: amount, charge: nil, paymentIntent: nil,
                                  currency: currency.code.lowercased(), status: .succeeded, reason: nil, balanceTransaction: nil,
                                  created: created, metadata: "{}", description: description, vtpeCardPresent: presented.summary.compactText)
        try refund.setMetadata(metadata)
        let txn = Ledger.forRefund(refund, now: created)
        refund.balanceTransaction = txn.id
        try await store.commit([.insert(refund), .insert(txn)] + EventOutbox.write(.refundCreated, .refund(refund), now: now))
        return refund
    }

    func update(id: String, _ params: inout FormParams) async throws -> RefundRecord {
        let metadata = try params.metadata("metadata")
        params.allow("expand")
        try params.rejectUnknown()
        guard var refund = try await store.find(RefundRecord.self, id: id) else { throw APIError.missing("refund", id: id) }
        if let metadata {
            try refund.setMetadata(Metadata.merge(metadata, into: refund.metadata, clear: params.has("metadata") && metadata.isEmpty))
            try await store.commit([.update(refund, expecting: nil)]
                + EventOutbox.write(.refundUpdated, .refund(refund)))
        }
        return refund
    }

    /// `reason`: one of Stripe's three.
    static func reason(_ params: inout FormParams) throws(APIError) -> String? {
        let reason = try params.string("reason")
        if let reason, !reasons.contains(reason) {
            throw APIError.invalidRequest("Invalid reason: must be one of duplicate, fraudulent or requested_by_customer.", param: "reason")
        }
        return reason
    }

    /// A refund names its payment by `charge` or by `payment_intent`, not both.
    static func checkOneTarget(charge: String?, paymentIntent: String?) throws(APIError) {
        if charge != nil && paymentIntent != nil {
            throw APIError.invalidRequest("You may only specify one of these parameters: charge, payment_intent.", param: "payment_intent")
        }
    }

    /// The charge to refund and the amount (`amount`, default all that is left), with Stripe's refusals: a pending,
    /// disputed, failed or uncaptured charge, nothing left (`charge_already_refunded`), more than is left (`amount_too_large`).
    func refundable(charge chargeParam: String?, paymentIntent intentParam: String?, amount requested: Int64?) async throws -> (ChargeRecord, Int64) {
        let charge = try await chargeToRefund(charge: chargeParam, paymentIntent: intentParam)
        guard charge.status != .pending else {
            throw APIError.invalidRequest("Charge \(charge.id) is pending: its SEPA Direct Debit is with the customer's bank. Refund it once it has succeeded.",
                                          param: intentParam == nil ? "charge" : "payment_intent")
        }
        guard !charge.disputed else {
            throw APIError.invalidRequest("Charge \(charge.id) has been charged back: the dispute returned its amount already, so it cannot be refunded.",
                                          param: nil, code: "charge_disputed")
        }
        guard charge.paid else {
            throw APIError.invalidRequest("Charge \(charge.id) failed, so there is nothing to refund.", param: "charge")
        }
        guard charge.captured else {
            throw APIError.invalidRequest("Charge \(charge.id) has not been captured; cancel its PaymentIntent to release the authorization instead.",
                                          param: intentParam == nil ? "charge" : "payment_intent")
        }
        let left = charge.amountCaptured - charge.amountRefunded
        guard left > 0 else {
            throw APIError.invalidRequest("Charge \(charge.id) has already been refunded.", param: nil, code: "charge_already_refunded")
        }
        let amount = requested ?? left
        guard amount <= left else {
            let currency = charge.currency
            throw APIError.invalidRequest("Refund amount (\(amount) \(currency)) is greater than the unrefunded amount on the charge (\(left) \(currency)).",
                                          param: "amount", code: "amount_too_large")
        }
        return (charge, amount)
    }

    private func chargeToRefund(charge: String?, paymentIntent: String?) async throws -> ChargeRecord {
        if let id = charge {
            guard let charge = try await store.find(ChargeRecord.self, id: id) else { throw APIError.missing("charge", id: id, param: "charge") }
            return charge
        }
        guard let id = paymentIntent else {
            throw APIError.invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", param: "payment_intent")
        }
        guard let intent = try await store.find(PaymentIntentRecord.self, id: id) else {
            throw APIError.missing("payment_intent", id: id, param: "payment_intent")
        }
        guard let chargeID = intent.latestCharge, let charge = try await store.find(ChargeRecord.self, id: chargeID),
              [.succeeded, .requiresCapture].contains(intent.status) else {
            throw APIError.invalidRequest("This PaymentIntent (\(intent.id)) does not have a successful charge to refund.",
                                          param: "payment_intent", code: "payment_intent_unexpected_state")
        }
        return charge
    }
}

/// The card a terminal presents for a refund (`vtpe_card_present[…]`), deciphered with the location's keys: proof
/// that the card was there. Only its brand, last four and read method are kept; the number is compared by its vault
/// fingerprint and forgotten.
struct PresentedCard {
    var card: CardInput
    var fingerprint: String

    /// Deciphers track 2 and, when the chip's cryptogram came along, checks that the card on track 2 computed it.
    static func open(_ sealed: SealedCardPresent, store: any PaymentStore, vault: CardVault) async throws -> PresentedCard {
        let card = try await sealed.open(keys: TerminalKeys(store: store, vault: vault))
        if let chip = card.chip, chip.cryptogram != nil, !ChipEvidence(chip, pan: card.pan).cryptogramVerified {
            throw mismatch("The chip's cryptogram (9F26) was not computed by the card on track 2.", param: sealed.param("vtpe_emv_data"))
        }
        return PresentedCard(card: card, fingerprint: vault.fingerprint(card.pan))
    }

    /// Refuses (`vtpe_card_mismatch`) a card that is not the one that paid `charge`.
    func check(isCardOf charge: ChargeRecord, sealed: SealedCardPresent, store: any PaymentStore) async throws {
        var paid = charge.fingerprint
        if paid == nil, let method = charge.paymentMethod { paid = try await store.find(PaymentMethodRecord.self, id: method)?.fingerprint }
        guard paid == fingerprint else {
            throw Self.mismatch("The card presented is not the card that paid charge \(charge.id); a refund goes back to that card.",
                                param: sealed.param("vtpe_encrypted_track2"))
        }
    }

    /// `{brand, last4, read_method}`, as the refund shows it.
    var summary: JSONValue {
        .object([("brand", .string(card.pan.brand.rawValue)), ("last4", .string(card.pan.last4)), ("read_method", .string(card.readMethod))])
    }

    static func mismatch(_ message: String, param: String) -> APIError {
        APIError.invalidRequest(message, param: param, code: "vtpe_card_mismatch")
    }
}
