import Foundation
import SQLKit

/// The summary report's sums, added up by the database: authorization attempts from the charges (a SEPA debit
/// counts once its bank has answered), money from the ledger, each row tagged with its group.
extension SQLPaymentStore {
    public func reportTotals(from: Int64, to: Int64, groupBy: ReportGrouping) async throws -> [ReportTotals] {
        try await sessions.withSession { db in
            let attempts = try await db.raw("""
                SELECT \(unsafeRaw: Self.groupKey(groupBy, refund: false)) AS grp, c.currency AS currency, COUNT(*) AS attempts,
                       SUM(CASE WHEN c.status = 'succeeded' THEN 1 ELSE 0 END) AS approved
                FROM charges c
                LEFT JOIN payment_methods pm ON pm.id = c.payment_method
                LEFT JOIN payment_intents pi ON pi.id = c.payment_intent
                WHERE c.created >= \(bind: from) AND c.created < \(bind: to) AND c.status <> 'pending'
                GROUP BY grp, c.currency
                """).all()
            // A refund's or a lost dispute's group is its charge's; an unreferenced refund (no charge) is card-present
            // at its terminal. A lost dispute is an `adjustment` whose source is the dispute.
            let ledger = try await db.raw("""
                SELECT \(unsafeRaw: Self.groupKey(groupBy, refund: true)) AS grp, b.currency AS currency,
                       CAST(SUM(CASE WHEN b.type = 'charge' THEN b.amount ELSE 0 END) AS BIGINT) AS gross,
                       CAST(SUM(CASE WHEN b.type = 'refund' THEN -b.amount ELSE 0 END) AS BIGINT) AS refunds,
                       SUM(CASE WHEN b.type = 'refund' THEN 1 ELSE 0 END) AS refund_count,
                       CAST(SUM(CASE WHEN b.reporting_category IN ('dispute', 'dispute_reversal') THEN -b.amount ELSE 0 END) AS BIGINT) AS disputes,
                       CAST(SUM(b.fee) AS BIGINT) AS fees, CAST(SUM(b.net) AS BIGINT) AS net
                FROM balance_transactions b
                LEFT JOIN refunds rf ON b.type = 'refund' AND rf.id = b.source
                LEFT JOIN disputes dp ON b.reporting_category IN ('dispute', 'dispute_reversal') AND dp.id = b.source
                LEFT JOIN charges c ON c.id = (CASE WHEN b.type = 'charge' THEN b.source WHEN b.type = 'refund' THEN rf.charge ELSE dp.charge END)
                LEFT JOIN payment_methods pm ON pm.id = c.payment_method
                LEFT JOIN payment_intents pi ON pi.id = c.payment_intent
                WHERE b.created >= \(bind: from) AND b.created < \(bind: to) AND (b.type IN ('charge', 'refund') OR b.reporting_category IN ('dispute', 'dispute_reversal'))
                GROUP BY grp, b.currency
                """).all()
            var rows: [ReportTotals] = []
            for row in attempts {
                var t = ReportTotals(group: try row.decode(column: "grp", as: String.self), currency: try row.decode(column: "currency", as: String.self))
                t.attempts = try row.decode(column: "attempts", as: Int64.self)
                t.approved = try row.decode(column: "approved", as: Int64.self)
                rows.append(t)
            }
            for row in ledger {
                var t = ReportTotals(group: try row.decode(column: "grp", as: String.self), currency: try row.decode(column: "currency", as: String.self))
                t.gross = try row.decode(column: "gross", as: Int64.self)
                t.refunds = try row.decode(column: "refunds", as: Int64.self)
                t.refundCount = try row.decode(column: "refund_count", as: Int64.self)
                t.disputes = try row.decode(column: "disputes", as: Int64.self)
                t.fees = try row.decode(column: "fees", as: Int64.self)
                t.net = try row.decode(column: "net", as: Int64.self)
                rows.append(t)
            }
            return rows
        }
    }

    public func unsettledBalance(availableBy now: Int64) async throws -> [UnsettledBalance] {
        try await sessions.withSession { db in
            try await db.raw("""
                SELECT currency, CAST(SUM(net) AS BIGINT) AS net, COUNT(*) AS transactions FROM balance_transactions
                WHERE payout IS NULL AND type <> 'payout' AND available_on <= \(bind: now) GROUP BY currency
                """).all().map {
                    UnsettledBalance(currency: try $0.decode(column: "currency", as: String.self), net: try $0.decode(column: "net", as: Int64.self),
                                     transactions: try $0.decode(column: "transactions", as: Int64.self))
                }
        }
    }

    /// The SQL of a row's group (`pm`: the card's payment method, `pi`: the intent, `rf`: the refund when `refund`).
    private static func groupKey(_ grouping: ReportGrouping, refund: Bool) -> String {
        let terminal = refund ? "COALESCE(pi.vtpe_terminal_id, rf.vtpe_terminal_id)" : "pi.vtpe_terminal_id"
        let cardPresent = refund ? "(pm.read_method IS NOT NULL OR rf.vtpe_card_present IS NOT NULL)" : "pm.read_method IS NOT NULL"
        switch grouping {
        case .currency: return refund ? "b.currency" : "c.currency"
        case .channel: return "CASE WHEN \(cardPresent) THEN 'card_present' ELSE 'online' END"
        case .brand: return "COALESCE(NULLIF(pm.brand, ''), pm.type, 'unknown')"
        case .terminal: return "COALESCE(\(terminal), 'none')"
        case .location:
            // The terminal's newest reader that is not deleted (a terminal may have registered more than once).
            return """
                COALESCE((SELECT r.location FROM terminal_readers r WHERE r.serial_number = \(terminal) AND r.deleted = FALSE
                          ORDER BY r.created DESC LIMIT 1), 'none')
                """
        }
    }
}
