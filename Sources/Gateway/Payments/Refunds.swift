import Foundation

/// Refunds of captured charges: full or partial, by charge or by payment intent, never more than what is left.
/// The charge's `amount_refunded` is the guard of the commit, so two refunds of the last cent cannot both pass.
struct Refunds {
    let store: any PaymentStore
    let intents: PaymentIntents

    static let reasons: Set = ["duplicate", "fraudulent", "requested_by_customer"]

    func create(_ params: inout FormParams, now: Date) async throws -> RefundRecord {
        let chargeParam = try params.string("charge")
        let intentParam = try params.string("payment_intent")
        let requested = try params.integer("amount", range: 1...PaymentIntents.maxAmount)
        let reason = try params.string("reason")
        let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }
        params.allow("expand", "instructions_email", "refund_application_fee", "reverse_transfer", "origin")
        try params.rejectUnknown()
        if let reason, !Self.reasons.contains(reason) {
            throw APIError.invalidRequest("Invalid reason: must be one of duplicate, fraudulent or requested_by_customer.", param: "reason")
        }
        if chargeParam != nil && intentParam != nil {
            throw APIError.invalidRequest("You may only specify one of these parameters: charge, payment_intent.", param: "payment_intent")
        }
        return try await store.retryingConflicts {
            var charge = try await chargeToRefund(charge: chargeParam, paymentIntent: intentParam)
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
            let created = Int64(now.timeIntervalSince1970)
            var refund = RefundRecord(id: ObjectID.make("re"), amount: amount, charge: charge.id, paymentIntent: charge.paymentIntent,
                                      currency: charge.currency, status: "succeeded", reason: reason, balanceTransaction: nil,
                                      created: created, metadata: metadata.jsonText)
            let txn = Ledger.forRefund(refund, now: created)
            refund.balanceTransaction = txn.id
            let before = charge.amountRefunded
            charge.amountRefunded += amount
            try await store.commit([.update(charge, expecting: .amountRefunded(before)), .insert(refund), .insert(txn)]
                + intents.release(amount, on: charge))
            return refund
        }
    }

    func update(id: String, _ params: inout FormParams) async throws -> RefundRecord {
        let metadata = try params.metadata("metadata")
        params.allow("expand")
        try params.rejectUnknown()
        guard var refund = try await store.find(RefundRecord.self, id: id) else { throw APIError.missing("refund", id: id) }
        if let metadata {
            refund.metadata = try PaymentIntents.merge(metadata: metadata, into: refund.metadata, clear: params.has("metadata") && metadata.isEmpty)
            try await store.commit([.update(refund, expecting: nil)])
        }
        return refund
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
              ["succeeded", "requires_capture"].contains(intent.status) else {
            throw APIError.invalidRequest("This PaymentIntent (\(intent.id)) does not have a successful charge to refund.",
                                          param: "payment_intent", code: "payment_intent_unexpected_state")
        }
        return charge
    }
}
