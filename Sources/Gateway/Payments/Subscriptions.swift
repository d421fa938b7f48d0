import Foundation
import HTTPTypes
import Logging
import PaymentCore

/// Runs subscriptions: reads what a step needs, lets `SubscriptionLifecycle` decide, pays invoices with payment
/// intents (`PaymentIntents`) and commits the invoice and subscription rows in the same transaction as the payment
/// (`PaymentIntents.Accompanying`), so an invoice is never marked paid without its payment nor charged twice: every
/// write is guarded by what it read (the period, the attempt count), and a second process doing the same step
/// conflicts and finds the work done. Time is the customer's: their test clock's, or the gateway clock's.
struct Subscriptions {
    let intents: PaymentIntents
    let lifecycle = SubscriptionLifecycle()
    var logger = Logger(label: "vtpe.billing")
    var store: any PaymentStore { intents.store }

    /// The time of `customer`: their test clock's frozen time, or the gateway's clock.
    func now(for customer: CustomerRecord) async throws -> Int64 {
        if let clockID = customer.testClock, let clock = try await store.find(TestClockRecord.self, id: clockID) { return clock.frozenTime }
        return Int64(intents.clock.now().timeIntervalSince1970)
    }

    /// The subscription, its first invoice and the first attempt at paying it, with the intent's decline if the card
    /// was declined. Without `attemptPayment` (`default_incomplete`) the invoice's intent waits for the customer to
    /// confirm it; the subscription turns active once it succeeds. `errorIfIncomplete`: a first invoice that is not paid ends the subscription (`incomplete_expired`,
    /// the invoice void) and the decline is the answer.
    func create(_ request: SubscriptionLifecycle.Request, attemptPayment: Bool, errorIfIncomplete: Bool, offSession: Bool) async throws
        -> (subscription: SubscriptionRecord, outcome: IntentOutcome?)
    {
        let now = try await now(for: request.customer)
        var start = lifecycle.start(request, now: now)
        start.events.insert(EventDraft(type: .customerSubscriptionCreated, object: .subscription(start.subscription)), at: 0)
        let method = attemptPayment ? request.defaultPaymentMethod ?? request.customer.defaultPaymentMethod : nil
        let result = try await firstAttempt(start, read: request.customer, method: method, offSession: offSession, now: now,
                                            giveUpUnlessPaid: errorIfIncomplete, waitForCustomer: !attemptPayment) { .insert($0) }
        if errorIfIncomplete, let outcome = result.outcome, outcome.intent.status == .requiresAction {
            // The customer is not there to authenticate: the payment must not go through later.
            _ = try? await intents.cancel(id: outcome.intent.id, reason: .abandoned, now: Date(timeIntervalSince1970: TimeInterval(now)))
        }
        return result
    }

    /// An invoice's first attempt, committed with the invoice (and the subscription row `subscriptionWrite` makes,
    /// and the customer's invoice counter) in one transaction.
    private func firstAttempt(_ start: SubscriptionLifecycle.Start, read customer: CustomerRecord, method: String?, offSession: Bool, now: Int64,
                              giveUpUnlessPaid: Bool = false, waitForCustomer: Bool = false, subscriptionWrite: @escaping (SubscriptionRecord) -> StoreWrite) async throws
        -> (subscription: SubscriptionRecord, outcome: IntentOutcome?)
    {
        let invoice = waitForCustomer ? start.invoice : lifecycle.attempting(start.invoice)
        let customerWrite = StoreWrite.update(start.customer, expecting: .init(column: "next_invoice_sequence", value: .integer(customer.nextInvoiceSequence)))
        // The invoice's own events come before its payment's in the stream, as in Stripe's.
        let leading = EventOutbox.writes(start.events, now: now)
        var subscription = start.subscription
        func rows(_ attempt: SubscriptionLifecycle.Attempt, intent: String?) -> [StoreWrite] {
            var settled = lifecycle.settle(invoice, subscription: start.subscription, attempt, paymentIntent: intent, now: now)
            // A debit on its way is not a failure: it settles later (error_if_incomplete keeps the subscription).
            if giveUpUnlessPaid, attempt != .paid, attempt != .processing, let sub = settled.subscription {
                let expired = lifecycle.expire(sub, invoice: settled.invoice, now: now)
                settled = (expired.invoice ?? settled.invoice, expired.subscription, settled.events + expired.events)
            }
            subscription = settled.subscription ?? start.subscription
            return leading + [subscriptionWrite(subscription), .insert(settled.invoice), customerWrite] + EventOutbox.writes(settled.events, now: now)
        }
        guard invoice.amountDue > 0 else {
            try await store.commit(rows(.paid, intent: nil))
            return (subscription, nil)
        }
        let outcome = try await pay(invoice, method: method, offSession: offSession, now: now) { outcome in
            // Without a method to try (default_incomplete), the intent waits for the customer to confirm it.
            rows(method == nil && outcome.intent.status == .requiresPaymentMethod && waitForCustomer ? .pending : Self.attempt(outcome.intent.status),
                 intent: outcome.intent.id)
        }
        return (subscription, outcome)
    }

    /// A new payment intent for `invoice`, confirmed with `method` when there is one; a refusal (the method is gone,
    /// a debit without a mandate) leaves the intent waiting for a payment method and the attempt failed.
    private func pay(_ invoice: InvoiceRecord, method: String?, offSession: Bool, now: Int64,
                     accompanying: @escaping PaymentIntents.Accompanying) async throws -> IntentOutcome {
        func creation(_ method: String?) throws -> IntentCreation {
            var changes = IntentChanges()
            changes.customer = .some(invoice.customer)
            changes.description = .some(invoice.billingReason == .subscriptionCreate ? "Subscription creation" : "Subscription update")
            changes.metadata = ["vtpe_invoice": invoice.id]
            if let method { changes.card = .stored(method) }
            return IntentCreation(amount: invoice.amountDue, currency: try Currency(code: invoice.currency.uppercased()), changes: changes,
                                  confirm: method != nil, options: ConfirmOptions(offSession: offSession))
        }
        let date = Date(timeIntervalSince1970: TimeInterval(now))
        do {
            return try await intents.create(try creation(method), baseURL: "", now: date, accompanying: accompanying)
        } catch is IntentRefusal where method != nil {
            return try await intents.create(try creation(nil), baseURL: "", now: date, accompanying: accompanying)
        }
    }

    /// What an intent's status says of the attempt.
    static func attempt(_ status: PaymentIntentStatus) -> SubscriptionLifecycle.Attempt {
        switch status {
        case .succeeded: .paid
        case .processing: .processing
        case .requiresAction: .pending
        default: .failed
        }
    }

    // MARK: Changes

    /// `POST /v1/subscriptions/:id`.
    func update(id: String, cancelAtPeriodEnd: Bool?, defaultPaymentMethod: String??, description: String??, metadata: [String: String]?,
                clearsMetadata: Bool) async throws -> SubscriptionRecord {
        try await store.retryingConflicts {
            let read = try await existing(id)
            guard SubscriptionStatus.live.contains(read.status) else {
                throw APIError.invalidRequest("A canceled subscription can only update its cancellation_details and metadata.", param: "id")
            }
            var sub = read
            let now = try await now(for: try await customer(of: read))
            if let cancel = cancelAtPeriodEnd {
                sub.cancelAtPeriodEnd = cancel
                sub.canceledAt = cancel ? now : nil
            }
            if let method = defaultPaymentMethod {
                if let method { try await checkMethod(method, customer: read.customer, param: "default_payment_method") }
                sub.defaultPaymentMethod = method
            }
            if let description { sub.description = description }
            if let metadata { sub.metadata = try Metadata.merge(metadata, into: sub.metadata, clear: clearsMetadata) }
            guard sub != read else { return read }
            try await store.commit([read.replaced(by: sub)]
                + EventOutbox.writes([EventDraft(type: .customerSubscriptionUpdated, object: .subscription(sub))], now: now))
            return sub
        }
    }

    /// `DELETE /v1/subscriptions/:id`: ends now; its open invoices stop being retried.
    func cancel(id: String) async throws -> SubscriptionRecord {
        try await store.retryingConflicts {
            let read = try await existing(id)
            guard SubscriptionStatus.live.contains(read.status) else {
                throw APIError.invalidRequest("This subscription has already been canceled (status \(read.status.rawValue)).", param: "id",
                                              code: "resource_missing")
            }
            return try await end(read, now: try await now(for: try await customer(of: read)))
        }
    }

    /// Ends `read` now and stops the retries of its open invoices; the ended subscription.
    private func end(_ read: SubscriptionRecord, now: Int64) async throws -> SubscriptionRecord {
        let open = try await store.list(InvoiceRecord.self, PageRequest(limit: 100, filters: ["subscription": read.id, "status": InvoiceStatus.open.rawValue]))
        let canceled = lifecycle.cancel(read, openInvoices: open.items, now: now)
        try await store.commit([read.replaced(by: canceled.subscription)] + canceled.invoices.map { .update($0, expecting: Self.unchanged($0)) }
            + EventOutbox.writes(canceled.events, now: now))
        return canceled.subscription
    }

    /// `POST /v1/invoices/:id/pay`: another attempt now, with `method` or the subscription's (customer's) default.
    func payInvoice(id: String, method: String?, offSession: Bool) async throws -> (invoice: InvoiceRecord, outcome: IntentOutcome?) {
        try await store.retryingConflicts {
            guard let invoice = try await store.find(InvoiceRecord.self, id: id) else { throw APIError.missing("invoice", id: id) }
            guard invoice.status == .open else {
                throw APIError.invalidRequest("Invoice is already \(invoice.status.rawValue).", param: "id",
                                              code: invoice.status == .paid ? "invoice_already_paid" : "invoice_not_open")
            }
            guard !invoice.awaitingPayment else {
                throw APIError.invalidRequest("This invoice's payment is still in progress (\(invoice.paymentIntent ?? "")): complete or wait for it.",
                                              param: "id", code: "invoice_payment_intent_requires_action")
            }
            if let method { try await checkMethod(method, customer: invoice.customer, param: "payment_method") }
            return try await retry(invoice, method: method, offSession: offSession)
        }
    }

    /// Another attempt at an open invoice, confirming its intent; its outcome committed with the invoice. An intent
    /// that succeeded meanwhile (confirmed by the customer) pays the invoice without another charge; the invoice of a
    /// subscription that ended is no longer retried.
    private func retry(_ invoice: InvoiceRecord, method chosen: String?, offSession: Bool) async throws -> (invoice: InvoiceRecord, outcome: IntentOutcome?) {
        let sub = try await invoice.subscription.asyncMap { try await existing($0) }
        let customer = try await customerRecord(invoice.customer)
        let now = try await now(for: customer)
        if let intentID = invoice.paymentIntent, try await store.find(PaymentIntentRecord.self, id: intentID)?.status == .succeeded {
            let settled = lifecycle.settle(invoice, subscription: sub, .paid, paymentIntent: intentID, now: now)
            try await store.commit(Self.rows(settled, read: invoice, subscription: sub, now: now))
            return (settled.invoice, nil)
        }
        if let sub, !SubscriptionStatus.live.contains(sub.status), chosen == nil {
            var stopped = invoice
            stopped.nextPaymentAttempt = nil
            try await store.commit([.update(stopped, expecting: Self.unchanged(invoice))])
            return (stopped, nil)
        }
        let method = chosen ?? sub?.defaultPaymentMethod ?? customer.defaultPaymentMethod
        let attempt = lifecycle.attempting(invoice)
        var settledInvoice = attempt
        func rows(_ outcome: SubscriptionLifecycle.Attempt, intent: String?) -> [StoreWrite] {
            let settled = lifecycle.settle(attempt, subscription: sub, outcome, paymentIntent: intent, now: now)
            settledInvoice = settled.invoice
            return Self.rows(settled, read: invoice, subscription: sub, now: now)
        }
        let date = Date(timeIntervalSince1970: TimeInterval(now))
        guard let intentID = invoice.paymentIntent, let method else {
            try await store.commit(rows(.failed, intent: nil))
            return (settledInvoice, nil)
        }
        do {
            let outcome = try await intents.confirm(id: intentID, IntentConfirmation(options: ConfirmOptions(offSession: offSession), card: .stored(method)),
                                                    baseURL: "", now: date) { outcome in rows(Self.attempt(outcome.intent.status), intent: intentID) }
            return (settledInvoice, outcome)
        } catch is IntentRefusal {
            try await store.commit(rows(.failed, intent: nil))
            return (settledInvoice, nil)
        }
    }

    /// An invoice update guarded by what it was read with (its attempt count and status).
    private static func unchanged(_ invoice: InvoiceRecord) -> StoreExpectation {
        StoreExpectation(column: "attempt_count", value: .integer(invoice.attemptCount)).and(.init(column: "status", value: .text(invoice.status.rawValue)))
    }

    /// The rows of an attempt's outcome on an existing invoice: the invoice guarded by the attempt count and status it
    /// was read with, the subscription (when it changed) by its revision, and their events.
    private static func rows(_ settled: (invoice: InvoiceRecord, subscription: SubscriptionRecord?, events: [EventDraft]), read invoice: InvoiceRecord,
                             subscription: SubscriptionRecord?, now: Int64) -> [StoreWrite] {
        var writes: [StoreWrite] = [.update(settled.invoice, expecting: unchanged(invoice))]
        if let next = settled.subscription, let subscription, next != subscription {
            writes.append(subscription.replaced(by: next))
        }
        return writes + EventOutbox.writes(settled.events, now: now)
    }

    // MARK: The billing pass

    /// Everything due by `now` on one clock (the gateway's when `testClock` is nil): payments that ended, renewals,
    /// retries, first invoices that expired. Answers how many steps it took. Each item is read again before its step
    /// (the lists may be seconds old); one that fails is logged and does not hold up the others.
    @discardableResult
    func runDue(testClock: String?, now: Int64) async throws -> Int {
        var steps = try await settleOpenPayments()
        for listed in try await store.dueSubscriptions(testClock: testClock, by: now, limit: 100) {
            do {
                if try await advance(listed.id, now: now) { steps += 1 }
            } catch {
                logger.warning("billing: subscription \(listed.id) not advanced: \(error)")
            }
        }
        for listed in try await store.dueInvoices(testClock: testClock, by: now, limit: 100) {
            do {
                guard let invoice = try await store.find(InvoiceRecord.self, id: listed.id), invoice.status == .open,
                      let due = invoice.nextPaymentAttempt, due <= now else { continue }
                _ = try await retry(invoice, method: nil, offSession: true)
                steps += 1
            } catch {
                if Self.lostRace(error) { continue }
                logger.warning("billing: invoice \(listed.id) not retried: \(error)")
            }
        }
        return steps
    }

    /// Another process (or request) changed the row first: its guarded write won.
    static func lostRace(_ error: any Error) -> Bool {
        if error is StoreConflict { return true }
        if let error = error as? APIError, error.code == "lock_timeout" { return true }
        return false
    }

    /// The earliest time after which `runDue` has something to do on `testClock`, up to `limit`.
    func nextDue(testClock: String, by limit: Int64) async throws -> Int64? {
        let sub = try await store.dueSubscriptions(testClock: testClock, by: limit, limit: 1).first?.nextActionAt
        let invoice = try await store.dueInvoices(testClock: testClock, by: limit, limit: 1).first?.nextPaymentAttempt
        return [sub, invoice].compactMap { $0 }.min()
    }

    /// Open invoices whose intent moved outside an attempt: paid (the customer confirmed it, 3-D Secure done, the
    /// debit settled), processing (a debit the customer confirmed), or failed after an attempt that was waiting.
    private func settleOpenPayments() async throws -> Int {
        var settled = 0
        for listed in try await store.invoicesToSettle(limit: 500) {
            do {
                if try await settle(listed.id) { settled += 1 }
            } catch {
                if Self.lostRace(error) { continue }
                logger.warning("billing: invoice \(listed.id) not settled: \(error)")
            }
        }
        return settled
    }

    /// One open invoice brought up to date with its intent; false when there was nothing to do.
    private func settle(_ id: String) async throws -> Bool {
        guard let invoice = try await store.find(InvoiceRecord.self, id: id), invoice.status == .open,
              let intentID = invoice.paymentIntent, let intent = try await store.find(PaymentIntentRecord.self, id: intentID) else { return false }
        let attempt: SubscriptionLifecycle.Attempt
        switch intent.status {
        case .succeeded: attempt = .paid
        case .processing where !invoice.awaitingPayment: attempt = .processing
        // An intent waiting for its customer (default_incomplete, 3-D Secure) has not failed.
        case .requiresPaymentMethod where invoice.awaitingPayment && intent.lastPaymentError != nil: attempt = .failed
        case .canceled where invoice.awaitingPayment: attempt = .failed
        default: return false
        }
        let sub = try await invoice.subscription.asyncMap { try await existing($0) }
        let now = try await now(for: try await customerRecord(invoice.customer))
        let result = lifecycle.settle(invoice, subscription: sub, attempt, paymentIntent: intentID, now: now)
        try await store.commit(Self.rows(result, read: invoice, subscription: sub, now: now))
        return true
    }

    /// A subscription's due step, on a fresh read: the end of its period (renew or end), the expiry of an unpaid
    /// first invoice, or — its customer deleted — its cancellation (as Stripe cancels a deleted customer's).
    private func advance(_ id: String, now: Int64) async throws -> Bool {
        guard let read = try await store.find(SubscriptionRecord.self, id: id), let due = read.nextActionAt, due <= now else { return false }
        do {
            let customer = try await customerRecord(read.customer)
            if customer.deleted {
                _ = try await end(read, now: now)
                return true
            }
            if read.status == .incomplete { return try await expire(read, now: now) }
            guard let price = try await store.find(PriceRecord.self, id: read.price),
                  let product = try await store.find(ProductRecord.self, id: price.product) else {
                throw APIError(status: .internalServerError, kind: .apiError, message: "the price \(read.price) or its product is gone")
            }
            switch lifecycle.renew(read, price: price, product: product, customer: customer, now: now) {
            case nil:
                return false
            case .end(let ended, let events):
                try await store.commit([read.replaced(by: ended)] + EventOutbox.writes(events, now: now))
            case .invoice(let start):
                _ = try await firstAttempt(start, read: customer, method: read.defaultPaymentMethod ?? customer.defaultPaymentMethod,
                                           offSession: true, now: now) { read.replaced(by: $0) }
            }
            return true
        } catch {
            if Self.lostRace(error) { return false }
            throw error
        }
    }

    /// The first invoice was not paid in time: its intent is canceled (unless it succeeded meanwhile, which pays it,
    /// or a debit is on its way) and the subscription ends as `incomplete_expired`.
    private func expire(_ read: SubscriptionRecord, now: Int64) async throws -> Bool {
        let invoice = try await read.latestInvoice.asyncMap { try await store.find(InvoiceRecord.self, id: $0) } ?? nil
        if let intentID = invoice?.paymentIntent, let intent = try await store.find(PaymentIntentRecord.self, id: intentID),
           PaymentIntentStatus.cancelable.contains(intent.status), intent.status != .processing {
            _ = try? await intents.cancel(id: intentID, reason: .abandoned, now: Date(timeIntervalSince1970: TimeInterval(now)))
        }
        if let invoice, let intentID = invoice.paymentIntent,
           let status = try await store.find(PaymentIntentRecord.self, id: intentID)?.status, status == .succeeded || status == .processing {
            return try await settle(invoice.id)
        }
        let expired = lifecycle.expire(read, invoice: invoice, now: now)
        var writes: [StoreWrite] = [read.replaced(by: expired.subscription)]
        if let voided = expired.invoice, let invoice {
            writes.append(.update(voided, expecting: Self.unchanged(invoice)))
        }
        try await store.commit(writes + EventOutbox.writes(expired.events, now: now))
        return true
    }

    // MARK: Reading

    func existing(_ id: String) async throws -> SubscriptionRecord {
        guard let sub = try await store.find(SubscriptionRecord.self, id: id) else { throw APIError.missing("subscription", id: id) }
        return sub
    }

    private func customer(of sub: SubscriptionRecord) async throws -> CustomerRecord { try await customerRecord(sub.customer) }

    private func customerRecord(_ id: String) async throws -> CustomerRecord {
        guard let customer = try await store.find(CustomerRecord.self, id: id) else { throw APIError.missing("customer", id: id, param: "customer") }
        return customer
    }

    /// A payment method attached to `customer`.
    func checkMethod(_ id: String, customer: String, param: String) async throws {
        guard let method = try await store.find(PaymentMethodRecord.self, id: id), method.customer == customer else {
            throw APIError.invalidRequest("No such PaymentMethod: '\(id.prefix(64))' attached to customer \(customer); attach it first.",
                                          param: param, code: "resource_missing")
        }
    }
}
