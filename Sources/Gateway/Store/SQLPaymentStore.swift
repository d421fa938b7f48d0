import Foundation
import Logging
import NIOCore
import SQLKit
import SQLiteKit
import Synchronization

/// Hands out one database session (a connection) at a time to a closure.
public protocol SQLSessionProvider: Sendable {
    func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    /// A session in which no other process migrates at the same time.
    func withMigrationSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    /// A session whose commits need not be on disk when they return: they become durable with the next durable
    /// commit (the engine's log is written in order), or are lost by a crash before it. Only for writes a crash may
    /// lose because recovery rebuilds them — the idempotency keys' claims and stored responses
    /// (`InterruptedRequests`) — never for a payment's rows.
    func withDeferredDurabilitySession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func shutdown() async
}

extension SQLSessionProvider {
    public func withMigrationSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession(body)
    }

    public func withDeferredDurabilitySession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession(body)
    }

    /// Runs `body` in a session with `set` run on its connection first and `reset` after, whatever `body` did (a
    /// setting, or a lock taken and released).
    func withSession<R: Sendable>(setting set: String, reset: String, _ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession { db in
            try await db.raw("\(unsafeRaw: set)").run()
            do {
                let result = try await body(db)
                try await db.raw("\(unsafeRaw: reset)").run()
                return result
            } catch {
                try? await db.raw("\(unsafeRaw: reset)").run()
                throw error
            }
        }
    }
}

/// SQLite sessions: one connection, handed to one session at a time, so writes are serialized, a transaction
/// never interleaves with another request's statements, and nothing meets SQLITE_BUSY.
public final class SQLiteSessions: SQLSessionProvider {
    private let connection: SQLiteDirectConnection
    private let database: SQLiteDirectDatabase
    private let gate = SessionGate()

    private init(connection: SQLiteDirectConnection, logger: Logger) {
        self.connection = connection
        self.database = SQLiteDirectDatabase(connection: connection, logger: logger)
    }

    /// Opens (creating if needed) the database file.
    public static func open(path: String, logger: Logger) async throws -> SQLiteSessions {
        SQLiteSessions(connection: try SQLiteDirectConnection.open(path: path), logger: logger)
    }

    public func withSession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await gate.acquire()
        do {
            let result = try await body(database)
            gate.release()
            return result
        } catch {
            gate.release()
            throw error
        }
    }

    /// WAL with `synchronous=NORMAL` for the session: its commits skip the fsync; the next FULL commit's fsync of
    /// the WAL carries their frames to disk too.
    public func withDeferredDurabilitySession<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession(setting: "PRAGMA synchronous=NORMAL", reset: "PRAGMA synchronous=FULL", body)
    }

    /// Waits for the running session, then closes the connection; later sessions fail. Safe to call twice.
    public func shutdown() async {
        guard await gate.close() else { return }
        connection.close()
    }
}

/// A FIFO async lock: one holder at a time, waiters resumed in arrival order; once closed, it refuses everyone.
/// A mutex rather than an actor, so taking a free lock costs no hop to another executor.
final class SessionGate: Sendable {
    private struct State {
        var held = false
        var closed = false
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the database is closed (the gateway is shutting down)" }
    }

    func acquire() async throws {
        let taken: Bool? = state.withLock { s in
            if s.closed { return nil }
            if s.held { return false }
            s.held = true
            return true
        }
        switch taken {
        case nil: throw Closed()
        case true?: return
        case false?:
            let granted = await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
                // The holder may have released it in the meantime: check again under the lock.
                let now: Bool? = state.withLock { s in
                    if s.closed { return false }
                    if !s.held { s.held = true; return true }
                    s.waiters.append(waiter)
                    return nil
                }
                if let now { waiter.resume(returning: now) }
            }
            guard granted else { throw Closed() }
        }
    }

    func release() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { s in
            if s.waiters.isEmpty { s.held = false; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume(returning: true)
    }

    /// Takes the lock for good (after the current holder and the waiters before it); false when already closed.
    func close() async -> Bool {
        do { try await acquire() } catch { return false }
        let refused: [CheckedContinuation<Bool, Never>] = state.withLock { s in
            s.closed = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in refused { waiter.resume(returning: false) }
        return true
    }
}

/// The payment store over SQLKit: one code path for every SQL engine.
public final class SQLPaymentStore: PaymentStore {
    let sessions: any SQLSessionProvider
    /// Group commit, for engines whose one connection serializes every transaction (SQLite).
    private let queue: CommitQueue?
    /// Rung after every commit that wrote events, for the webhook deliverer of this process.
    let eventsCommitted = Doorbell()

    public init(sessions: any SQLSessionProvider, groupCommit: Bool = false) {
        self.sessions = sessions
        self.queue = groupCommit ? CommitQueue(sessions: sessions) : nil
    }

    /// Opens (creating if needed) a SQLite file with WAL and full sync.
    public static func sqlite(path: String, logger: Logger) async throws -> SQLPaymentStore {
        let sessions = try await SQLiteSessions.open(path: path, logger: logger)
        do {
            try await sessions.withSession { db in
                try await db.raw("PRAGMA journal_mode=WAL").run()
                try await db.raw("PRAGMA synchronous=FULL").run()
                try await db.raw("PRAGMA busy_timeout=5000").run()
                // 64 MiB of page cache: the indexes' hot pages stay in memory with millions of payments.
                try await db.raw("PRAGMA cache_size=-65536").run()
            }
        } catch {
            await sessions.shutdown()
            throw error
        }
        return SQLPaymentStore(sessions: sessions, groupCommit: true)
    }

    /// Connects to a PostgreSQL database.
    public static func postgres(url: String, logger: Logger) async throws -> SQLPaymentStore {
        SQLPaymentStore(sessions: try await PostgresSessions.connect(url: url, logger: logger))
    }

    public func shutdown() async { await sessions.shutdown() }

    public func migrate() async throws {
        try await sessions.withMigrationSession { db in
            try await db.create(table: "schema_migrations").ifNotExists()
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("applied_at", type: .bigint, .notNull)
                .run()
            let done = Set(try await db.select().column("name").from("schema_migrations").all().map {
                try $0.decode(column: "name", as: String.self)
            })
            for migration in Migrations.all where !done.contains(migration.name) {
                try await Self.inTransaction(db) { tx in
                    for statement in migration.statements {
                        try await tx.raw(SQLQueryString(statement)).run()
                    }
                    try await tx.insert(into: "schema_migrations")
                        .columns("name", "applied_at")
                        .values(SQLBind(migration.name), SQLBind(Int64(Date().timeIntervalSince1970)))
                        .run()
                }
            }
        }
    }

    public func commit(_ writes: [StoreWrite]) async throws {
        let writes = IdempotencyScope.marked(writes)
        if DurabilityScope.deferred {
            try await sessions.withDeferredDurabilitySession { db in try await Self.apply(writes, on: db) }
        } else if let queue {
            try await queue.submit(writes)
        } else {
            try await Self.commitAlone(writes, sessions)
        }
        if writes.contains(where: \.writesEvent) { eventsCommitted.ring() }
    }

    /// One step in its own transaction.
    static func commitAlone(_ writes: [StoreWrite], _ sessions: any SQLSessionProvider) async throws {
        try await sessions.withSession { db in try await apply(writes, on: db) }
    }

    /// One step in one transaction. A step of inserts only (a new payment: intent, charge, ledger, events) has its
    /// rows merged into one INSERT per table, as the group commit does: fewer round trips on PostgreSQL.
    private static func apply(_ writes: [StoreWrite], on db: any SQLDatabase) async throws {
        try await inTransaction(db) { tx in
            if writes.allSatisfy(\.mergesWithInserts) { return try await insertMergedMarking(writes, on: tx) }
            for write in writes { try await Self.apply(write, on: tx) }
        }
    }

    public func makeDurable(touching key: String) async throws {
        // A durable session: its commit waits for the disk (SQLite fsyncs the WAL, PostgreSQL flushes its log up to
        // this commit), and with it every commit before it.
        let touched = try await sessions.withSession { db in
            try await Self.inTransaction(db) { tx in
                try await tx.raw("UPDATE idempotency_keys SET created = created WHERE key = \(bind: key) RETURNING key").all().count
            }
        }
        guard touched == 1 else { throw GatewaySetupError(message: "the idempotency key to make the batch durable with is gone") }
    }

    /// Group commit: several steps in one transaction, so they share one BEGIN, one COMMIT and one fsync. Steps
    /// with only inserts (new payments) have their rows merged into one multi-row INSERT per table; steps with
    /// guarded writes run each inside a SAVEPOINT, so a `StoreConflict` rolls back that step alone. Any other error
    /// rolls the group back and the steps are committed one by one, so one bad step never fails its neighbours.
    /// Every caller returns only after the COMMIT that holds its rows.
    static func commitGroup(_ group: [[StoreWrite]], _ sessions: any SQLSessionProvider) async -> [Result<Void, any Error>] {
        if group.count == 1 {
            do { try await commitAlone(group[0], sessions); return [.success(())] } catch { return [.failure(error)] }
        }
        do {
            return try await sessions.withSession { db in
                try await db.raw("BEGIN").run()
                do {
                    var results = [Result<Void, any Error>](repeating: .success(()), count: group.count)
                    let insertOnly = group.indices.filter { group[$0].allSatisfy(\.mergesWithInserts) }
                    try await insertMergedMarking(insertOnly.flatMap { group[$0] }, on: db)
                    for index in group.indices where !insertOnly.contains(index) {
                        try await db.raw("SAVEPOINT step").run()
                        do {
                            for write in group[index] { try await apply(write, on: db) }
                            try await db.raw("RELEASE step").run()
                        } catch let conflict as StoreConflict {
                            try await db.raw("ROLLBACK TO step").run()
                            try await db.raw("RELEASE step").run()
                            results[index] = .failure(conflict)
                        }
                    }
                    try await db.raw("COMMIT").run()
                    return results
                } catch {
                    try? await db.raw("ROLLBACK").run()
                    throw error
                }
            }
        } catch {
            var results: [Result<Void, any Error>] = []
            for writes in group {
                do { try await commitAlone(writes, sessions); results.append(.success(())) } catch { results.append(.failure(error)) }
            }
            return results
        }
    }

    /// Inserts records with one statement per table (in the order tables first appear, which keeps parents before
    /// children), at most `mergedRows` rows per statement.
    /// Insert-only writes merged (`insertMerged`), then the idempotency markers among them.
    private static func insertMergedMarking(_ writes: [StoreWrite], on db: any SQLDatabase) async throws {
        try await insertMerged(writes, on: db)
        for case .idempotencyEffect(let key, let table, let id) in writes { try await markEffect(key: key, table: table, id: id, on: db) }
    }

    static func insertMerged(_ writes: [StoreWrite], on db: any SQLDatabase) async throws {
        var order: [String] = []
        var byTable: [String: [any StoredRecord]] = [:]
        for case .insert(let record) in writes {
            let table = type(of: record).table
            if byTable[table] == nil { order.append(table) }
            byTable[table, default: []].append(record)
        }
        for table in order {
            let records = byTable[table]!
            for start in stride(from: 0, to: records.count, by: mergedRows) {
                let chunk = Array(records[start..<min(start + mergedRows, records.count)])
                try await insertAll(like: chunk[0], chunk, on: db)
            }
        }
    }

    static let mergedRows = 64

    /// `first` opens the records' concrete type (they all share it: one table).
    private static func insertAll<R: StoredRecord>(like first: R, _ records: [any StoredRecord], on db: any SQLDatabase) async throws {
        let rows = try records.map { try RowEncoder.encode($0) }
        guard let columns = rows.first?.columns, rows.allSatisfy({ $0.columns == columns }) else { return }
        try await db.execute(sql: MultiRowInsert(table: R.table, columns: columns, rows: rows.map(\.values))) { _ in }
    }

    private static func markEffect(key: String, table: String, id: String, on db: any SQLDatabase) async throws {
        try await db.update("idempotency_keys").set("effect_table", to: SQLBind(table)).set("effect_id", to: SQLBind(id))
            .where("key", .equal, key).where("effect_table", .is, SQLLiteral.null).run()
    }

    private static func apply(_ write: StoreWrite, on tx: any SQLDatabase) async throws {
        switch write {
        case .idempotencyEffect(let key, let table, let id):
            try await markEffect(key: key, table: table, id: id, on: tx)
        case .insert(let record):
            try await insert(record, on: tx)
        case .insertUnique(let record):
            let table = type(of: record).table
            let rows = try await tx.insert(into: table)
                .model(record, keyEncodingStrategy: ColumnNames.encoding, nilEncodingStrategy: .asNil)
                .ignoringConflicts(with: "id").returning("id").all()
            if rows.isEmpty { throw StoreConflict(table: table, id: record.id) }
        case .update(let record, let expectation):
            let table = type(of: record).table
            let query = try tx.update(table).set(model: record, keyEncodingStrategy: ColumnNames.encoding, nilEncodingStrategy: .asNil)
                .where("id", .equal, record.id)
            for condition in expectation?.conditions ?? [] {
                switch condition.value {
                case .text(let v): query.where(SQLColumn(condition.column), .equal, SQLBind(v))
                case .integer(let v): query.where(SQLColumn(condition.column), .equal, SQLBind(v))
                }
            }
            // RETURNING tells whether the guarded row matched (SQLite ≥ 3.35 and PostgreSQL both have it).
            if try await query.returning("id").all().isEmpty { throw StoreConflict(table: table, id: record.id) }
        case .settle(let currency, let availableBy, let payout, let expectedNet):
            let claimed = try await tx.raw("""
                UPDATE balance_transactions SET payout = \(bind: payout)
                WHERE payout IS NULL AND type <> 'payout' AND currency = \(bind: currency) AND available_on <= \(bind: availableBy)
                RETURNING net
                """).all().map { try $0.decode(column: "net", as: Int64.self) }
            if claimed.reduce(0, +) != expectedNet { throw StoreConflict(table: "balance_transactions", id: currency) }
        case .hold(let fingerprint, let delta, let ceiling):
            try await tx.insert(into: "issuer_holds").columns("fingerprint", "held").values(SQLBind(fingerprint), SQLBind(Int64(0)))
                .ignoringConflicts(with: "fingerprint").run()
            let query = tx.update("issuer_holds")
                .set("held", to: SQLBinaryExpression(SQLColumn("held"), .add, SQLBind(delta)))
                .where("fingerprint", .equal, fingerprint)
            if let ceiling {
                query.where(SQLBinaryExpression(SQLColumn("held"), .add, SQLBind(delta)), .lessThanOrEqual, SQLBind(ceiling))
            }
            if try await query.returning("held").all().isEmpty { throw StoreConflict(table: "issuer_holds", id: "card") }
        }
    }

    /// Records map to rows by snake-cased field names; nil fields are written as NULL.
    private static func insert(_ record: some StoredRecord, on db: any SQLDatabase) async throws {
        let row = try RowEncoder.encode(record)
        try await db.execute(sql: MultiRowInsert(table: type(of: record).table, columns: row.columns, rows: [row.values])) { _ in }
    }

    public func balance(now: Int64) async throws -> [CurrencyBalance] {
        try await sessions.withSession { db in
            // SUM of a BIGINT is NUMERIC in PostgreSQL: cast it back so both engines return an integer.
            let rows = try await db.raw("""
                SELECT currency, CAST(SUM(net) AS BIGINT) AS total,
                       CASE WHEN available_on <= \(bind: now) THEN 1 ELSE 0 END AS is_available
                FROM balance_transactions GROUP BY currency, is_available
                """).all()
            var out: [String: CurrencyBalance] = [:]
            for row in rows {
                let currency = try row.decode(column: "currency", as: String.self)
                let total = try row.decode(column: "total", as: Int64.self)
                let available = try row.decode(column: "is_available", as: Int.self) == 1
                var b = out[currency] ?? CurrencyBalance(currency: currency, available: 0, pending: 0)
                if available { b.available += total } else { b.pending += total }
                out[currency] = b
            }
            return out.values.sorted { $0.currency < $1.currency }
        }
    }

    public func issuerHeld(fingerprint: String) async throws -> Int64 {
        try await sessions.withSession { db in
            try await db.select().column("held").from("issuer_holds").where("fingerprint", .equal, fingerprint).first()?
                .decode(column: "held", as: Int64.self) ?? 0
        }
    }

    public func terminalBatchContents(terminalID: String, number: Int64) async throws -> TerminalBatchContents {
        try await sessions.withSession { db in
            TerminalBatchContents(
                intents: try await Self.batchMembers(PaymentIntentRecord.self, chargeColumn: "latest_charge", terminalID: terminalID, number: number, on: db),
                refunds: try await Self.batchMembers(RefundRecord.self, chargeColumn: "charge", terminalID: terminalID, number: number, on: db))
        }
    }

    /// The rows of `R`'s table tagged with a terminal batch, oldest first, each with the brand of the card of the charge
    /// that `chargeColumn` names (for an intent its latest charge: a declined intent has lost its payment method, its
    /// charge has not).
    private static func batchMembers<R: StoredRecord>(_ type: R.Type, chargeColumn: String, terminalID: String, number: Int64,
                                                      on db: any SQLDatabase) async throws -> [(record: R, brand: String?)] {
        let table = R.table
        return try await db.raw("""
            SELECT \(ident: table).*, payment_methods.brand AS vtpe_card_brand FROM \(ident: table)
            LEFT JOIN charges ON charges.id = \(SQLColumn(chargeColumn, table: table))
            LEFT JOIN payment_methods ON payment_methods.id = charges.payment_method
            WHERE \(SQLColumn("vtpe_terminal_id", table: table)) = \(bind: terminalID) AND \(SQLColumn("vtpe_batch", table: table)) = \(bind: number)
            ORDER BY \(SQLColumn("created", table: table)), \(SQLColumn("id", table: table))
            """).all().map {
                (try $0.decode(model: R.self, keyDecodingStrategy: ColumnNames.decoding), try $0.decode(column: "vtpe_card_brand", as: String?.self))
            }
    }

    public func terminalBatchNumbers(terminalID: String) async throws -> [Int64] {
        try await sessions.withSession { db in
            try await db.raw("""
                SELECT vtpe_batch FROM payment_intents WHERE vtpe_terminal_id = \(bind: terminalID)
                UNION SELECT vtpe_batch FROM refunds WHERE vtpe_terminal_id = \(bind: terminalID)
                UNION SELECT number FROM terminal_batches WHERE terminal_id = \(bind: terminalID)
                """).all().map { try $0.decode(column: "vtpe_batch", as: Int64.self) }
        }
    }

    public func claimIdempotencyKey(_ key: String, fingerprint: String, now: Int64) async throws -> IdempotencyClaim {
        let token = ObjectID.make("claim")
        // Keys live 24 hours, as Stripe's do (terminals reuse STANs, so old keys must go); the purge runs on a
        // small share of claims to keep it off the hot path.
        let purge = Int.random(in: 0..<64) == 0
        // A claim a crash loses committed nothing after it: the retry runs the request, as it should.
        return try await sessions.withDeferredDurabilitySession { db in
            if purge {
                try await db.delete(from: "idempotency_keys").where("created", .lessThan, now - Self.idempotencyLifetime).run()
            } else {
                try await db.delete(from: "idempotency_keys").where("key", .equal, key)
                    .where("created", .lessThan, now - Self.idempotencyLifetime).run()
            }
            // Insert-or-nothing, then read back: whoever's token is stored owns the key. Portable to any engine
            // with ON CONFLICT DO NOTHING, and race-free because the key is the primary key.
            try await db.insert(into: "idempotency_keys")
                .columns("key", "fingerprint", "claim_token", "status_code", "response_body", "created")
                .values(SQLBind(key), SQLBind(fingerprint), SQLBind(token), SQLLiteral.null, SQLLiteral.null, SQLBind(now))
                .ignoringConflicts(with: "key")
                .run()
            guard let row = try await db.select().columns("fingerprint", "claim_token", "status_code", "response_body")
                .from("idempotency_keys").where("key", .equal, key).first() else {
                throw GatewaySetupError(message: "the idempotency key vanished while it was being claimed")
            }
            if try row.decode(column: "claim_token", as: String.self) == token { return .claimed }
            guard try row.decode(column: "fingerprint", as: String.self) == fingerprint else { return .mismatch }
            return try Self.storedResponse(row)
        }
    }

    public func idempotentRequest(_ key: String, now: Int64) async throws -> IdempotencyClaim? {
        try await sessions.withSession { db in
            guard let row = try await db.select().columns("status_code", "response_body", "created")
                .from("idempotency_keys").where("key", .equal, key).first(),
                  try row.decode(column: "created", as: Int64.self) >= now - Self.idempotencyLifetime else { return nil }
            return try Self.storedResponse(row)
        }
    }

    /// The response stored for a key (`replay`), or `inProgress` while its request runs.
    private static func storedResponse(_ row: any SQLRow) throws -> IdempotencyClaim {
        guard let status = try row.decode(column: "status_code", as: Int?.self),
              let body = try row.decode(column: "response_body", as: String?.self) else { return .inProgress }
        return .replay(status: status, body: body)
    }

    /// How long a stored response is replayed, in seconds.
    static let idempotencyLifetime: Int64 = 24 * 3600

    public func completeIdempotencyKey(_ key: String, status: Int, body: String) async throws {
        // A stored response a crash loses is rebuilt from the object the request's own (durable) commit marked.
        try await sessions.withDeferredDurabilitySession { db in
            try await db.update("idempotency_keys")
                .set("status_code", to: SQLBind(status)).set("response_body", to: SQLBind(body))
                .where("key", .equal, key).run()
        }
    }

    public func interruptedIdempotencyKeys(claimedBefore: Int64) async throws -> [InterruptedIdempotencyKey] {
        try await sessions.withSession { db in
            try await db.select().columns("key", "effect_table", "effect_id").from("idempotency_keys")
                .where("status_code", .is, SQLLiteral.null).where("created", .lessThan, claimedBefore).all().map { row in
                    let table = try row.decode(column: "effect_table", as: String?.self)
                    let id = try row.decode(column: "effect_id", as: String?.self)
                    return InterruptedIdempotencyKey(key: try row.decode(column: "key", as: String.self),
                                                     effect: table.flatMap { t in id.map { (t, $0) } })
                }
        }
    }

    public func releaseIdempotencyKey(_ key: String) async throws {
        try await sessions.withSession { db in
            try await db.delete(from: "idempotency_keys").where("key", .equal, key).where("status_code", .is, SQLLiteral.null).run()
        }
    }

    public func list<R: StoredRecord>(_ type: R.Type, _ page: PageRequest) async throws -> Page<R> {
        try await list(R.table, page, liveOnly: R.hidesDeleted)
    }

    /// Cursor pagination over (created, id), newest first; `endingBefore` walks the other way and is reversed.
    private func list<T: Decodable & Sendable>(_ table: String, _ page: PageRequest, liveOnly: Bool) async throws -> Page<T> {
        try await sessions.withSession { db in
            func cursor(_ id: String) async throws -> Int64? {
                try await db.select().column("created").from(table).where("id", .equal, id).first()?
                    .decode(column: "created", as: Int64.self)
            }
            let query = db.select().column("*").from(table)
            if liveOnly { query.where("deleted", .equal, false) }
            for (column, value) in page.filters.sorted(by: { $0.key < $1.key }) { query.where(SQLColumn(column), .equal, SQLBind(value)) }
            for (column, values) in page.anyOf.sorted(by: { $0.key < $1.key }) { query.where(SQLColumn(column), .in, SQLBind.group(values.map { $0 as any Encodable & Sendable })) }
            if let range = page.createdRange {
                query.where("created", .greaterThanOrEqual, range.lowerBound).where("created", .lessThanOrEqual, range.upperBound)
            }
            var ascending = false
            if let after = page.startingAfter {
                guard let created = try await cursor(after) else { throw APIError.missing(String(table.dropLast()), id: after, param: "starting_after") }
                query.where { $0.where("created", .lessThan, created).orWhere { $0.where("created", .equal, created).where("id", .lessThan, after) } }
            } else if let before = page.endingBefore {
                guard let created = try await cursor(before) else { throw APIError.missing(String(table.dropLast()), id: before, param: "ending_before") }
                query.where { $0.where("created", .greaterThan, created).orWhere { $0.where("created", .equal, created).where("id", .greaterThan, before) } }
                ascending = true
            }
            let direction: SQLDirection = ascending ? .ascending : .descending
            let rows = try await query.orderBy("created", direction).orderBy("id", direction).limit(page.limit + 1).all()
            var items = try rows.prefix(page.limit).map { try $0.decode(model: T.self, keyDecodingStrategy: ColumnNames.decoding) }
            if ascending { items.reverse() }
            return Page(items: items, hasMore: rows.count > page.limit)
        }
    }

    public func find<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R? {
        try await fetch(R.table, id: id)
    }

    private func fetch<T: Decodable & Sendable>(_ table: String, id: String) async throws -> T? {
        try await sessions.withSession { db in
            try await db.select().column("*").from(table).where("id", .equal, id).first()?
                .decode(model: T.self, keyDecodingStrategy: ColumnNames.decoding)
        }
    }

    /// Runs `body` inside BEGIN … COMMIT on one session, rolling back on any error.
    @discardableResult
    static func inTransaction<R: Sendable>(_ db: any SQLDatabase, _ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await db.raw("BEGIN").run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }
}

/// Collects the commits that arrive while a group is being written and writes them as the next group.
/// A mutex rather than an actor, so a request hands over its writes without a hop to another executor.
final class CommitQueue: Sendable {
    private struct State {
        var pending: [(writes: [StoreWrite], done: CheckedContinuation<Void, any Error>)] = []
        var flushing = false
    }

    private let sessions: any SQLSessionProvider
    private let state = Mutex(State())
    static let maxGroup = 128

    init(sessions: any SQLSessionProvider) {
        self.sessions = sessions
    }

    func submit(_ writes: [StoreWrite]) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let startFlush = state.withLock { s in
                s.pending.append((writes, done))
                guard !s.flushing else { return false }
                s.flushing = true
                return true
            }
            if startFlush { Task { await self.flush() } }
        }
    }

    private func flush() async {
        // Let requests that are about to commit join this group (one turn of the executor, no timer).
        await Task.yield()
        while true {
            let group: [(writes: [StoreWrite], done: CheckedContinuation<Void, any Error>)] = state.withLock { s in
                let group = Array(s.pending.prefix(Self.maxGroup))
                s.pending.removeFirst(group.count)
                if group.isEmpty { s.flushing = false }
                return group
            }
            if group.isEmpty { return }
            let results = await SQLPaymentStore.commitGroup(group.map(\.writes), sessions)
            for (item, result) in zip(group, results) { item.done.resume(with: result) }
        }
    }
}

/// Column names are the snake-cased field names, converted once per field and then looked up (SQLKit's own
/// snake-case strategies convert every key of every row again, a measurable share of each insert and each read).
enum ColumnNames {
    private static let cache = Mutex<[String: String]>([:])

    static let encoding = SQLQueryEncoder.KeyEncodingStrategy.custom(column)
    static let decoding = SQLRowDecoder.KeyDecodingStrategy.custom(column)

    /// The column of a field's coding path.
    @Sendable static func column(_ path: [any CodingKey]) -> any CodingKey {
        ColumnKey(stringValue: snakeCased(path.last?.stringValue ?? ""))
    }

    static func snakeCased(_ name: String) -> String {
        if let known = cache.withLock({ $0[name] }) { return known }
        var out = ""
        for character in name {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        cache.withLock { $0[name] = out }
        return out
    }

    struct ColumnKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension StoreWrite {
    /// Group commit merges steps made of inserts (and their idempotency marker) into multi-row INSERTs.
    var mergesWithInserts: Bool {
        switch self {
        case .insert, .idempotencyEffect: true
        case .insertUnique, .update, .hold, .settle: false
        }
    }
}

extension StoreWrite {
    /// Whether the write is an event's row (the webhook deliverer is woken after its commit).
    var writesEvent: Bool {
        if case .insert(let record) = self { return record is EventRecord }
        return false
    }
}
