extension Render {
    /// Stripe's `payout` object.
    static func payout(_ p: PayoutRecord) -> JSONValue {
        .object([
            ("id", .string(p.id)),
            ("object", "payout"),
            ("amount", .int(p.amount)),
            ("arrival_date", .int(p.arrivalDate)),
            ("automatic", true),
            ("balance_transaction", .string(p.balanceTransaction)),
            ("created", .int(p.created)),
            ("currency", .string(p.currency)),
            ("description", .string(p.description)),
            ("destination", .null),
            ("failure_balance_transaction", .null),
            ("failure_code", .null),
            ("failure_message", .null),
            ("livemode", false),
            ("metadata", metadata(p.metadata)),
            ("method", "standard"),
            ("original_payout", .null),
            ("reconciliation_status", "completed"),
            ("reversed_by", .null),
            ("source_type", "card"),
            ("statement_descriptor", .null),
            ("status", .string(p.status.rawValue)),
            ("type", "bank_account"),
        ])
    }
}
