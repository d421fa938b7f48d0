import Foundation
import Testing
@testable import Gateway

/// The calendar of recurring prices and the retry and status decisions of `SubscriptionLifecycle`, without a store.
@Suite struct BillingPeriodTests {
    /// 2027-01-31T09:30:00Z.
    static let jan31: Int64 = 1_801_387_800

    static func utc(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 9, _ min: Int = 30) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return Int64(calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: min))!.timeIntervalSince1970)
    }

    @Test func monthlyPeriodsKeepTheAnchorDayAndClampToShortMonths() {
        let monthly = BillingPeriod(interval: .month, count: 1)
        #expect(Self.jan31 == Self.utc(2027, 1, 31))
        #expect(monthly.end(anchor: Self.jan31, periods: 1) == Self.utc(2027, 2, 28))
        // Counted from the anchor, not from February 28th: back to the 31st in March.
        #expect(monthly.end(anchor: Self.jan31, periods: 2) == Self.utc(2027, 3, 31))
        #expect(monthly.end(anchor: Self.jan31, periods: 3) == Self.utc(2027, 4, 30))
        #expect(monthly.nextEnd(anchor: Self.jan31, after: Self.utc(2027, 2, 28)) == Self.utc(2027, 3, 31))
        #expect(monthly.nextEnd(anchor: Self.jan31, after: Self.utc(2027, 3, 1)) == Self.utc(2027, 3, 31))
        // 2028 is a leap year.
        #expect(monthly.end(anchor: Self.jan31, periods: 13) == Self.utc(2028, 2, 29))
    }

    @Test func otherIntervals() {
        let anchor = Self.utc(2028, 2, 29)
        #expect(BillingPeriod(interval: .year, count: 1).end(anchor: anchor, periods: 1) == Self.utc(2029, 2, 28))
        #expect(BillingPeriod(interval: .year, count: 1).end(anchor: anchor, periods: 4) == Self.utc(2032, 2, 29))
        #expect(BillingPeriod(interval: .week, count: 2).end(anchor: anchor, periods: 1) == anchor + 14 * 86_400)
        #expect(BillingPeriod(interval: .day, count: 1).nextEnd(anchor: anchor, after: anchor + 86_400) == anchor + 2 * 86_400)
        #expect(BillingPeriod(interval: .month, count: 3).end(anchor: Self.jan31, periods: 1) == Self.utc(2027, 4, 30))
        // Far from the anchor, the walk still lands on the first end after the time.
        #expect(BillingPeriod(interval: .day, count: 1).nextEnd(anchor: anchor, after: anchor + 400 * 86_400 + 5) == anchor + 401 * 86_400)
    }

    // MARK: The lifecycle's decisions

    static let price = PriceRecord(id: "price_1", product: "prod_1", active: true, currency: "eur", unitAmount: 1500,
                                   recurringInterval: .month, recurringIntervalCount: 1, nickname: nil, metadata: "{}", created: 0)
    static let product = ProductRecord(id: "prod_1", name: "Gold", active: true, description: nil, metadata: "{}", created: 0, updated: 0)
    static let customer = CustomerRecord(id: "cus_1", email: nil, name: nil, description: nil, phone: nil, metadata: "{}", defaultPaymentMethod: "pm_1",
                                         invoicePrefix: "ABCD1234", created: 0, deleted: false)

    static func request(trialDays: Int64? = nil) -> SubscriptionLifecycle.Request {
        .init(customer: customer, price: price, product: product, quantity: 2, defaultPaymentMethod: nil, trialDays: trialDays,
              cancelAtPeriodEnd: false, description: nil, metadata: "{}")
    }

    @Test func aStartRaisesTheFirstInvoiceForThePeriod() {
        let start = SubscriptionLifecycle().start(Self.request(), now: Self.jan31)
        #expect(start.subscription.status == .incomplete)
        #expect(start.subscription.currentPeriodStart == Self.jan31 && start.subscription.currentPeriodEnd == Self.utc(2027, 2, 28))
        #expect(start.subscription.nextActionAt == Self.jan31 + 23 * 3600)
        #expect(start.invoice.amountDue == 3000 && start.invoice.number == "ABCD1234-0001" && start.invoice.billingReason == .subscriptionCreate)
        #expect(start.invoice.lineDescription == "2 × Gold (at 15.00 EUR / month)")
        #expect(start.customer.nextInvoiceSequence == 2)
        #expect(start.events.map(\.type) == [.invoiceCreated, .invoiceFinalized])
    }

    @Test func aTrialStartsTrialingWithAFreeInvoice() {
        let lifecycle = SubscriptionLifecycle()
        let start = lifecycle.start(Self.request(trialDays: 14), now: Self.jan31)
        #expect(start.subscription.status == .trialing && start.subscription.trialEnd == Self.jan31 + 14 * 86_400)
        #expect(start.subscription.currentPeriodEnd == Self.jan31 + 14 * 86_400 && start.subscription.billingCycleAnchor == Self.jan31 + 14 * 86_400)
        #expect(start.invoice.amountDue == 0)
        let paid = lifecycle.settle(lifecycle.attempting(start.invoice), subscription: start.subscription, .paid, paymentIntent: nil, now: Self.jan31)
        #expect(paid.invoice.status == .paid && paid.subscription?.status == .trialing && paid.events.map(\.type) == [.invoicePaid, .invoicePaymentSucceeded])
    }

    @Test func failedRenewalsAreRetriedAfterThreeFiveAndSevenDaysThenTheSubscriptionIsCanceled() throws {
        let lifecycle = SubscriptionLifecycle()
        var sub = lifecycle.start(Self.request(), now: Self.jan31).subscription
        sub.status = .active
        sub.nextActionAt = sub.currentPeriodEnd
        guard case .invoice(let renewal)? = lifecycle.renew(sub, price: Self.price, product: Self.product, customer: Self.customer,
                                                            now: sub.currentPeriodEnd) else {
            Issue.record("no renewal at the period end")
            return
        }
        #expect(renewal.invoice.billingReason == .subscriptionCycle && renewal.invoice.periodStart == Self.utc(2027, 2, 28))
        #expect(renewal.subscription.currentPeriodEnd == Self.utc(2027, 3, 31))
        var invoice = renewal.invoice
        var current = renewal.subscription
        var now = current.currentPeriodStart
        var planned: [Int64?] = []
        for _ in 0..<4 {
            let settled = lifecycle.settle(lifecycle.attempting(invoice), subscription: current, .failed, paymentIntent: "pi_1", now: now)
            invoice = settled.invoice
            current = try #require(settled.subscription)
            planned.append(invoice.nextPaymentAttempt.map { $0 - now })
            now = invoice.nextPaymentAttempt ?? now
        }
        let expected: [Int64?] = [3 * 86_400, 5 * 86_400, 7 * 86_400, nil]
        #expect(planned == expected)
        #expect(current.status == .canceled && current.cancellationReason == "payment_failed" && current.nextActionAt == nil)
        #expect(invoice.status == .open && invoice.attemptCount == 4)
    }

    @Test func aProcessingFirstPaymentMakesTheSubscriptionActiveAndAFailedOneLeavesItIncomplete() {
        let lifecycle = SubscriptionLifecycle()
        let start = lifecycle.start(Self.request(), now: Self.jan31)
        let processing = lifecycle.settle(lifecycle.attempting(start.invoice), subscription: start.subscription, .processing, paymentIntent: "pi_1", now: Self.jan31)
        #expect(processing.subscription?.status == .active && processing.invoice.awaitingPayment && processing.invoice.status == .open)
        #expect(processing.subscription?.nextActionAt == Self.utc(2027, 2, 28))
        let failed = lifecycle.settle(lifecycle.attempting(start.invoice), subscription: start.subscription, .failed, paymentIntent: "pi_1", now: Self.jan31)
        #expect(failed.subscription?.status == .incomplete && failed.invoice.nextPaymentAttempt == nil)
        #expect(failed.events.map(\.type) == [.invoicePaymentFailed])
    }

    @Test func cancelAtPeriodEndEndsInsteadOfRenewing() {
        let lifecycle = SubscriptionLifecycle()
        var sub = lifecycle.start(Self.request(), now: Self.jan31).subscription
        sub.status = .active
        sub.cancelAtPeriodEnd = true
        #expect(lifecycle.renew(sub, price: Self.price, product: Self.product, customer: Self.customer, now: sub.currentPeriodEnd - 1) == nil)
        guard case .end(let ended, let events)? = lifecycle.renew(sub, price: Self.price, product: Self.product, customer: Self.customer,
                                                                  now: sub.currentPeriodEnd + 5) else {
            Issue.record("the subscription did not end")
            return
        }
        #expect(ended.status == .canceled && ended.endedAt == sub.currentPeriodEnd && events.map(\.type) == [.customerSubscriptionDeleted])
    }
}

extension SubscriptionLifecycle.Renewal: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.end(let x, _), .end(let y, _)): x == y
        case (.invoice(let x), .invoice(let y)): x.invoice == y.invoice
        default: false
        }
    }
}
