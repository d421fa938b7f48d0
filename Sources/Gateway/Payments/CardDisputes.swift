import Foundation

/// Card disputes, pure: a captured payment of one of the catalog's dispute cards (`pm_card_createDispute` …) is
/// disputed at once — the funds leave the balance — and waits for the shop's answer. As in Stripe's test mode, the
/// evidence decides: `uncategorized_text` of `winning_evidence` wins it (the funds come back), `losing_evidence`
/// loses it; other evidence leaves it `under_review`. Closing it accepts the loss.
///
///     needs_response ──evidence, submit──▶ under_review ──(winning_evidence)──▶ won (funds reinstated)
///          │                                   └──────────(losing_evidence)───▶ lost
///          └──close──▶ lost
enum CardDisputes {
    /// How long the shop has to answer (Stripe: about a week to three, by network).
    static let responseWindow: Int64 = 7 * 86_400
    /// Stripe's evidence fields (all text here: file fields take a file id, which vtpe keeps as given).
    static let evidenceFields = [
        "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure", "cancellation_rebuttal",
        "customer_communication", "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
        "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id", "product_description", "receipt",
        "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "service_date", "service_documentation",
        "shipping_address", "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
        "uncategorized_file", "uncategorized_text",
    ]
    /// Stripe's limit on all the evidence text together.
    static let maxEvidenceCharacters = 150_000

    /// The dispute of a captured charge: the charge marked disputed, the dispute waiting for evidence, the funds
    /// withdrawal; `charge.dispute.created`, `charge.dispute.funds_withdrawn`.
    static func opened(_ charge: ChargeRecord, amount: Int64, reason: String, brand: String?, now: Int64)
        -> (charge: ChargeRecord, writes: [StoreWrite], events: [EventDraft])
    {
        var charge = charge
        charge.disputed = true
        var dispute = DisputeRecord(id: ObjectID.make("dp"), amount: amount, currency: charge.currency, charge: charge.id,
                                    paymentIntent: charge.paymentIntent, reason: reason, status: .needsResponse,
                                    balanceTransaction: ObjectID.make("txn"), created: now, metadata: "{}")
        dispute.methodType = "card"
        dispute.brand = brand
        dispute.dueBy = now + responseWindow
        return (charge, [.insert(dispute), .insert(Ledger.forDispute(dispute, now: now))],
                [EventDraft(type: .chargeDisputeCreated, object: .dispute(dispute)), EventDraft(type: .chargeDisputeFundsWithdrawn, object: .dispute(dispute))])
    }

    /// What a dispute update asks that its state refuses.
    enum Refusal: Error, Equatable {
        case closed(DisputeStatus)
        case underReview
        case sepa
        case evidenceTooLong
    }

    /// `POST /v1/disputes/:id`: evidence merged into what was given before, submitted (the default) or kept as a draft.
    static func respond(_ read: DisputeRecord, evidence: [String: String], submit: Bool, metadata: [String: String]?, now: Int64) throws(Refusal)
        -> (dispute: DisputeRecord, writes: [StoreWrite], events: [EventDraft])
    {
        try contestable(read)
        var dispute = read
        var merged = [String: String](jsonText: read.evidence)
        for (field, text) in evidence { merged[field] = text.isEmpty ? nil : text }
        guard merged.values.reduce(0, { $0 + $1.count }) <= maxEvidenceCharacters else { throw .evidenceTooLong }
        dispute.evidence = merged.jsonText
        if let metadata { dispute.metadata = Metadata.merged(metadata, into: read.metadata, clear: false).jsonText }
        guard submit else {
            return (dispute, [.update(dispute, expecting: .disputeStatus(read.status))], [EventDraft(type: .chargeDisputeUpdated, object: .dispute(dispute))])
        }
        dispute.submissionCount += 1
        switch merged["uncategorized_text"] {
        case "winning_evidence":
            dispute.status = .won
            let back = Ledger.forDisputeReversal(dispute, now: now)
            dispute.reinstatementTransaction = back.id
            return (dispute, [.update(dispute, expecting: .disputeStatus(read.status)), .insert(back)],
                    [EventDraft(type: .chargeDisputeFundsReinstated, object: .dispute(dispute)), EventDraft(type: .chargeDisputeClosed, object: .dispute(dispute))])
        case "losing_evidence":
            dispute.status = .lost
            return (dispute, [.update(dispute, expecting: .disputeStatus(read.status))], [EventDraft(type: .chargeDisputeClosed, object: .dispute(dispute))])
        default:
            dispute.status = .underReview
            return (dispute, [.update(dispute, expecting: .disputeStatus(read.status))], [EventDraft(type: .chargeDisputeUpdated, object: .dispute(dispute))])
        }
    }

    /// A card dispute still waiting for the shop's answer; SEPA ones never are.
    private static func contestable(_ read: DisputeRecord) throws(Refusal) {
        guard read.methodType == "card" else { throw .sepa }
        guard read.status == .needsResponse else { throw read.status == .underReview ? .underReview : .closed(read.status) }
    }

    /// `POST /v1/disputes/:id/close`: the shop accepts the loss.
    static func close(_ read: DisputeRecord) throws(Refusal) -> (dispute: DisputeRecord, writes: [StoreWrite], events: [EventDraft]) {
        try contestable(read)
        var dispute = read
        dispute.status = .lost
        return (dispute, [.update(dispute, expecting: .disputeStatus(read.status))], [EventDraft(type: .chargeDisputeClosed, object: .dispute(dispute))])
    }
}

extension StoreExpectation {
    static func disputeStatus(_ status: DisputeStatus) -> StoreExpectation { .init(column: "status", value: .text(status.rawValue)) }
}
