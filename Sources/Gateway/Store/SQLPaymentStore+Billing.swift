import SQLKit

/// The billing pass's queries: what falls due by a time on one clock (the machine's, `testClock` nil, or a test
/// clock's), soonest first, through the partial indexes `subscriptions_due`, `invoices_retry` and `invoices_open`.
extension SQLPaymentStore {
    public func dueSubscriptions(testClock: String?, by time: Int64, limit: Int) async throws -> [SubscriptionRecord] {
        try await sessions.withSession { db in
            try await db.select().column("*").from(SubscriptionRecord.table)
                .where("next_action_at", .isNot, SQLLiteral.null).where("next_action_at", .lessThanOrEqual, time)
                .where(Self.onClock(testClock))
                .orderBy("next_action_at").orderBy("id").limit(limit).all()
                .map { try $0.decode(model: SubscriptionRecord.self, keyDecodingStrategy: ColumnNames.decoding) }
        }
    }

    public func dueInvoices(testClock: String?, by time: Int64, limit: Int) async throws -> [InvoiceRecord] {
        try await sessions.withSession { db in
            try await db.select().column("*").from(InvoiceRecord.table)
                .where("next_payment_attempt", .isNot, SQLLiteral.null).where("next_payment_attempt", .lessThanOrEqual, time)
                .where("status", .equal, InvoiceStatus.open.rawValue).where(Self.onClock(testClock))
                .orderBy("next_payment_attempt").orderBy("id").limit(limit).all()
                .map { try $0.decode(model: InvoiceRecord.self, keyDecodingStrategy: ColumnNames.decoding) }
        }
    }

    public func invoicesToSettle(limit: Int) async throws -> [InvoiceRecord] {
        try await sessions.withSession { db in
            try await db.raw("""
                SELECT i.* FROM invoices i JOIN payment_intents p ON p.id = i.payment_intent
                WHERE i.status = 'open' AND (i.awaiting_payment OR p.status IN ('succeeded', 'processing'))
                ORDER BY i.created, i.id LIMIT \(bind: limit)
                """).all()
                .map { try $0.decode(model: InvoiceRecord.self, keyDecodingStrategy: ColumnNames.decoding) }
        }
    }

    /// `test_clock = $1`, or `test_clock IS NULL` for the machine's clock.
    private static func onClock(_ testClock: String?) -> any SQLExpression {
        guard let testClock else { return SQLBinaryExpression(SQLIdentifier("test_clock"), SQLBinaryOperator.is, SQLLiteral.null) }
        return SQLBinaryExpression(SQLIdentifier("test_clock"), SQLBinaryOperator.equal, SQLBind(testClock))
    }
}
