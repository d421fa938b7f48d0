import Foundation
import GRDB
import PaymentCore

/// The payments a terminal approved offline, kept until the gateway has them, in the terminal's journal database
/// (`TerminalDatabase`: WAL, `synchronous=FULL`, so an approval shown is on disk even if the power goes the next
/// instant). Rows hold what the gateway needs — the request body with track 2 and the PIN block enciphered under
/// the terminal's DUKPT keys — and what the screen shows (brand, last four, amount), never clear card data.
///
/// Payments are forwarded in the order they were stored; a forwarded or declined row stays for the batch.
public final class OfflineStore: Sendable {
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case pending, forwarded, declined
    }

    public struct Payment: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
        public static let databaseTableName = "offline_payments"
        public var id: Int64?
        public var stan: Int64
        /// The idempotency key it was stored under: the forwarding uses it, so a retry never pays twice.
        public var idempotencyKey: String
        public var amount: Int64
        public var currency: String
        public var brand: String
        public var last4: String
        public var storedAt: Date
        /// How the card was read (nil in rows of earlier versions).
        public var entryMode: String?
        /// The enciphered request body (docs/api.md), sent as is with `vtpe_offline[stored_at]`.
        public var form: String
        public var status: Status
        public var paymentIntent: String?
        public var declineCode: String?
        public var attempts: Int

        public init(stan: UInt32, idempotencyKey: String, amount: Money, brand: String, last4: String, entryMode: String? = nil, storedAt: Date, form: String) {
            self.stan = Int64(stan)
            self.idempotencyKey = idempotencyKey
            self.amount = amount.minorUnits
            currency = amount.currency.code
            self.brand = brand
            self.last4 = last4
            self.entryMode = entryMode
            self.storedAt = storedAt
            self.form = form
            status = .pending
            attempts = 0
        }

        public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

        enum CodingKeys: String, CodingKey {
            case id, stan, amount, currency, brand, last4, form, status, attempts
            case idempotencyKey = "idempotency_key", entryMode = "entry_mode", storedAt = "stored_at", paymentIntent = "payment_intent", declineCode = "decline_code"
        }
    }

    private let database: DatabaseQueue
    public let path: String

    /// The offline payments of the terminal's journal database.
    public init(_ journal: TerminalDatabase) {
        database = journal.queue
        path = journal.path
    }

    /// Opens the journal database of a profile for its offline payments (a damaged file is an error that says how
    /// to recover — never replaced).
    public convenience init(dataDirectory: URL, profileID: String) throws {
        self.init(try TerminalDatabase(dataDirectory: dataDirectory, profileID: profileID))
    }

    /// Keeps a payment approved offline; it is on disk when this returns.
    @discardableResult
    public func store(_ payment: Payment) throws -> Payment {
        var row = payment
        try database.write { db in try row.insert(db) }
        return row
    }

    /// The payments still to forward, oldest first.
    public func pending() throws -> [Payment] {
        try database.read { db in
            try Payment.filter(Column("status") == Status.pending.rawValue).order(Column("id")).fetchAll(db)
        }
    }

    /// Every stored payment, oldest first.
    public func all() throws -> [Payment] {
        try database.read { db in try Payment.order(Column("id")).fetchAll(db) }
    }

    /// Records what the gateway made of a forwarded payment.
    public func settle(id: Int64, status: Status, paymentIntent: String?, declineCode: String?) throws {
        try database.write { db in try Self.settle(id: id, status: status, paymentIntent: paymentIntent, declineCode: declineCode, db) }
    }

    /// The settle's write, for a commit that holds more (the engine's: the payment settled and its batch entry in
    /// one transaction).
    static func settle(id: Int64, status: Status, paymentIntent: String?, declineCode: String?, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE offline_payments SET status = ?, payment_intent = ?, decline_code = ?, attempts = attempts + 1 WHERE id = ?")
            .execute(arguments: [status.rawValue, paymentIntent, declineCode, id])
    }

    /// Counts a forwarding attempt that got no answer.
    public func attempted(id: Int64) throws {
        try database.write { db in try db.execute(sql: "UPDATE offline_payments SET attempts = attempts + 1 WHERE id = ?", arguments: [id]) }
    }

    /// What will be waiting once `payments` — the oldest pending ones, in order — are settled: for the event that
    /// the settles' own commit goes with.
    public func queue(settling payments: [Payment]) throws -> OfflinePolicy.Queue {
        try database.inDatabase { db in
            var queue = try Self.queue(db)
            guard let last = payments.last?.id else { return queue }
            for payment in payments where payment.status == .pending {
                guard let currency = try? Currency(code: payment.currency) else { continue }
                queue.count -= 1
                queue.totals[currency] = (queue.totals[currency] ?? 0) - payment.amount
                if queue.totals[currency] == 0 { queue.totals[currency] = nil }
            }
            // They are the oldest pending: what is left starts after the last of them.
            queue.oldest = try Date.fetchOne(db.cachedStatement(sql: "SELECT stored_at FROM offline_payments WHERE status = ? AND id > ? ORDER BY id LIMIT 1"),
                                             arguments: [Status.pending.rawValue, last])
            return queue
        }
    }

    /// What is waiting: count, totals per currency and the oldest, for the policy and `vtpe status`.
    public func queue() throws -> OfflinePolicy.Queue {
        // `inDatabase`, not `read`: the queue serializes every access, so two statements already see one state, and
        // `read`'s read-only transaction (a BEGIN and two PRAGMAs compiled each time) cost more than the counts.
        try database.inDatabase { db in try Self.queue(db) }
    }

    private static func queue(_ db: Database) throws -> OfflinePolicy.Queue {
        // Kept by triggers (journal migration v3): the engine asks after every payment stored or forwarded, and
        // the store may hold thousands.
        var count = 0
        var totals: [Currency: Int64] = [:]
        // Prepared once: compiling a statement (GRDB authorizes every column it reads) cost more than running it.
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT currency, count, amount FROM offline_queue WHERE count > 0")) {
            count += row["count"] as Int
            if let currency = try? Currency(code: row["currency"]) { totals[currency] = row["amount"] }
        }
        let oldest = try Date.fetchOne(db.cachedStatement(sql: "SELECT stored_at FROM offline_payments WHERE status = ? ORDER BY id LIMIT 1"),
                                       arguments: [Status.pending.rawValue])
        return OfflinePolicy.Queue(count: count, totals: totals, oldest: oldest)
    }
}
