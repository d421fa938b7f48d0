import Foundation

extension Render {
    /// Stripe's `mandate` object (SEPA Direct Debit, multi-use).
    static func mandate(_ m: MandateRecord) -> JSONValue {
        let acceptance: (String, JSONValue) = m.acceptanceType == .online
            ? ("online", .object([("ip_address", .string(m.ipAddress)), ("user_agent", .string(m.userAgent))]))
            : ("offline", .object([]))
        return .object([
            ("id", .string(m.id)),
            ("object", "mandate"),
            ("customer_acceptance", .object([("accepted_at", .int(m.acceptedAt)), acceptance, ("type", .string(m.acceptanceType.rawValue))])),
            ("livemode", false),
            ("multi_use", .object([])),
            ("payment_method", .string(m.paymentMethod)),
            ("payment_method_details", .object([
                ("sepa_debit", .object([("reference", .string(m.reference)), ("url", .string("/v1/mandates/\(m.id)"))])),
                ("type", "sepa_debit"),
            ])),
            ("status", .string(m.status.rawValue)),
            ("type", "multi_use"),
        ])
    }

    /// Stripe's `dispute` object.
    static func dispute(_ d: DisputeRecord) -> JSONValue {
        let given = [String: String](jsonText: d.evidence)
        let evidence = JSONValue.object(CardDisputes.evidenceFields.map { ($0, .string(given[$0])) })
        let details: JSONValue = d.methodType == "card"
            ? .object([("card", .object([("brand", .string(d.brand)), ("case_type", "chargeback"), ("network_reason_code", .null)])), ("type", "card")])
            : .object([("type", "sepa_debit")])
        let pastDue = d.status == .needsResponse && (d.dueBy.map { $0 < Int64(Date().timeIntervalSince1970) } ?? false)
        return .object([
            ("id", .string(d.id)),
            ("object", "dispute"),
            ("amount", .int(d.amount)),
            ("balance_transactions", .array([.string(d.balanceTransaction)] + (d.reinstatementTransaction.map { [JSONValue.string($0)] } ?? []))),
            ("charge", .string(d.charge)),
            ("created", .int(d.created)),
            ("currency", .string(d.currency)),
            ("evidence", evidence),
            ("evidence_details", .object([("due_by", .int(d.dueBy)), ("has_evidence", .bool(!given.isEmpty)), ("past_due", .bool(pastDue)),
                                          ("submission_count", .int(d.submissionCount))])),
            ("is_charge_refundable", false),
            ("livemode", false),
            ("metadata", metadata(d.metadata)),
            ("payment_intent", .string(d.paymentIntent)),
            ("payment_method_details", details),
            ("reason", .string(d.reason)),
            ("status", .string(d.status.rawValue)),
        ])
    }
}
