import Foundation

/// The kinds of events the gateway writes (Stripe's names). Every state change writes its event in the same
/// transaction as the change (`EventOutbox`), so the event stream never misses nor invents one.
public enum EventType: String, TextColumn, CaseIterable {
    case paymentIntentCreated = "payment_intent.created"
    case paymentIntentProcessing = "payment_intent.processing"
    case paymentIntentSucceeded = "payment_intent.succeeded"
    case paymentIntentPaymentFailed = "payment_intent.payment_failed"
    case paymentIntentCanceled = "payment_intent.canceled"
    case paymentIntentRequiresAction = "payment_intent.requires_action"
    case paymentIntentAmountCapturableUpdated = "payment_intent.amount_capturable_updated"
    case paymentIntentPartiallyFunded = "payment_intent.partially_funded"
    case chargeSucceeded = "charge.succeeded"
    case chargeFailed = "charge.failed"
    case chargeCaptured = "charge.captured"
    case chargeRefunded = "charge.refunded"
    case chargeUpdated = "charge.updated"
    case chargePending = "charge.pending"
    case chargeDisputeCreated = "charge.dispute.created"
    case chargeDisputeFundsWithdrawn = "charge.dispute.funds_withdrawn"
    case chargeDisputeClosed = "charge.dispute.closed"
    case chargeDisputeUpdated = "charge.dispute.updated"
    case chargeDisputeFundsReinstated = "charge.dispute.funds_reinstated"
    case mandateUpdated = "mandate.updated"
    case customerCashBalanceTransactionCreated = "customer_cash_balance_transaction.created"
    case cashBalanceFundsAvailable = "cash_balance.funds_available"
    case refundCreated = "refund.created"
    case refundUpdated = "refund.updated"
    case customerCreated = "customer.created"
    case customerUpdated = "customer.updated"
    case customerDeleted = "customer.deleted"
    case paymentMethodAttached = "payment_method.attached"
    case paymentMethodDetached = "payment_method.detached"
    case setupIntentCreated = "setup_intent.created"
    case setupIntentSucceeded = "setup_intent.succeeded"
    case setupIntentSetupFailed = "setup_intent.setup_failed"
    case setupIntentRequiresAction = "setup_intent.requires_action"
    case setupIntentCanceled = "setup_intent.canceled"
    case payoutCreated = "payout.created"
    case payoutPaid = "payout.paid"
    case terminalReaderActionSucceeded = "terminal.reader.action_succeeded"
    case terminalReaderActionFailed = "terminal.reader.action_failed"
    case productCreated = "product.created"
    case productUpdated = "product.updated"
    case priceCreated = "price.created"
    case priceUpdated = "price.updated"
    case customerSubscriptionCreated = "customer.subscription.created"
    case customerSubscriptionUpdated = "customer.subscription.updated"
    case customerSubscriptionDeleted = "customer.subscription.deleted"
    case invoiceCreated = "invoice.created"
    case invoiceFinalized = "invoice.finalized"
    case invoicePaid = "invoice.paid"
    case invoicePaymentSucceeded = "invoice.payment_succeeded"
    case invoicePaymentFailed = "invoice.payment_failed"
    case invoiceVoided = "invoice.voided"
    case testClockCreated = "test_helpers.test_clock.created"
    case testClockAdvancing = "test_helpers.test_clock.advancing"
    case testClockReady = "test_helpers.test_clock.ready"
    case testClockDeleted = "test_helpers.test_clock.deleted"
}

/// The object an event carries, as it was right after the change.
enum EventObject: Sendable {
    case paymentIntent(PaymentIntentRecord)
    case charge(ChargeRecord)
    case refund(RefundRecord)
    case customer(CustomerRecord)
    case paymentMethod(PaymentMethodRecord)
    case reader(ReaderRecord)
    case setupIntent(SetupIntentRecord)
    case payout(PayoutRecord)
    case dispute(DisputeRecord)
    case mandate(MandateRecord)
    case cashBalance(CashBalanceRecord)
    case cashBalanceTransaction(CashBalanceTransactionRecord)
    case product(ProductRecord)
    case price(PriceRecord)
    case subscription(SubscriptionRecord)
    case invoice(InvoiceRecord)
    case testClock(TestClockRecord)

    var id: String {
        switch self {
        case .paymentIntent(let r): r.id
        case .charge(let r): r.id
        case .refund(let r): r.id
        case .customer(let r): r.id
        case .paymentMethod(let r): r.id
        case .reader(let r): r.id
        case .setupIntent(let r): r.id
        case .payout(let r): r.id
        case .dispute(let r): r.id
        case .mandate(let r): r.id
        case .cashBalance(let r): r.customer
        case .cashBalanceTransaction(let r): r.id
        case .product(let r): r.id
        case .price(let r): r.id
        case .subscription(let r): r.id
        case .invoice(let r): r.id
        case .testClock(let r): r.id
        }
    }
}

/// An event decided by the pure code: what happened, to which object. `EventOutbox` makes it a row.
struct EventDraft: Sendable {
    var type: EventType
    var object: EventObject
}

/// An event as stored: `data` is the JSON of `{"object": …}` as the API renders it at the time of the change.
public struct EventRecord: Sendable, Codable, Equatable {
    public var id: String
    public var type: EventType
    public var created: Int64
    /// The id of the object the event is about (deliveries go in order per object).
    public var objectId: String
    public var data: String
    /// The API request that caused it (`request.id`, `request.idempotency_key`); nil for the gateway's own work.
    public var requestId: String?
    public var idempotencyKey: String?
}

extension EventRecord: StoredRecord {
    public static let table = "events"
    public static let objectName = "event"
}

/// What the webhook fan-out reads of an event: everything but its `data`.
public struct EventHeader: Sendable, Codable, Equatable {
    public var id: String
    public var type: EventType
    public var created: Int64
    public var objectId: String
}
