/// Where the gateway keeps its objects. One implementation over SQL serves SQLite and PostgreSQL.
public protocol PaymentStore: Sendable {
    /// Brings the schema up to date (idempotent).
    func migrate() async throws
    /// Writes one payment's rows — payment method, intent and charge — in a single transaction.
    func recordPayment(method: PaymentMethodRecord?, intent: PaymentIntentRecord, charge: ChargeRecord?) async throws
    func paymentIntent(id: String) async throws -> PaymentIntentRecord?
    func charge(id: String) async throws -> ChargeRecord?
    func paymentMethod(id: String) async throws -> PaymentMethodRecord?
    /// Releases connections.
    func shutdown() async
}
