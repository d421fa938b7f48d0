extension Render {
    /// Stripe's `cash_balance` of a customer: what each currency holds.
    static func cashBalance(customer: String, _ rows: [CashBalanceRecord]) -> JSONValue {
        .object([
            ("object", "cash_balance"),
            ("available", .object(rows.sorted { $0.currency < $1.currency }.map { ($0.currency, .int($0.available)) })),
            ("customer", .string(customer)),
            ("livemode", false),
            ("settings", .object([("reconciliation_mode", "automatic"), ("using_merchant_default", true)])),
        ])
    }

    /// Stripe's `customer_cash_balance_transaction`.
    static func cashBalanceTransaction(_ t: CashBalanceTransactionRecord) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(t.id)),
            ("object", "customer_cash_balance_transaction"),
            ("created", .int(t.created)),
            ("currency", .string(t.currency)),
            ("customer", .string(t.customer)),
            ("ending_balance", .int(t.endingBalance)),
            ("livemode", false),
            ("net_amount", .int(t.netAmount)),
            ("type", .string(t.type.rawValue)),
        ]
        switch t.type {
        case .funded:
            fields.append(("funded", .object([("bank_transfer", .object([
                ("eu_bank_transfer", .object([("bic", .null), ("iban_last4", .null), ("sender_name", .null)])),
                ("reference", .string(t.reference)), ("type", "eu_bank_transfer"),
            ]))])))
        default:
            fields.append((t.type.rawValue, .object([("payment_intent", .string(t.paymentIntent))])))
        }
        return .object(fields)
    }
}
