import Foundation

/// The part of Stripe Billing vtpe keeps (issue 14: the smallest part that charges a saved card every period):
/// products, recurring prices, subscriptions of one price, the invoices they raise, and test clocks to move a
/// customer's time forward. Money is in minor units of `currency`, as in the other records.

/// What a shop sells (`prod_…`).
public struct ProductRecord: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var active: Bool
    public var description: String?
    public var metadata: String
    public var created: Int64
    public var updated: Int64
}

extension ProductRecord: StoredRecord {
    public static let table = "products"
    public static let objectName = "product"
}

/// How much a product costs (`price_…`): once, or every `intervalCount` `interval`s when recurring.
public struct PriceRecord: Sendable, Codable, Equatable {
    public var id: String
    public var product: String
    public var active: Bool
    public var currency: String
    public var unitAmount: Int64
    /// Nil for a one-time price.
    public var recurringInterval: RecurringInterval?
    public var recurringIntervalCount: Int64?
    public var nickname: String?
    public var metadata: String
    public var created: Int64

    var isRecurring: Bool { recurringInterval != nil }
}

extension PriceRecord: StoredRecord {
    public static let table = "prices"
    public static let objectName = "price"
}

/// A Stripe test clock (`clock_…`): the time of the customers created on it, frozen until a test advances it;
/// their subscriptions renew, retry and end as the clock passes their dates.
public struct TestClockRecord: Sendable, Codable, Equatable {
    public var id: String
    public var name: String?
    public var frozenTime: Int64
    public var status: TestClockStatus
    public var created: Int64
    /// Stripe deletes test clocks 30 days after their creation.
    public var deletesAfter: Int64
    public var deleted: Bool
}

extension TestClockRecord: StoredRecord {
    public static let table = "test_clocks"
    public static let objectName = "test_clock"
    public static var hidesDeleted: Bool { true }
    public var isDeleted: Bool { deleted }
}

/// A subscription of a customer to one recurring price (`sub_…`), its item (`si_…`) kept in the same row.
public struct SubscriptionRecord: Sendable, Codable, Equatable {
    public var id: String
    public var customer: String
    public var status: SubscriptionStatus
    public var itemId: String
    public var price: String
    /// The price as rendered when the subscription was made (a price's amount and period never change).
    public var priceObject: String
    public var quantity: Int64
    public var currency: String
    public var created: Int64
    public var startDate: Int64
    /// The periods are counted from here (a period ending on the 31st ends on the last day of shorter months).
    public var billingCycleAnchor: Int64
    public var currentPeriodStart: Int64
    public var currentPeriodEnd: Int64
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Int64?
    /// `cancellation_requested` or `payment_failed` once canceled.
    public var cancellationReason: String?
    public var endedAt: Int64?
    public var trialStart: Int64?
    public var trialEnd: Int64?
    public var defaultPaymentMethod: String?
    public var latestInvoice: String?
    /// The customer's test clock, if they were created on one.
    public var testClock: String?
    /// When the billing pass has something to do for it next: renew (or end) at the period's end, or give up on an
    /// incomplete first payment; nil once it has ended. Indexed.
    public var nextActionAt: Int64?
    public var description: String?
    public var metadata: String
    /// Incremented by every write: each update is guarded by the revision it read, so a change made meanwhile (a
    /// renewal, a cancellation, another process) is never overwritten with an older row.
    public var revision: Int64 = 0
}

extension SubscriptionRecord {
    /// The write of `next` over the row as `self` read it: the next revision, guarded by this one.
    func replaced(by next: SubscriptionRecord) -> StoreWrite {
        var written = next
        written.revision = revision + 1
        return .update(written, expecting: .init(column: "revision", value: .integer(revision)))
    }
}

extension SubscriptionRecord: StoredRecord {
    public static let table = "subscriptions"
    public static let objectName = "subscription"
}

/// An invoice (`in_…`) of one line: a subscription's period, paid by a payment intent confirmed with the
/// subscription's (or the customer's default) payment method.
public struct InvoiceRecord: Sendable, Codable, Equatable {
    public var id: String
    public var number: String
    public var customer: String
    public var subscription: String?
    public var status: InvoiceStatus
    public var billingReason: BillingReason
    public var currency: String
    public var amountDue: Int64
    public var amountPaid: Int64
    public var periodStart: Int64
    public var periodEnd: Int64
    public var lineId: String
    public var linePrice: String
    /// The line's price as rendered when the invoice was made.
    public var linePriceObject: String
    public var lineQuantity: Int64
    public var lineDescription: String
    public var paymentIntent: String?
    public var attemptCount: Int64
    public var attempted: Bool
    /// When the next automatic attempt is made (Stripe's `next_payment_attempt`); nil when none is planned.
    public var nextPaymentAttempt: Int64?
    /// The last attempt's payment has not come to an end yet (a SEPA debit processing, 3-D Secure waiting for the
    /// customer): the billing pass looks at its intent until it succeeds or fails.
    public var awaitingPayment: Bool
    public var created: Int64
    public var finalizedAt: Int64?
    public var paidAt: Int64?
    public var voidedAt: Int64?
    public var testClock: String?
    public var metadata: String
}

extension InvoiceRecord: StoredRecord {
    public static let table = "invoices"
    public static let objectName = "invoice"
}
