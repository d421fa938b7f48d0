import Foundation

/// A payout: the available balance of one currency moved to the shop's bank account by the daily settlement.
public struct PayoutRecord: Sendable, Codable, Equatable {
    public var id: String
    public var amount: Int64
    public var currency: String
    /// `paid` at once: test-mode payouts arrive on the day they are made.
    public var status: PayoutStatus
    public var arrivalDate: Int64
    public var created: Int64
    /// Its own balance transaction (type `payout`, the amount taken out of the balance).
    public var balanceTransaction: String
    public var description: String
    public var metadata: String
}

extension PayoutRecord: StoredRecord {
    public static let table = "payouts"
    public static let objectName = "payout"
}

/// What has become available and is not paid out yet, in one currency (`PaymentStore.unsettledBalance`).
public struct UnsettledBalance: Sendable, Equatable {
    public var currency: String
    public var net: Int64
    public var transactions: Int64
}
