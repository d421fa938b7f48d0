import CardReaders
import Foundation
import GRDB
import PaymentCore

/// The terminal's journal: one SQLite file, `<data-dir>/journal-<profile>.sqlite` (GRDB, WAL, `synchronous=FULL`),
/// holding everything a terminal must not lose — its id and next STAN, the open batch, the steps of the
/// transaction in progress (written before the terminal acts), the reversals and inquiries it owes, and the
/// payments it approved offline. A commit is on disk when it returns, so a terminal killed at any instant finds at
/// restart exactly what it had done and what it was about to do (`CrashRecovery`).
///
/// A file that cannot be opened or read is never replaced: the terminal refuses to start and says how to recover.
public final class TerminalDatabase: Sendable {
    let queue: DatabaseQueue
    public let path: String

    public static func file(in dir: URL, profileID: String) -> URL { dir.appendingPathComponent("journal-\(profileID).sqlite") }

    /// Opens (or creates) the journal; files of older versions (`terminal-`, `batch-`, `reversals-<profile>.json`,
    /// `offline-<profile>.sqlite`) are taken in once and renamed `*.imported`.
    public init(dataDirectory: URL, profileID: String) throws {
        path = Self.file(in: dataDirectory, profileID: profileID).path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(5)
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
            let check = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") }
            guard check == "ok" else { throw TerminalStateError(message: check ?? "quick_check gave no answer") }
            _ = try batch()
        } catch {
            throw TerminalStateError(message: Self.damaged(path, error))
        }
        try LegacyImport.run(into: self, dataDirectory: dataDirectory, profileID: profileID)
    }

    static func damaged(_ path: String, _ error: any Error) -> String {
        """
        \(path) is damaged (\(error)): the terminal will not start on it. It holds the open batch, the reversals owed \
        and the payments approved offline, so keep it: `sqlite3 \(path) .recover | sqlite3 recovered.sqlite` \
        salvages what it can (put the result in its place), or move the file away to start an empty journal once \
        its payments are accounted for (docs/offline.md, "Crash safety")
        """
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "terminal") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("terminal_id", .text).notNull()
                t.column("next_stan", .integer).notNull()
            }
            try db.create(table: "batch") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("document", .text).notNull()
            }
            try db.create(table: "steps") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("stan", .integer).notNull()
                t.column("idempotency_key", .text).notNull().indexed()
                t.column("document", .text).notNull()
                t.column("open", .boolean).notNull()
            }
            try db.create(table: "reversals") { t in
                t.column("key", .text).primaryKey()
                t.column("payment_intent", .text)
                t.column("reason", .text).notNull()
                t.column("created", .datetime).notNull()
                t.column("attempts", .integer).notNull()
            }
            try db.create(table: OfflineStore.Payment.databaseTableName) { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("stan", .integer).notNull()
                t.column("idempotency_key", .text).notNull().unique()
                t.column("amount", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("brand", .text).notNull()
                t.column("last4", .text).notNull()
                t.column("entry_mode", .text)
                t.column("stored_at", .datetime).notNull()
                t.column("form", .text).notNull()
                t.column("status", .text).notNull()
                t.column("payment_intent", .text)
                t.column("decline_code", .text)
                t.column("attempts", .integer).notNull()
            }
        }
        // The open batch as one row per transaction (a save writes the entries that changed, not the whole day), and
        // the pending offline payments found without a scan.
        migrator.registerMigration("v2-batch-entries") { db in
            let old = try String.fetchOne(db, sql: "SELECT document FROM batch WHERE id = 1").map { try decoder.decode(BatchJournal.self, from: Data($0.utf8)) }
            try db.drop(table: "batch")
            try db.create(table: "batch") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("number", .integer).notNull()
                t.column("closed_stans", .text).notNull()
            }
            try db.create(table: "batch_entries") { t in
                t.column("position", .integer).primaryKey()
                t.column("stan", .integer).notNull()
                t.column("document", .text).notNull()
            }
            try db.create(index: "offline_payments_pending", on: OfflineStore.Payment.databaseTableName, columns: ["status", "id"])
            try db.create(index: "steps_open", on: "steps", columns: ["open", "id"])
            if let old {
                try db.execute(sql: "INSERT INTO batch (id, number, closed_stans) VALUES (1, ?, ?)",
                               arguments: [old.number, String(decoding: try encoder.encode(old.closedSTANs), as: UTF8.self)])
                for (i, entry) in old.entries.enumerated() {
                    try db.execute(sql: "INSERT INTO batch_entries (position, stan, document) VALUES (?, ?, ?)",
                                   arguments: [i, Int64(entry.stan), String(decoding: try encoder.encode(entry), as: UTF8.self)])
                }
            }
        }
        // The offline queue's count and total per currency, kept by triggers in the same transaction as every
        // change of a payment's status: the engine reads them after each payment stored or forwarded, and a
        // GROUP BY over thousands of pending rows made forwarding quadratic.
        migrator.registerMigration("v3-offline-queue") { db in
            try db.execute(sql: """
                CREATE TABLE offline_queue (currency TEXT PRIMARY KEY, count INTEGER NOT NULL, amount INTEGER NOT NULL);
                INSERT INTO offline_queue (currency, count, amount)
                    SELECT currency, COUNT(*), SUM(amount) FROM offline_payments WHERE status = 'pending' GROUP BY currency;
                CREATE TRIGGER offline_queue_in AFTER INSERT ON offline_payments WHEN NEW.status = 'pending' BEGIN
                    INSERT INTO offline_queue (currency, count, amount) VALUES (NEW.currency, 1, NEW.amount)
                        ON CONFLICT (currency) DO UPDATE SET count = count + 1, amount = amount + excluded.amount;
                END;
                CREATE TRIGGER offline_queue_back AFTER UPDATE OF status ON offline_payments
                    WHEN OLD.status <> 'pending' AND NEW.status = 'pending' BEGIN
                    INSERT INTO offline_queue (currency, count, amount) VALUES (NEW.currency, 1, NEW.amount)
                        ON CONFLICT (currency) DO UPDATE SET count = count + 1, amount = amount + excluded.amount;
                END;
                CREATE TRIGGER offline_queue_out AFTER UPDATE OF status ON offline_payments
                    WHEN OLD.status = 'pending' AND NEW.status <> 'pending' BEGIN
                    UPDATE offline_queue SET count = count - 1, amount = amount - OLD.amount WHERE currency = OLD.currency;
                END;
                CREATE TRIGGER offline_queue_gone AFTER DELETE ON offline_payments WHEN OLD.status = 'pending' BEGIN
                    UPDATE offline_queue SET count = count - 1, amount = amount - OLD.amount WHERE currency = OLD.currency;
                END;
                CREATE TRIGGER offline_queue_fixed BEFORE UPDATE OF amount, currency ON offline_payments WHEN OLD.status = 'pending' BEGIN
                    SELECT RAISE(ABORT, 'a pending offline payment keeps its amount and currency');
                END;
                """)
        }
        return migrator
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    // MARK: One commit

    /// What the engine writes before it acts.
    public enum Write: Sendable {
        case identity(TerminalIdentity)
        case step(JournalStep)
        case reversal(key: String, paymentIntent: String?, reason: String, created: Date)
        case batch(BatchJournal)
        /// What the gateway made of a forwarded offline payment (`OfflineStore.settle`), with its batch entry.
        case offlineSettled(id: Int64, status: OfflineStore.Status, paymentIntent: String?, declineCode: String?)
    }

    /// Commits the writes in one transaction (one fsync): all of them are on disk when it returns, or none. The
    /// statements of this path are prepared once (`cachedStatement`): compiling them again cost more than running them.
    public func commit(_ writes: [Write]) throws {
        try queue.write { db in
            for write in writes {
                switch write {
                case .identity(let identity): try Self.save(identity, db)
                case .step(let step): try Self.record(step, db)
                case .reversal(let key, let intent, let reason, let created): try Self.addReversal(key: key, paymentIntent: intent, reason: reason, created: created, db)
                case .batch(let journal): try self.save(journal, db)
                case .offlineSettled(let id, let status, let intent, let code):
                    try OfflineStore.settle(id: id, status: status, paymentIntent: intent, declineCode: code, db)
                }
            }
        }
    }

    // MARK: Identity and STAN

    /// The terminal's id and next STAN, created on first start.
    public func identity() throws -> TerminalIdentity {
        try queue.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT terminal_id, next_stan FROM terminal WHERE id = 1") {
                return TerminalIdentity(terminalID: row["terminal_id"], nextSTAN: UInt32(row["next_stan"] as Int64))
            }
            let identity = TerminalIdentity(terminalID: String(format: "%08u", UInt32.random(in: 10_000_000...99_999_999)), nextSTAN: 1)
            try Self.save(identity, db)
            return identity
        }
    }

    /// Saves the next STAN (before any request leaves under the one before it).
    public func save(_ identity: TerminalIdentity) throws {
        try queue.write { db in try Self.save(identity, db) }
    }

    static func save(_ identity: TerminalIdentity, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO terminal (id, terminal_id, next_stan) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET terminal_id = excluded.terminal_id, next_stan = excluded.next_stan")
            .execute(arguments: [identity.terminalID, Int64(identity.nextSTAN)])
    }

    // MARK: The open batch

    /// The open batch (a new batch 1 when there is none).
    public func batch() throws -> BatchJournal {
        try queue.read { db in try Self.batch(db) }
    }

    static func batch(_ db: Database) throws -> BatchJournal {
        guard let row = try Row.fetchOne(db, sql: "SELECT number, closed_stans FROM batch WHERE id = 1") else { return BatchJournal() }
        let closed = try decoder.decode([UInt32].self, from: Data((row["closed_stans"] as String).utf8))
        let entries = try String.fetchAll(db, sql: "SELECT document FROM batch_entries ORDER BY position").map {
            try decoder.decode(JournalEntry.self, from: Data($0.utf8))
        }
        return BatchJournal(number: row["number"], entries: entries, closedSTANs: closed)
    }

    /// Saves the open batch and, in the same transaction, closes the steps of every transaction it now holds.
    public func save(_ journal: BatchJournal) throws {
        try queue.write { db in try self.save(journal, db) }
    }

    func save(_ journal: BatchJournal, _ db: Database) throws {
        // What is on disk: the header, and how many entries.
        let header = try Row.fetchOne(db.cachedStatement(sql: "SELECT number, closed_stans FROM batch WHERE id = 1"))
        let stored = try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(position) + 1, 0) FROM batch_entries")) ?? 0
        let closed = String(decoding: try Self.encoder.encode(journal.closedSTANs), as: UTF8.self)
        if header == nil || header?["number"] != journal.number || header?["closed_stans"] != closed {
            try db.cachedStatement(sql: "INSERT INTO batch (id, number, closed_stans) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET number = excluded.number, closed_stans = excluded.closed_stans")
                .execute(arguments: [journal.number, closed])
        }
        // Another batch, or fewer entries (a close), is written whole; otherwise the entries added or changed since
        // the last save (`BatchJournal.unsaved`), and any beyond what is stored.
        let rewrite = (header.map { $0["number"] != journal.number } ?? true) || journal.entries.count < stored
        if rewrite { try db.cachedStatement(sql: "DELETE FROM batch_entries").execute() }
        let positions = rewrite ? Set(journal.entries.indices) : journal.unsaved.union(stored..<journal.entries.count)
        for i in positions.sorted() where journal.entries.indices.contains(i) {
            let entry = journal.entries[i]
            try db.cachedStatement(sql: "INSERT INTO batch_entries (position, stan, document) VALUES (?, ?, ?) ON CONFLICT(position) DO UPDATE SET stan = excluded.stan, document = excluded.document")
                .execute(arguments: [i, Int64(entry.stan), String(decoding: try Self.encoder.encode(entry), as: UTF8.self)])
        }
        // A transaction in the batch is finished: its steps close.
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, stan FROM steps WHERE open = 1")) where journal.entry(UInt32(row["stan"] as Int64)) != nil {
            try db.cachedStatement(sql: "UPDATE steps SET open = 0 WHERE id = ?").execute(arguments: [row["id"] as Int64])
        }
    }

    // MARK: Steps

    /// Writes a step before the terminal acts on it.
    public func record(_ step: JournalStep) throws {
        try queue.write { db in try Self.record(step, db) }
    }

    static func record(_ step: JournalStep, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO steps (stan, idempotency_key, document, open) VALUES (?, ?, ?, 1)")
            .execute(arguments: [Int64(step.stan), step.idempotencyKey, String(decoding: try encoder.encode(step), as: UTF8.self)])
    }

    /// The steps of transactions not finished, oldest first.
    public func openSteps() throws -> [JournalStep] {
        try queue.read { db in try Self.openSteps(db) }
    }

    static func openSteps(_ db: Database) throws -> [JournalStep] {
        try String.fetchAll(db, sql: "SELECT document FROM steps WHERE open = 1 ORDER BY id").map { try decoder.decode(JournalStep.self, from: Data($0.utf8)) }
    }

    // MARK: Recovery

    /// Resolves what the last run left unfinished (`CrashRecovery`), in one transaction: the journal takes the
    /// entries, the reversal queue the inquiries, and the steps close. Returns the notes (empty after a clean stop).
    @discardableResult
    public func recover(now: Date) throws -> [String] {
        try queue.write { db in
            let offline = try OfflineStore.Payment.order(Column("id")).fetchAll(db).map(\.recoveryView)
            let plan = CrashRecovery.plan(openSteps: try Self.openSteps(db), journal: try Self.batch(db), offline: offline, now: now)
            for inquiry in plan.inquiries {
                try Self.addReversal(key: inquiry.key, paymentIntent: nil, reason: inquiry.reason, created: now, db)
            }
            if plan.changed { try self.save(plan.journal, db) }
            try db.execute(sql: "UPDATE steps SET open = 0 WHERE open = 1")
            // Closed steps are history the journal entries now tell; keep the table small.
            try db.execute(sql: "DELETE FROM steps WHERE open = 0 AND id < (SELECT COALESCE(MAX(id), 0) - 10000 FROM steps)")
            return plan.notes
        }
    }

    // MARK: Reversals

    public func reversals() throws -> [ReversalQueue.Entry] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT key, payment_intent, reason, created, attempts FROM reversals ORDER BY created, rowid").map {
                ReversalQueue.Entry(key: $0["key"], paymentIntent: $0["payment_intent"], reason: $0["reason"], created: $0["created"], attempts: $0["attempts"])
            }
        }
    }

    /// Queues a transaction to settle; an entry already there takes the intent when it has none.
    public func addReversal(key: String, paymentIntent: String?, reason: String, created: Date) throws {
        try queue.write { db in try Self.addReversal(key: key, paymentIntent: paymentIntent, reason: reason, created: created, db) }
    }

    static func addReversal(key: String, paymentIntent: String?, reason: String, created: Date, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO reversals (key, payment_intent, reason, created, attempts) VALUES (?, ?, ?, ?, 0)
            ON CONFLICT(key) DO UPDATE SET payment_intent = COALESCE(reversals.payment_intent, excluded.payment_intent)
            """, arguments: [key, paymentIntent, reason, created])
    }

    /// Records an attempt; `paymentIntent` when the inquiry found the payment to undo.
    public func attemptedReversal(key: String, paymentIntent: String?) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE reversals SET attempts = attempts + 1, payment_intent = COALESCE(payment_intent, ?) WHERE key = ?",
                           arguments: [paymentIntent, key])
        }
    }

    public func removeReversal(key: String) throws {
        try queue.write { db in try db.execute(sql: "DELETE FROM reversals WHERE key = ?", arguments: [key]) }
    }
}

extension OfflineStore.Payment {
    var recoveryView: CrashRecovery.StoredPayment {
        let money = (try? Currency(code: currency)).map { Money(minorUnits: amount, currency: $0) } ?? Money(minorUnits: amount, currency: .eur)
        return CrashRecovery.StoredPayment(stan: UInt32(stan), idempotencyKey: idempotencyKey, status: status, paymentIntent: paymentIntent,
                                           declineCode: declineCode, amount: money,
                                           card: CardSummary(brand: CardBrand(rawValue: brand) ?? .unknown, last4: last4,
                                                             entryMode: entryMode.flatMap(EntryMode.init(rawValue:)) ?? .contact),
                                           storedAt: storedAt)
    }
}
