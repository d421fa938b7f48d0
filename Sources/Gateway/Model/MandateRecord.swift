import Foundation

/// A SEPA Direct Debit mandate: the account holder's acceptance that the shop may debit their account, recorded when
/// a payment with a `sepa_debit` method is confirmed with `mandate_data[customer_acceptance]`. Multi-use: later
/// payments with the same method (off-session ones too) debit under it while it is active.
public struct MandateRecord: Sendable, Codable, Equatable {
    public var id: String
    public var paymentMethod: String
    public var customer: String?
    public var status: MandateStatus
    public var acceptanceType: MandateAcceptanceType
    public var acceptedAt: Int64
    public var ipAddress: String?
    public var userAgent: String?
    /// The mandate reference the bank statement shows (SEPA's unique mandate reference).
    public var reference: String
    public var created: Int64
}

extension MandateRecord: StoredRecord {
    public static let table = "mandates"
    public static let objectName = "mandate"
}

/// A SEPA debit submitted to the account holder's bank and not answered yet: when the bank answers (on the bank
/// clock) and what (`SEPABank`). Its id is the charge's. The settlement (`PeriodicPass.bankDebits`) applies the answer
/// once the bank clock reaches `answersAt`.
public struct BankDebitRecord: Sendable, Codable, Equatable {
    public var id: String
    public var paymentIntent: String
    public var status: BankDebitStatus
    public var answersAt: Int64
    /// Nil when paid; the failure code when returned unpaid.
    public var failureCode: String?
    public var disputed: Bool
    public var created: Int64
}

extension BankDebitRecord: StoredRecord {
    public static let table = "bank_debits"
    public static let objectName = "bank_debit"
}

/// How far the bank clock is ahead of the machine's (one row, id `bank`): `POST /v1/vtpe/test_helpers/bank_clock/advance`
/// moves it, so a test sees a debit answered three days later without waiting.
public struct BankClockRecord: Sendable, Codable, Equatable {
    public var id: String
    public var offsetSeconds: Int64
}

extension BankClockRecord: StoredRecord {
    public static let table = "bank_clock"
    public static let objectName = "bank_clock"
}

/// A dispute: the account holder asked their bank to take a payment back. SEPA disputes cannot be contested, so
/// they are `lost` at once and the amount leaves the balance (a `dispute` balance transaction). Card disputes
/// (`CardDisputes`) wait for the shop's evidence (`needs_response`), then are won (the funds come back) or lost.
public struct DisputeRecord: Sendable, Codable, Equatable {
    public var id: String
    public var amount: Int64
    public var currency: String
    public var charge: String
    public var paymentIntent: String?
    public var reason: String
    public var status: DisputeStatus
    public var balanceTransaction: String
    public var created: Int64
    public var metadata: String
    /// `sepa_debit` or `card`, and the card's brand.
    public var methodType: String = "sepa_debit"
    public var brand: String? = nil
    /// The shop's evidence as a JSON object of Stripe's evidence fields; how often it was submitted; until when.
    public var evidence: String = "{}"
    public var submissionCount: Int64 = 0
    public var dueBy: Int64? = nil
    /// The balance transaction that gave the funds back when the dispute was won.
    public var reinstatementTransaction: String? = nil
}

extension DisputeRecord: StoredRecord {
    public static let table = "disputes"
    public static let objectName = "dispute"
}
