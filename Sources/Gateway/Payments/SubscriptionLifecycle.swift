import Foundation
import PaymentCore

/// The decisions of a subscription's life, as values: start (a first invoice, or a free trial), renew at the end of
/// each period (a new invoice, or the end when it was set to cancel at period end), what a payment attempt's outcome
/// does to the invoice and the subscription, retries of a failed renewal, expiry of an unpaid first invoice and
/// cancellation. `Subscriptions` reads the rows, runs the payments and commits what this returns.
struct SubscriptionLifecycle {
    /// A first invoice not paid within this long ends the subscription as `incomplete_expired` (Stripe: 23 hours).
    static let incompleteWindow: Int64 = 23 * 3600
    /// After the first, second and third failed attempt at a renewal invoice, the next attempt comes this much later;
    /// after the fourth the subscription is canceled (Stripe's default retry schedule of 3, 5 and 7 days).
    static let retryDelays: [Int64] = [3 * 86_400, 5 * 86_400, 7 * 86_400]

    /// What became of a payment attempt.
    enum Attempt: Equatable {
        case paid
        /// The payment is on its way (a SEPA debit waiting for the bank's answer): a first invoice makes the
        /// subscription active meanwhile, as Stripe does for delayed-notification methods.
        case processing
        /// Not over yet: 3-D Secure waiting for the customer.
        case pending
        case failed
    }

    /// A subscription's creation: its row, its first invoice (not attempted yet), the customer's invoice counter.
    struct Start {
        var subscription: SubscriptionRecord
        var invoice: InvoiceRecord
        var customer: CustomerRecord
        var events: [EventDraft]
    }

    /// What the request to create a subscription asks, parsed.
    struct Request {
        var customer: CustomerRecord
        var price: PriceRecord
        var product: ProductRecord
        var quantity: Int64
        var defaultPaymentMethod: String?
        var trialDays: Int64?
        var cancelAtPeriodEnd: Bool
        var description: String?
        var metadata: String
    }

    func start(_ request: Request, now: Int64) -> Start {
        let period = Self.period(of: request.price)
        let trialEnd = request.trialDays.map { now + $0 * 86_400 }
        let anchor = trialEnd ?? now
        let end = trialEnd ?? period.end(anchor: anchor, periods: 1)
        let subscription = SubscriptionRecord(
            id: ObjectID.make("sub"), customer: request.customer.id, status: trialEnd == nil ? .incomplete : .trialing,
            itemId: ObjectID.make("si"), price: request.price.id,
            priceObject: Render.price(request.price).compactText, quantity: request.quantity, currency: request.price.currency,
            created: now, startDate: now, billingCycleAnchor: anchor, currentPeriodStart: now, currentPeriodEnd: end,
            cancelAtPeriodEnd: request.cancelAtPeriodEnd, canceledAt: nil, cancellationReason: nil, endedAt: nil,
            trialStart: trialEnd == nil ? nil : now, trialEnd: trialEnd, defaultPaymentMethod: request.defaultPaymentMethod,
            latestInvoice: nil, testClock: request.customer.testClock,
            nextActionAt: trialEnd ?? now + Self.incompleteWindow, description: request.description, metadata: request.metadata)
        // A trial's first invoice is for nothing (and paid at once).
        return raise(for: subscription, price: request.price, product: request.product, customer: request.customer,
                     reason: .subscriptionCreate, period: now...end, amount: trialEnd == nil ? nil : 0, now: now)
    }

    /// What the end of the current period does: `nil` while it has not come.
    enum Renewal {
        /// The subscription was set to cancel at period end: it ends.
        case end(SubscriptionRecord, [EventDraft])
        /// A new period and its invoice, to be attempted.
        case invoice(Start)
    }

    func renew(_ subscription: SubscriptionRecord, price: PriceRecord, product: ProductRecord, customer: CustomerRecord, now: Int64) -> Renewal? {
        guard [.active, .trialing, .pastDue].contains(subscription.status), subscription.currentPeriodEnd <= now else { return nil }
        var sub = subscription
        if sub.cancelAtPeriodEnd {
            sub.status = .canceled
            sub.canceledAt = sub.canceledAt ?? now
            sub.cancellationReason = "cancellation_requested"
            sub.endedAt = sub.currentPeriodEnd
            sub.nextActionAt = nil
            return .end(sub, [EventDraft(type: .customerSubscriptionDeleted, object: .subscription(sub))])
        }
        let start = sub.currentPeriodEnd
        let end = Self.period(of: price).nextEnd(anchor: sub.billingCycleAnchor, after: start)
        sub.currentPeriodStart = start
        sub.currentPeriodEnd = end
        sub.nextActionAt = end
        var raised = raise(for: sub, price: price, product: product, customer: customer, reason: .subscriptionCycle, period: start...end,
                           amount: nil, now: now)
        raised.events.insert(EventDraft(type: .customerSubscriptionUpdated, object: .subscription(raised.subscription)), at: 0)
        return .invoice(raised)
    }

    /// A new invoice for `period`, finalized at once (Stripe keeps a renewal's draft for about an hour; vtpe finalizes
    /// and attempts it when the period starts).
    private func raise(for subscription: SubscriptionRecord, price: PriceRecord, product: ProductRecord, customer: CustomerRecord,
                       reason: BillingReason, period: ClosedRange<Int64>, amount: Int64?, now: Int64) -> Start {
        var sub = subscription
        var customer = customer
        let number = "\(customer.invoicePrefix)-\(String(format: "%04lld", customer.nextInvoiceSequence))"
        customer.nextInvoiceSequence += 1
        let interval = price.recurringInterval.map { i in (price.recurringIntervalCount ?? 1) == 1 ? i.rawValue : "\(price.recurringIntervalCount ?? 1) \(i.rawValue)s" } ?? ""
        let invoice = InvoiceRecord(
            id: ObjectID.make("in"), number: number, customer: sub.customer, subscription: sub.id, status: .open, billingReason: reason,
            currency: price.currency, amountDue: amount ?? price.unitAmount * sub.quantity, amountPaid: 0,
            periodStart: period.lowerBound, periodEnd: period.upperBound, lineId: ObjectID.make("il"), linePrice: price.id,
            linePriceObject: Render.price(price).compactText,
            lineQuantity: sub.quantity,
            lineDescription: "\(sub.quantity) × \(product.name) (at \(Self.amountText(price.unitAmount, price.currency)) / \(interval))",
            paymentIntent: nil, attemptCount: 0, attempted: false, nextPaymentAttempt: nil, awaitingPayment: false,
            created: now, finalizedAt: now, paidAt: nil, voidedAt: nil, testClock: sub.testClock, metadata: "{}")
        sub.latestInvoice = invoice.id
        return Start(subscription: sub, invoice: invoice, customer: customer, events: [
            EventDraft(type: .invoiceCreated, object: .invoice(invoice)), EventDraft(type: .invoiceFinalized, object: .invoice(invoice)),
        ])
    }

    /// An attempt at paying `invoice` starts: counted before its outcome is known.
    func attempting(_ invoice: InvoiceRecord) -> InvoiceRecord {
        var invoice = invoice
        invoice.attemptCount += 1
        invoice.attempted = true
        invoice.nextPaymentAttempt = nil
        invoice.awaitingPayment = false
        return invoice
    }

    /// What an attempt's outcome does: the invoice paid (the subscription active), still waiting, or failed (a retry
    /// planned, the subscription past due — or canceled once the retries are spent; an incomplete one is not retried).
    func settle(_ invoice: InvoiceRecord, subscription: SubscriptionRecord?, _ attempt: Attempt, paymentIntent: String?, now: Int64)
        -> (invoice: InvoiceRecord, subscription: SubscriptionRecord?, events: [EventDraft])
    {
        var invoice = invoice
        invoice.paymentIntent = paymentIntent ?? invoice.paymentIntent
        var events: [EventDraft] = []
        let next = subscription.map { status(of: $0, after: attempt, invoice: invoice, now: now) } ?? nil
        switch attempt {
        case .paid:
            invoice.status = .paid
            invoice.amountPaid = invoice.amountDue
            invoice.paidAt = now
            invoice.nextPaymentAttempt = nil
            invoice.awaitingPayment = false
            events += [EventDraft(type: .invoicePaid, object: .invoice(invoice)), EventDraft(type: .invoicePaymentSucceeded, object: .invoice(invoice))]
        case .pending, .processing:
            invoice.awaitingPayment = true
            invoice.nextPaymentAttempt = nil
        case .failed:
            invoice.awaitingPayment = false
            let retries = next?.status == .pastDue && Int(invoice.attemptCount) <= Self.retryDelays.count
            invoice.nextPaymentAttempt = retries ? Self.retryDelays[Int(invoice.attemptCount) - 1] + now : nil
            events.append(EventDraft(type: .invoicePaymentFailed, object: .invoice(invoice)))
        }
        if let sub = next, sub != subscription {
            events.append(EventDraft(type: sub.status == .canceled ? .customerSubscriptionDeleted : .customerSubscriptionUpdated, object: .subscription(sub)))
        }
        return (invoice, next, events)
    }

    /// The subscription after an attempt at one of its invoices.
    private func status(of subscription: SubscriptionRecord, after attempt: Attempt, invoice: InvoiceRecord, now: Int64) -> SubscriptionRecord {
        var sub = subscription
        guard SubscriptionStatus.live.contains(sub.status) else { return sub }
        switch attempt {
        case .paid:
            // A trial's free first invoice leaves it trialing; any other paid invoice makes it active.
            if !(sub.status == .trialing && invoice.billingReason == .subscriptionCreate) { sub.status = .active }
            if sub.status == .active, invoice.billingReason == .subscriptionCreate { sub.nextActionAt = sub.currentPeriodEnd }
        case .processing:
            if sub.status == .incomplete {
                sub.status = .active
                sub.nextActionAt = sub.currentPeriodEnd
            }
        case .pending:
            // A renewal waiting for the customer (3-D Secure off-session) is not paid: past due until it is.
            if invoice.billingReason == .subscriptionCycle, sub.status != .incomplete { sub.status = .pastDue }
        case .failed:
            // A first payment that fails leaves the subscription incomplete (until it expires); a later one makes it
            // past due, retried, and canceled once the retries are spent.
            guard sub.status != .incomplete else { break }
            if Int(invoice.attemptCount) > Self.retryDelays.count {
                sub.status = .canceled
                sub.canceledAt = now
                sub.cancellationReason = "payment_failed"
                sub.endedAt = now
                sub.nextActionAt = nil
            } else {
                sub.status = .pastDue
            }
        }
        return sub
    }

    /// An incomplete subscription whose first invoice was not paid in time: it never starts, its invoice is voided.
    func expire(_ subscription: SubscriptionRecord, invoice: InvoiceRecord?, now: Int64)
        -> (subscription: SubscriptionRecord, invoice: InvoiceRecord?, events: [EventDraft])
    {
        var sub = subscription
        sub.status = .incompleteExpired
        sub.endedAt = now
        sub.nextActionAt = nil
        var events = [EventDraft(type: .customerSubscriptionUpdated, object: .subscription(sub))]
        let voided = invoice.flatMap { $0.status == .open ? void($0, now: now) : nil }
        if let voided { events.insert(EventDraft(type: .invoiceVoided, object: .invoice(voided)), at: 0) }
        return (sub, voided, events)
    }

    /// `DELETE /v1/subscriptions/:id`: it ends now; its open invoices are no longer collected.
    func cancel(_ subscription: SubscriptionRecord, openInvoices: [InvoiceRecord], now: Int64)
        -> (subscription: SubscriptionRecord, invoices: [InvoiceRecord], events: [EventDraft])
    {
        var sub = subscription
        sub.status = .canceled
        sub.canceledAt = now
        sub.cancellationReason = "cancellation_requested"
        sub.endedAt = now
        sub.nextActionAt = nil
        let stopped = openInvoices.filter { $0.nextPaymentAttempt != nil }.map { invoice in
            var invoice = invoice
            invoice.nextPaymentAttempt = nil
            return invoice
        }
        return (sub, stopped, [EventDraft(type: .customerSubscriptionDeleted, object: .subscription(sub))])
    }

    private func void(_ invoice: InvoiceRecord, now: Int64) -> InvoiceRecord {
        var invoice = invoice
        invoice.status = .void
        invoice.voidedAt = now
        invoice.nextPaymentAttempt = nil
        invoice.awaitingPayment = false
        return invoice
    }

    static func period(of price: PriceRecord) -> BillingPeriod {
        BillingPeriod(interval: price.recurringInterval ?? .month, count: price.recurringIntervalCount ?? 1)
    }

    /// `12.50 EUR` for the invoice line (the line is text for people; the amounts are in fields).
    static func amountText(_ amount: Int64, _ currency: String) -> String {
        guard let known = try? Currency(code: currency.uppercased()) else { return "\(amount) \(currency.uppercased())" }
        return "\(Money(minorUnits: amount, currency: known).formatted) \(known.code)"
    }
}
