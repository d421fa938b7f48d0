import HTTPTypes
/// Where the gateway keeps its objects. One implementation over SQL (`SQLPaymentStore`) serves SQLite and PostgreSQL.
///
/// Reads are by id or by page; every change goes through `commit`, which writes a whole payment step (intent,
/// charge, refund, balance transactions, issuer hold) in one transaction. State changes are guarded
/// compare-and-set updates: a concurrent change makes the commit fail with `StoreConflict`, and the caller
/// re-reads and decides again — so two captures, or two refunds of the last euro, never both succeed, also across
/// gateway processes sharing one PostgreSQL database.
public protocol PaymentStore: Sendable {
    /// Brings the schema up to date (idempotent).
    func migrate() async throws
    /// One object by id.
    func find<R: StoredRecord>(_ type: R.Type, id: String) async throws -> R?
    /// Objects matching the page's filters, newest first (see `PageRequest`).
    func list<R: StoredRecord>(_ type: R.Type, _ page: PageRequest) async throws -> Page<R>
    /// Applies all writes in one transaction, or none of them. Throws `StoreConflict` when a guarded write found
    /// the row changed (or a hold would pass its ceiling).
    func commit(_ writes: [StoreWrite]) async throws
    /// Claims an `Idempotency-Key` for a request with this fingerprint. Exactly one caller ever gets `.claimed` for
    /// a key, also across gateway processes sharing one database (the key is the table's primary key).
    func claimIdempotencyKey(_ key: String, fingerprint: String, now: Int64) async throws -> IdempotencyClaim
    /// Stores the first response of a claimed key, to be replayed to every retry.
    func completeIdempotencyKey(_ key: String, status: Int, body: String) async throws
    /// Keys claimed before `claimedBefore` (seconds) whose response was never stored — their process died — with
    /// the object their request made, if it made one.
    func interruptedIdempotencyKeys(claimedBefore: Int64) async throws -> [InterruptedIdempotencyKey]
    /// Drops a claim whose request made nothing, so a retry runs it afresh.
    func releaseIdempotencyKey(_ key: String) async throws
    /// What became of the request with this key (a terminal's status inquiry): unknown, in progress, or its response.
    func idempotentRequest(_ key: String, now: Int64) async throws -> IdempotencyClaim?
    /// Net balance per currency: what is available at `now` and what is still pending.
    func balance(now: Int64) async throws -> [CurrencyBalance]
    /// What the issuer currently holds on a card (authorized and not released), by card fingerprint.
    func issuerHeld(fingerprint: String) async throws -> Int64
    /// The payment intents and refunds tagged with a terminal's batch, oldest first, each with the brand of the card
    /// it was paid with (nil when the gateway never saw a card for it).
    func terminalBatchContents(terminalID: String, number: Int64) async throws -> TerminalBatchContents
    /// The numbers of a terminal's batches: those its objects are tagged with and those closed, in no order.
    func terminalBatchNumbers(terminalID: String) async throws -> [Int64]
    /// Makes every commit so far durable (those of a `DurabilityScope.deferred` run included) with one durable
    /// write: the key's row rewritten as it is. Throws when the key is not stored (nothing was made durable).
    func makeDurable(touching key: String) async throws
    /// Releases connections.
    func shutdown() async

    // MARK: Webhook deliveries (`WebhookDeliverer`)

    /// Events from id `after` on not yet fanned out to the webhook endpoints, oldest first, without their `data`.
    func undispatchedEvents(after floor: String, limit: Int) async throws -> [EventHeader]
    /// Marks the events dispatched and inserts their deliveries, in one transaction.
    func dispatch(events: [String], deliveries: [WebhookDeliveryRecord]) async throws
    /// An endpoint's pending deliveries, in event order.
    func pendingDeliveries(endpoint: String, limit: Int) async throws -> [WebhookDeliveryRecord]
    /// Takes or renews the lease `name` for `holder` until `expiresAt` (ms) if nobody holds it, its holder's time
    /// ran out at `now`, `holder` already holds it or `replacing` does; answers who holds it afterwards.
    func acquireLease(_ name: String, holder: String, now: Int64, expiresAt: Int64, replacing: String?) async throws -> String
    /// Returns once a commit that wrote events has happened since the last call, or after `timeout`.
    func waitForEvents(upTo timeout: Duration) async

    // MARK: Reports

    /// The summary report's sums for objects created in `from..<to` (Unix seconds), tagged with their group; rows of
    /// one group may come more than once (`ReportSummary.merge` adds them up).
    func reportTotals(from: Int64, to: Int64, groupBy: ReportGrouping) async throws -> [ReportTotals]
    /// Per currency, the net of the balance transactions available at `now` and not paid out yet.
    func unsettledBalance(availableBy now: Int64) async throws -> [UnsettledBalance]

    // MARK: SEPA debits

    /// The debits waiting for their bank's answer that is due by `bankNow` (the bank clock), soonest first.
    func dueBankDebits(by bankNow: Int64, limit: Int) async throws -> [BankDebitRecord]

    // MARK: Billing

    /// The live subscriptions on the clock (`testClock`, or the machine's when nil) with something to do by `time`.
    func dueSubscriptions(testClock: String?, by time: Int64, limit: Int) async throws -> [SubscriptionRecord]
    /// The open invoices on the clock whose next payment attempt is due by `time`.
    func dueInvoices(testClock: String?, by time: Int64, limit: Int) async throws -> [InvoiceRecord]
    /// The open invoices whose intent may have moved outside an attempt: waiting for its outcome, or succeeded or
    /// processing (the customer confirmed it themselves), oldest first.
    func invoicesToSettle(limit: Int) async throws -> [InvoiceRecord]
}

/// A record kept in its own table, addressed by its prefixed id.
public protocol StoredRecord: Codable, Sendable {
    static var table: String { get }
    /// The name in "No such …" errors, e.g. "payment_intent".
    static var objectName: String { get }
    /// Lists skip rows whose `deleted` column is true.
    static var hidesDeleted: Bool { get }
    var id: String { get }
    /// Deleted objects stay as rows (their ids remain known) but are gone for retrieve and lists.
    var isDeleted: Bool { get }
}

extension StoredRecord {
    public static var hidesDeleted: Bool { false }
    public var isDeleted: Bool { false }
}

extension PaymentIntentRecord: StoredRecord {
    public static let table = "payment_intents"
    public static let objectName = "payment_intent"
}

extension ChargeRecord: StoredRecord {
    public static let table = "charges"
    public static let objectName = "charge"
}

extension PaymentMethodRecord: StoredRecord {
    public static let table = "payment_methods"
    public static let objectName = "payment_method"
}

extension CustomerRecord: StoredRecord {
    public static let table = "customers"
    public static let objectName = "customer"
    public static var hidesDeleted: Bool { true }
    public var isDeleted: Bool { deleted }
}

extension RefundRecord: StoredRecord {
    public static let table = "refunds"
    public static let objectName = "refund"
}

extension BalanceTransactionRecord: StoredRecord {
    public static let table = "balance_transactions"
    public static let objectName = "balance_transaction"
}

extension TerminalBatchRecord: StoredRecord {
    public static let table = "terminal_batches"
    public static let objectName = "vtpe_terminal_batch"
}

/// What one terminal batch holds, as `PaymentStore.terminalBatchContents` reads it.
public struct TerminalBatchContents: Sendable {
    public var intents: [(record: PaymentIntentRecord, brand: String?)]
    public var refunds: [(record: RefundRecord, brand: String?)]

    public init(intents: [(record: PaymentIntentRecord, brand: String?)] = [], refunds: [(record: RefundRecord, brand: String?)] = []) {
        self.intents = intents
        self.refunds = refunds
    }
}

/// One write of a commit.
public enum StoreWrite: Sendable {
    /// A new row.
    case insert(any StoredRecord)
    /// A new row whose id must be new: an existing id fails the commit with `StoreConflict` (a use-once claim, such
    /// as a card cryptogram).
    case insertUnique(any StoredRecord)
    /// Replaces the row with the record's id — only if the row's column still holds the expected value.
    case update(any StoredRecord, expecting: StoreExpectation?)
    /// Adds `delta` (may be negative) to what the issuer holds on a card; with a `ceiling`, fails with
    /// `StoreConflict` when the hold would pass it.
    case hold(fingerprint: String, delta: Int64, ceiling: Int64?)
    /// Claims the `currency`'s balance transactions available by `availableBy` and not settled yet for `payout`;
    /// fails with `StoreConflict` unless their net adds up to `expectedNet` (another settlement got there first).
    case settle(currency: String, availableBy: Int64, payout: String, expectedNet: Int64)
    /// Marks the idempotency key whose request these writes belong to with the object it made, in the same
    /// transaction (added by the store from `IdempotencyScope`): a gateway killed before the response is stored
    /// still knows, at restart, what the request did (`InterruptedRequests`).
    case idempotencyEffect(key: String, table: String, id: String)
}

/// The values a guarded update expects to find: the compare of compare-and-set (every condition must hold).
public struct StoreExpectation: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int64)
    }

    public struct Condition: Sendable, Equatable {
        public var column: String
        public var value: Value
    }

    public var conditions: [Condition]

    public init(column: String, value: Value) {
        conditions = [Condition(column: column, value: value)]
    }

    /// This expectation and `other`.
    public func and(_ other: StoreExpectation) -> StoreExpectation {
        var both = self
        both.conditions += other.conditions
        return both
    }

    public static func status(_ status: PaymentIntentStatus) -> StoreExpectation { .init(column: "status", value: .text(status.rawValue)) }
    public static func amountRefunded(_ amount: Int64) -> StoreExpectation { .init(column: "amount_refunded", value: .integer(amount)) }
}

/// A guarded write found the row changed since it was read: read again and decide again.
public struct StoreConflict: Error, CustomStringConvertible {
    public var table: String
    public var id: String
    public var description: String { "\(table) \(id) changed while it was being updated" }
}

/// The balance of one currency, in minor units.
public struct CurrencyBalance: Sendable, Equatable {
    public var currency: String
    public var available: Int64
    public var pending: Int64
}

/// An idempotency key whose request's process died before its response was stored.
public struct InterruptedIdempotencyKey: Sendable, Equatable {
    public var key: String
    /// The table and id of the object its writes made (nil: it committed nothing).
    public var effect: (table: String, id: String)?

    public static func == (a: Self, b: Self) -> Bool { a.key == b.key && a.effect?.table == b.effect?.table && a.effect?.id == b.effect?.id }
}

/// Commits made inside `DurabilityScope.$deferred.withValue(true)` need not be on disk when they return: the scope's
/// owner calls `makeDurable(touching:)` before it answers anyone (the engine's log is written in order, so one
/// durable commit carries every earlier one). A crash before it loses a suffix of the run — requests nobody got an
/// answer to, which their retries run again. For `PaymentIntentBatchRoutes`: one fsync for a batch of payments.
public enum DurabilityScope {
    @TaskLocal public static var deferred = false
}

/// The idempotency key of the request being handled, for the store to mark its writes with.
public enum IdempotencyScope {
    @TaskLocal public static var key: String?

    /// The object a request's writes made, as its response names it: a refund before the payment intent it
    /// updates, the payment intent before its charge, then payment methods and customers.
    static func effect(of writes: [StoreWrite]) -> (table: String, id: String)? {
        let records: [any StoredRecord] = writes.compactMap {
            switch $0 {
            case .insert(let r), .insertUnique(let r), .update(let r, _): r
            case .hold, .idempotencyEffect, .settle: nil
            }
        }
        let priority = ["refunds", "payment_intents", "payment_methods", "customers"]
        let best = records.min { (priority.firstIndex(of: type(of: $0).table) ?? priority.count) < (priority.firstIndex(of: type(of: $1).table) ?? priority.count) }
        return best.map { (type(of: $0).table, $0.id) }
    }

    /// `writes`, with the effect marker of the current request's key when there is one.
    static func marked(_ writes: [StoreWrite]) -> [StoreWrite] {
        guard let key, let effect = effect(of: writes) else { return writes }
        return writes + [.idempotencyEffect(key: key, table: effect.table, id: effect.id)]
    }
}

/// What claiming an idempotency key found.
public enum IdempotencyClaim: Sendable, Equatable {
    /// First use: run the request, then complete the key with its response.
    case claimed
    /// Used before with the same parameters: replay this response.
    case replay(status: Int, body: String)
    /// Used before with the same parameters, and that request has not finished.
    case inProgress
    /// Used before with different parameters.
    case mismatch
}

extension PaymentStore {
    /// Runs read–decide–commit again when the commit met a concurrent change (a few times, then gives up with a
    /// 409 the client may retry).
    func retryingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        for attempt in 0..<10 {
            do { return try await body() } catch is StoreConflict {
                // A little jitter so the same racers do not meet again at once.
                try? await Task.sleep(for: .milliseconds(Int.random(in: 1...(2 << min(attempt, 4)))))
            }
        }
        throw APIError(status: .conflict, kind: .invalidRequestError, code: "lock_timeout",
                       message: "This object is being changed by another request at the same time. Try again.")
    }
}
