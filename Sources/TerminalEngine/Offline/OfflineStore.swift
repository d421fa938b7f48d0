import Foundation
import GRDB
import PaymentCore

/// The payments a terminal approved offline, kept until the gateway has them: `<data-dir>/offline-<profile>.sqlite`
/// (GRDB over SQLite, WAL, `synchronous=FULL`, so an approval shown is on disk even if the power goes the next
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
        /// The enciphered request body (docs/api.md), sent as is with `vtpe_offline[stored_at]`.
        public var form: String
        public var status: Status
        public var paymentIntent: String?
        public var declineCode: String?
        public var attempts: Int

        public init(stan: UInt32, idempotencyKey: String, amount: Money, brand: String, last4: String, storedAt: Date, form: String) {
            self.stan = Int64(stan)
            self.idempotencyKey = idempotencyKey
            self.amount = amount.minorUnits
            currency = amount.currency.code
            self.brand = brand
            self.last4 = last4
            self.storedAt = storedAt
            self.form = form
            status = .pending
            attempts = 0
        }

        public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

        enum CodingKeys: String, CodingKey {
            case id, stan, amount, currency, brand, last4, form, status, attempts
            case idempotencyKey = "idempotency_key", storedAt = "stored_at", paymentIntent = "payment_intent", declineCode = "decline_code"
        }
    }

    private let database: DatabaseQueue
    public let path: String

    /// Opens (or creates) the store; a damaged file is an error that says how to recover — never replaced.
    public init(dataDirectory: URL, profileID: String) throws {
        path = dataDirectory.appendingPathComponent("offline-\(profileID).sqlite").path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            database = try DatabaseQueue(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.create(table: Payment.databaseTableName) { t in
                    t.autoIncrementedPrimaryKey("id")
                    t.column("stan", .integer).notNull()
                    t.column("idempotency_key", .text).notNull().unique()
                    t.column("amount", .integer).notNull()
                    t.column("currency", .text).notNull()
                    t.column("brand", .text).notNull()
                    t.column("last4", .text).notNull()
                    t.column("stored_at", .datetime).notNull()
                    t.column("form", .text).notNull()
                    t.column("status", .text).notNull()
                    t.column("payment_intent", .text)
                    t.column("decline_code", .text)
                    t.column("attempts", .integer).notNull()
                }
            }
            try migrator.migrate(database)
            _ = try database.read { db in try db.execute(sql: "PRAGMA quick_check") }
        } catch {
            throw TerminalStateError(message: "\(path) cannot be opened (\(error)); it holds payments approved offline: keep it, and move it away only once they are forwarded another way")
        }
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
        try database.write { db in
            try db.execute(sql: "UPDATE offline_payments SET status = ?, payment_intent = ?, decline_code = ?, attempts = attempts + 1 WHERE id = ?",
                           arguments: [status.rawValue, paymentIntent, declineCode, id])
        }
    }

    /// Counts a forwarding attempt that got no answer.
    public func attempted(id: Int64) throws {
        try database.write { db in try db.execute(sql: "UPDATE offline_payments SET attempts = attempts + 1 WHERE id = ?", arguments: [id]) }
    }

    /// What is waiting: count, totals per currency and the oldest, for the policy and `vtpe status`.
    public func queue() throws -> OfflinePolicy.Queue {
        let rows = try pending()
        var totals: [Currency: Int64] = [:]
        for row in rows { if let currency = try? Currency(code: row.currency) { totals[currency, default: 0] += row.amount } }
        return OfflinePolicy.Queue(count: rows.count, totals: totals, oldest: rows.first?.storedAt)
    }
}
