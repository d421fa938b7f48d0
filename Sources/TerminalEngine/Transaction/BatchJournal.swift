import CardReaders
import Foundation
import PaymentCore

/// One transaction of the open batch, as the terminal keeps it: enough to complete, void, refund, reprint and
/// total it — never card data beyond brand and last four digits.
public struct JournalEntry: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case approved, declined, failed
        /// A pre-authorization completed (captured).
        case completed
        /// Undone by a void of this batch.
        case voided
        /// A refund whose answer was lost: the reversal queue asks the gateway, and the entry becomes approved or
        /// failed when it answers. Meanwhile the sale takes no other refund nor a void.
        case inDoubt = "in_doubt"
    }

    public var stan: UInt32
    public var kind: TransactionKind
    /// The amount asked (for a pre-authorization: the authorized amount).
    public var amount: Money
    public var brand: CardBrand
    public var last4: String
    public var entryMode: String
    public var date: Date
    public var status: Status
    /// The gateway object: the payment intent of a sale or pre-authorization, the refund of a refund or a void of a
    /// captured payment, the intent cancelled by a void of an uncaptured one.
    public var gatewayID: String?
    public var authorizationCode: String?
    /// For a pre-authorization: what was captured; for a sale: its amount.
    public var captured: Money?
    /// What was refunded of it so far (referenced refunds and voids).
    public var refunded: Int64 = 0
    /// The transaction this one acts on (completion, void, referenced refund).
    public var reference: UInt32?
    /// The outcome's text for receipts and reports (decline code, failure).
    public var outcomeText: String?
    /// The EMV lines the receipt carries.
    public var emv: EMVReceiptData?
    /// For a payment approved offline: stored, forwarded or declined when forwarded (nil for an online one).
    public var offline: OfflineState?

    public var card: CardSummary {
        CardSummary(brand: brand, last4: last4, entryMode: EntryMode(rawValue: entryMode) ?? .contact)
    }
}

/// The open batch (télécollecte): its number and its transactions, saved in the journal database
/// (`TerminalDatabase`) before the change shows.
public struct BatchJournal: Sendable, Equatable, Codable {
    public var number: Int
    public var entries: [JournalEntry]
    /// STANs of the last closed batch (a void of one of them is refused by name).
    public var closedSTANs: [UInt32]
    /// Positions of the entries added or changed since the journal database last saved this batch (`add`,
    /// `update`): a save writes those, not the whole day. Not part of the batch's value (equality, JSON).
    public internal(set) var unsaved: Set<Int> = []

    enum CodingKeys: String, CodingKey { case number, entries, closedSTANs }

    public static func == (a: BatchJournal, b: BatchJournal) -> Bool {
        a.number == b.number && a.entries == b.entries && a.closedSTANs == b.closedSTANs
    }

    public init(number: Int = 1, entries: [JournalEntry] = [], closedSTANs: [UInt32] = []) {
        self.number = number
        self.entries = entries
        self.closedSTANs = closedSTANs
    }

    public func entry(_ stan: UInt32) -> JournalEntry? { entries.last { $0.stan == stan } }

    mutating func update(_ stan: UInt32, _ change: (inout JournalEntry) -> Void) {
        guard let i = entries.lastIndex(where: { $0.stan == stan }) else { return }
        change(&entries[i])
        unsaved.insert(i)
    }

    /// A transaction joins the batch.
    mutating func add(_ entry: JournalEntry) {
        entries.append(entry)
        unsaved.insert(entries.count - 1)
    }

    /// The journal database has saved it.
    mutating func markSaved() { unsaved = [] }

    /// The batch's totals: what moved, by currency, brand and type — as the gateway counts them
    /// (docs/api.md "Terminal batches"): sales approved; pre-authorizations by what was captured; refunds; voids
    /// (a captured payment's refund amount, an uncaptured one's cancel with 0).
    public var totals: [BatchTotal] {
        var sums: [BatchTotal.Key: (count: Int, amount: Int64)] = [:]
        func add(_ e: JournalEntry, _ type: TransactionKind, _ amount: Int64) {
            let key = BatchTotal.Key(currency: e.amount.currency.code, brand: e.brand.rawValue, type: type.rawValue)
            sums[key, default: (0, 0)].count += 1
            sums[key, default: (0, 0)].amount += amount
        }
        for e in entries {
            switch (e.kind, e.status) {
            case (.sale, .approved), (.sale, .voided): add(e, .sale, e.amount.minorUnits)
            case (.preauthorization, .completed), (.preauthorization, .voided) where e.captured != nil:
                add(e, .preauthorization, e.captured!.minorUnits)
            case (.refund, .approved): add(e, .refund, e.amount.minorUnits)
            case (.void, .approved): add(e, .void, e.amount.minorUnits)
            default: break
            }
        }
        return sums.map { BatchTotal(currency: $0.key.currency, brand: $0.key.brand, type: $0.key.type, count: $0.value.count, amount: $0.value.amount) }
            .sorted { ($0.currency, $0.type, $0.brand) < ($1.currency, $1.type, $1.brand) }
    }

    /// Payments approved offline that the bank declined when they were forwarded.
    public var declinedOffline: [BatchReport.BatchLine] {
        entries.filter { $0.offline == .declined }.map {
            BatchReport.BatchLine(stan: $0.stan, amount: $0.amount, brand: $0.brand.rawValue, last4: $0.last4, declineCode: $0.outcomeText)
        }
    }

    /// Pre-authorizations neither completed nor voided.
    public var openAuthorizations: [JournalEntry] {
        entries.filter { $0.kind == .preauthorization && $0.status == .approved }
    }
}

/// A batch total line: count and amount (minor units) per currency, card brand and transaction type.
public struct BatchTotal: Sendable, Equatable, Codable {
    struct Key: Hashable { var currency: String; var brand: String; var type: String }
    public var currency: String
    public var brand: String
    public var type: String
    public var count: Int
    public var amount: Int64

    public init(currency: String, brand: String, type: String, count: Int, amount: Int64) {
        self.currency = currency
        self.brand = brand
        self.type = type
        self.count = count
        self.amount = amount
    }
}

/// A difference the reconciliation found: the terminal's and the gateway's count and amount for one line.
public struct BatchDifference: Sendable, Equatable, Codable {
    public var currency: String
    public var brand: String
    public var type: String
    public var terminalCount: Int
    public var terminalAmount: Int64
    public var gatewayCount: Int
    public var gatewayAmount: Int64

    public init(currency: String, brand: String, type: String, terminalCount: Int, terminalAmount: Int64, gatewayCount: Int, gatewayAmount: Int64) {
        self.currency = currency
        self.brand = brand
        self.type = type
        self.terminalCount = terminalCount
        self.terminalAmount = terminalAmount
        self.gatewayCount = gatewayCount
        self.gatewayAmount = gatewayAmount
    }

    /// Compares the terminal's totals with the gateway's, line by line.
    public static func between(terminal: [BatchTotal], gateway: [BatchTotal]) -> [BatchDifference] {
        func index(_ totals: [BatchTotal]) -> [BatchTotal.Key: BatchTotal] {
            Dictionary(totals.map { (BatchTotal.Key(currency: $0.currency, brand: $0.brand, type: $0.type), $0) }, uniquingKeysWith: { a, _ in a })
        }
        let t = index(terminal), g = index(gateway)
        return Set(t.keys).union(g.keys).compactMap { key in
            let a = t[key], b = g[key]
            guard a?.count != b?.count || a?.amount != b?.amount else { return nil }
            return BatchDifference(currency: key.currency, brand: key.brand, type: key.type, terminalCount: a?.count ?? 0, terminalAmount: a?.amount ?? 0,
                                   gatewayCount: b?.count ?? 0, gatewayAmount: b?.amount ?? 0)
        }.sorted { ($0.currency, $0.type, $0.brand) < ($1.currency, $1.type, $1.brand) }
    }
}

/// An X report or a Z close, as the screen, the ticket and `vtpe batch … --json` show it.
public struct BatchReport: Sendable, Equatable, Codable {
    public var number: Int
    public var closed: Bool
    public var totals: [BatchTotal]
    public var openAuthorizations: Int
    /// Nil for an X report made without asking the gateway.
    public var reconciliation: Reconciliation?
    public var date: Date
    /// Payments approved offline that the bank declined when forwarded (the merchant's loss): in no total, listed.
    public var declinedOffline: [BatchLine] = []

    /// One transaction listed on a report.
    public struct BatchLine: Sendable, Equatable, Codable {
        public var stan: UInt32
        public var amount: Money
        public var brand: String
        public var last4: String
        public var declineCode: String?
    }

    public struct Reconciliation: Sendable, Equatable, Codable {
        /// `match` or `mismatch`; `unavailable` when the gateway could not be asked (the batch stays open).
        public var result: String
        public var differences: [BatchDifference]
        public var message: String?

        public init(result: String, differences: [BatchDifference], message: String? = nil) {
            self.result = result
            self.differences = differences
            self.message = message
        }
    }
}
