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
        .object([
            ("id", .string(d.id)),
            ("object", "dispute"),
            ("amount", .int(d.amount)),
            ("balance_transactions", .array([.string(d.balanceTransaction)])),
            ("charge", .string(d.charge)),
            ("created", .int(d.created)),
            ("currency", .string(d.currency)),
            ("evidence_details", .object([("due_by", .null), ("has_evidence", false), ("past_due", false), ("submission_count", 0)])),
            ("is_charge_refundable", false),
            ("livemode", false),
            ("metadata", metadata(d.metadata)),
            ("payment_intent", .string(d.paymentIntent)),
            ("payment_method_details", .object([("type", "sepa_debit")])),
            ("reason", .string(d.reason)),
            ("status", .string(d.status.rawValue)),
        ])
    }
}
