/// Where the gateway keeps its objects. One implementation over SQL serves SQLite and PostgreSQL.
public protocol PaymentStore: Sendable {
    /// Brings the schema up to date (idempotent).
    func migrate() async throws
    /// Writes one payment's rows — payment method, intent and charge — in a single transaction.
    func recordPayment(method: PaymentMethodRecord?, intent: PaymentIntentRecord, charge: ChargeRecord?) async throws
    func paymentIntent(id: String) async throws -> PaymentIntentRecord?
    func charge(id: String) async throws -> ChargeRecord?
    func paymentMethod(id: String) async throws -> PaymentMethodRecord?
    /// Claims an `Idempotency-Key` for a request with this fingerprint. Exactly one caller ever gets `.claimed` for
    /// a key, also across gateway processes sharing one database (the key is the table's primary key).
    func claimIdempotencyKey(_ key: String, fingerprint: String, now: Int64) async throws -> IdempotencyClaim
    /// Stores the first response of a claimed key, to be replayed to every retry.
    func completeIdempotencyKey(_ key: String, status: Int, body: String) async throws
    func insertPaymentMethod(_ method: PaymentMethodRecord) async throws
    func updatePaymentMethod(_ method: PaymentMethodRecord) async throws
    /// Payment methods matching the page's filters (e.g. customer and type), newest first.
    func paymentMethods(_ page: PageRequest) async throws -> Page<PaymentMethodRecord>
    func insertCustomer(_ customer: CustomerRecord) async throws
    func updateCustomer(_ customer: CustomerRecord) async throws
    func customer(id: String) async throws -> CustomerRecord?
    /// Live (not deleted) customers, newest first.
    func customers(_ page: PageRequest) async throws -> Page<CustomerRecord>
    func paymentIntents(_ page: PageRequest) async throws -> Page<PaymentIntentRecord>
    /// Releases connections.
    func shutdown() async
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
