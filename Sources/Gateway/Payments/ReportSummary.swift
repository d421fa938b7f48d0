import Foundation

/// What `GET /v1/vtpe/reports/summary` groups by.
public enum ReportGrouping: String, CaseIterable, Sendable {
    /// `online` or `card_present`.
    case channel
    /// The terminal id (`metadata[terminal_id]`) of card-present payments; `none` for online ones.
    case terminal
    /// The location of the terminal's reader; `none` for online payments and terminals without a reader.
    case location
    case currency
    /// The card brand (`visa`, `mastercard` …); `unknown` when the gateway never saw the card.
    case brand
}

/// One group's sums, in minor units of one currency, as the store adds them up: the authorization attempts from the
/// charges, the money from the ledger (balance transactions).
public struct ReportTotals: Sendable, Equatable {
    public var group: String
    public var currency: String
    /// Authorization attempts (charges) and how many the issuer approved.
    public var attempts: Int64 = 0
    public var approved: Int64 = 0
    /// Captured amounts, refunded amounts (positive), fees and net, from the ledger.
    public var gross: Int64 = 0
    public var refunds: Int64 = 0
    public var refundCount: Int64 = 0
    /// Amounts taken back by lost disputes (positive); `net` is after them.
    public var disputes: Int64 = 0
    public var fees: Int64 = 0
    public var net: Int64 = 0

    public init(group: String, currency: String) {
        self.group = group
        self.currency = currency
    }

    /// Approved attempts over all attempts, nil without any.
    var approvalRate: Double? { attempts == 0 ? nil : Double(approved) / Double(attempts) }
}

/// The summary report, pure: the store's rows (which may come split — attempts and ledger apart) merged per group
/// and currency, sorted, with the totals per currency.
enum ReportSummary {
    static func merge(_ rows: [ReportTotals]) -> [ReportTotals] {
        var byKey: [String: ReportTotals] = [:]
        for row in rows {
            let key = row.group + "\u{0}" + row.currency
            var sum = byKey[key] ?? ReportTotals(group: row.group, currency: row.currency)
            sum.attempts += row.attempts
            sum.approved += row.approved
            sum.gross += row.gross
            sum.refunds += row.refunds
            sum.refundCount += row.refundCount
            sum.disputes += row.disputes
            sum.fees += row.fees
            sum.net += row.net
            byKey[key] = sum
        }
        return byKey.values.sorted { ($0.currency, $0.group) < ($1.currency, $1.group) }
    }

    /// One line per currency: everything of that currency, whatever its group.
    static func totals(_ groups: [ReportTotals]) -> [ReportTotals] {
        merge(groups.map { var all = $0; all.group = ""; return all })
    }

    static func render(_ t: ReportTotals, grouped: Bool) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if grouped { fields.append(("group", .string(t.group))) }
        fields += [
            ("currency", .string(t.currency)),
            ("gross", .int(t.gross)),
            ("refunds", .int(t.refunds)),
            ("disputes", .int(t.disputes)),
            ("fees", .int(t.fees)),
            ("net", .int(t.net)),
            ("count", .int(t.attempts)),
            ("approved_count", .int(t.approved)),
            // A decimal string with four places, as Stripe writes decimals (`*_decimal` fields).
            ("approval_rate", .string(t.approvalRate.map { String(format: "%.4f", $0) })),
            ("refund_count", .int(t.refundCount)),
        ]
        return .object(fields)
    }
}
