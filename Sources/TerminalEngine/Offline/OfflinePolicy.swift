import Foundation
import PaymentCore

/// When a terminal may approve a payment without the gateway and keep it to forward later (store-and-forward):
/// the profile's `offline` block (docs/firmware-profiles.md). Pure: `refusal` says why a payment may not be stored.
public struct OfflinePolicy: Sendable, Equatable {
    /// The most one stored payment, and all stored payments together, may be in a currency.
    public struct Limit: Sendable, Equatable {
        public var perPayment: Money
        public var total: Money

        public init(perPayment: Money, total: Money) {
            self.perPayment = perPayment
            self.total = total
        }
    }

    public var enabled: Bool
    /// One per currency allowed offline.
    public var limits: [Limit]
    /// Payments stored at most.
    public var maxCount: Int
    /// A payment older than this must have been forwarded: past it, the terminal stores nothing more.
    public var maxAge: TimeInterval

    public init(enabled: Bool, limits: [Limit], maxCount: Int, maxAge: TimeInterval) {
        self.enabled = enabled
        self.limits = limits
        self.maxCount = maxCount
        self.maxAge = maxAge
    }

    public static let disabled = OfflinePolicy(enabled: false, limits: [], maxCount: 0, maxAge: 0)

    public func limit(for currency: Currency) -> Limit? { limits.first { $0.perPayment.currency == currency } }

    /// What is stored already: how many payments, their total per currency, and when the oldest was stored.
    public struct Queue: Sendable, Equatable {
        public var count: Int
        public var totals: [Currency: Int64]
        public var oldest: Date?

        public init(count: Int = 0, totals: [Currency: Int64] = [:], oldest: Date? = nil) {
            self.count = count
            self.totals = totals
            self.oldest = oldest
        }

        public static let empty = Queue()
    }

    /// Why `amount` may not be approved offline now (nil: it may), as the screen says it.
    public func refusal(for amount: Money, queue: Queue, now: Date) -> String? {
        guard enabled else { return "this terminal does not take payments offline" }
        guard let limit = limit(for: amount.currency) else { return "payments in \(amount.currency.code) are not taken offline" }
        guard amount.minorUnits <= limit.perPayment.minorUnits else {
            return "over the offline limit of \(limit.perPayment.formatted(withCode: true)) a payment"
        }
        guard queue.count < maxCount else { return "the offline store is full (\(maxCount) payments): reconnect to forward them" }
        guard (queue.totals[amount.currency] ?? 0) + amount.minorUnits <= limit.total.minorUnits else {
            return "the offline store would exceed \(limit.total.formatted(withCode: true)): reconnect to forward it"
        }
        if let oldest = queue.oldest, now.timeIntervalSince(oldest) > maxAge {
            return "payments stored offline are older than \(Int(maxAge / 3600)) h: reconnect to forward them"
        }
        return nil
    }
}
