import Foundation

/// A payment intent waiting for the customer's bank transfer (`customer_balance` with an `eu_bank_transfer`): the
/// reference the customer quotes, the country of the virtual IBAN they pay into, and what is still to come. Its id is
/// the intent's.
public struct BankTransferRecord: Sendable, Codable, Equatable {
    public var id: String
    public var customer: String
    public var currency: String
    /// The virtual IBAN's country (`payment_method_options[customer_balance][bank_transfer][eu_bank_transfer][country]`).
    public var country: String
    public var reference: String
    public var amountRemaining: Int64
    /// `open` while money is expected, then `funded` or `canceled`.
    public var status: BankTransferStatus
    public var created: Int64
}

extension BankTransferRecord: StoredRecord {
    public static let table = "bank_transfers"
    public static let objectName = "bank_transfer"
}

/// A customer's cash balance in one currency: bank transfers received and not yet applied to a payment. Its id is
/// `customer:currency`.
public struct CashBalanceRecord: Sendable, Codable, Equatable {
    public var id: String
    public var customer: String
    public var currency: String
    public var available: Int64

    static func id(customer: String, currency: String) -> String { "\(customer):\(currency)" }
}

extension CashBalanceRecord: StoredRecord {
    public static let table = "cash_balances"
    public static let objectName = "cash_balance"
}

/// A movement of a customer's cash balance: money `funded` by a transfer, `applied_to_payment` (negative) or
/// `unapplied_from_payment` when the intent it paid for is canceled.
public struct CashBalanceTransactionRecord: Sendable, Codable, Equatable {
    public var id: String
    public var customer: String
    public var currency: String
    public var type: CashBalanceTransactionType
    public var netAmount: Int64
    public var endingBalance: Int64
    public var paymentIntent: String?
    /// The reference the sender quoted (funded transactions).
    public var reference: String?
    public var created: Int64
}

extension CashBalanceTransactionRecord: StoredRecord {
    public static let table = "cash_balance_transactions"
    public static let objectName = "customer_cash_balance_transaction"
}
