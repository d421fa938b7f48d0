import Foundation
import PaymentCore

/// The bank transfer steps of the payment intent's state machine (`customer_balance`, `eu_bank_transfer`), pure:
///
///     requires_confirmation ──confirm──▶ requires_action (IBAN + reference) ──transfer in full──▶ succeeded
///                                          └── part of it: payment_intent.partially_funded, still requires_action
///
/// Money the customer sends lands in their cash balance and is applied to the intents waiting for it: the one whose
/// reference the transfer quotes first, then the oldest. A confirmation applies what the balance holds already.
/// Canceling a part-paid intent puts its money back in the balance.
extension PaymentIntentLifecycle {
    /// The checks of a bank transfer before anything is written.
    static func checkBankTransfer(_ intent: PaymentIntentRecord, request: BankTransferRequest?) throws(IntentRefusal) {
        try checkTypeAllowed("customer_balance", on: intent)
        guard intent.customer != nil else {
            throw .invalidParameter(message: "A customer is required to pay with customer_balance: the transfer is matched to the customer's virtual IBAN.",
                                    param: "customer")
        }
        guard intent.currency == "eur" else {
            throw .invalidParameter(message: "The currency provided (\(intent.currency)) is invalid. Payments with customer_balance (eu_bank_transfer) support the following currencies: eur.",
                                    param: "currency")
        }
        guard intent.captureMethod != .manual else {
            throw .invalidParameter(message: "The payment method type customer_balance does not support capture_method=manual.", param: "capture_method")
        }
        guard request != nil else {
            throw .invalidParameter(
                message: "Missing payment_method_options[customer_balance]: funding_type=bank_transfer, bank_transfer[type]=eu_bank_transfer and bank_transfer[eu_bank_transfer][country] (one of \(SEPACreditTransfer.countries.joined(separator: ", "))).",
                param: "payment_method_options[customer_balance][funding_type]")
        }
    }

    /// The confirmation: the intent waits for the transfer (`requires_action` with the instructions), after what the
    /// customer's cash balance holds already is applied — all of it may pay the intent at once.
    func transferRequested(_ confirming: PaymentIntentRecord, method: PaymentMethodRecord, request: BankTransferRequest, reference: String,
                           balance: CashBalanceRecord?, now: Int64, intentWrite: (PaymentIntentRecord) -> StoreWrite) -> IntentTransition {
        var intent = confirming
        intent.paymentMethod = method.id
        intent.lastPaymentError = nil
        intent.status = .requiresAction
        let customer = intent.customer ?? ""
        var transfer = BankTransferRecord(id: intent.id, customer: customer, currency: intent.currency, country: request.country,
                                          reference: reference, amountRemaining: intent.amount, status: .open, created: now)
        var cash = CashBook(customer: customer, currency: intent.currency, balance: balance, now: now)
        var writes: [StoreWrite] = []
        var events = [EventDraft]()
        let applied = min(cash.available, intent.amount)
        if applied > 0 { (writes, events) = apply(applied, to: &intent, transfer: &transfer, method: method, cash: &cash) }
        if intent.status == .requiresAction {
            intent.nextAction = BankTransferInstructions.next(transfer).compactText
            events.append(EventDraft(type: .paymentIntentRequiresAction, object: .paymentIntent(intent)))
        }
        return IntentTransition(intent: intent, writes: [intentWrite(intent), .insert(transfer)] + writes + cash.writes,
                                events: events + cash.events)
    }

    /// A transfer of `amount` received from `customer`: into the cash balance, then applied to the intents waiting
    /// (`waiting`, with their transfers and methods), the one quoting `reference` first, then the oldest.
    func transferReceived(customer: String, currency: String, amount: Int64, reference: String?, balance: CashBalanceRecord?,
                          waiting: [(transfer: BankTransferRecord, intent: PaymentIntentRecord, method: PaymentMethodRecord)],
                          now: Int64) -> (writes: [StoreWrite], events: [EventDraft], funded: CashBalanceTransactionRecord) {
        var cash = CashBook(customer: customer, currency: currency, balance: balance, now: now)
        let funded = cash.move(amount, type: .funded, paymentIntent: nil, reference: reference)
        var writes: [StoreWrite] = []
        var events: [EventDraft] = []
        let ordered = waiting.sorted { a, b in
            let (ra, rb) = (a.transfer.reference == reference, b.transfer.reference == reference)
            return ra != rb ? ra : (a.transfer.created, a.transfer.id) < (b.transfer.created, b.transfer.id)
        }
        for var entry in ordered where cash.available > 0 && entry.intent.status == .requiresAction {
            let read = entry.transfer
            let applied = min(cash.available, entry.transfer.amountRemaining)
            let step = apply(applied, to: &entry.intent, transfer: &entry.transfer, method: entry.method, cash: &cash)
            writes += [.update(entry.intent, expecting: .status(.requiresAction)),
                       .update(entry.transfer, expecting: .init(column: "amount_remaining", value: .integer(read.amountRemaining)))] + step.writes
            events += step.events
        }
        if cash.available > 0 { cash.events.append(EventDraft(type: .cashBalanceFundsAvailable, object: .cashBalance(cash.row))) }
        return (writes + cash.writes, events + cash.events, funded)
    }

    /// A canceled intent's transfer closes; what it had received goes back to the customer's cash balance.
    static func transferCanceled(_ transfer: BankTransferRecord, intent: PaymentIntentRecord, balance: CashBalanceRecord?, now: Int64) -> (writes: [StoreWrite], events: [EventDraft]) {
        var closed = transfer
        closed.status = .canceled
        let writes: [StoreWrite] = [.update(closed, expecting: .init(column: "amount_remaining", value: .integer(transfer.amountRemaining)))]
        let received = intent.amount - transfer.amountRemaining
        guard received > 0 else { return (writes, []) }
        var cash = CashBook(customer: transfer.customer, currency: transfer.currency, balance: balance, now: now)
        _ = cash.move(received, type: .unappliedFromPayment, paymentIntent: intent.id, reference: nil)
        cash.events.append(EventDraft(type: .cashBalanceFundsAvailable, object: .cashBalance(cash.row)))
        return (writes + cash.writes, cash.events)
    }

    /// `amount` of the cash balance applied to one intent: a cash transaction, the transfer's remaining amount down;
    /// paid in full, the intent succeeds with its charge and balance transaction, else it is partially funded.
    private func apply(_ amount: Int64, to intent: inout PaymentIntentRecord, transfer: inout BankTransferRecord, method: PaymentMethodRecord,
                       cash: inout CashBook) -> (writes: [StoreWrite], events: [EventDraft]) {
        _ = cash.move(-amount, type: .appliedToPayment, paymentIntent: intent.id, reference: nil)
        transfer.amountRemaining -= amount
        guard transfer.amountRemaining == 0 else {
            intent.nextAction = BankTransferInstructions.next(transfer).compactText
            return ([], [EventDraft(type: .paymentIntentPartiallyFunded, object: .paymentIntent(intent))])
        }
        transfer.status = .funded
        var charge = ChargeBuilder.bankTransfer(of: intent, method: method, created: cash.now)
        let txn = Ledger.forCapture(of: charge, amount: charge.amount, channel: .bankTransfer, fees: fees, now: cash.now)
        charge.balanceTransaction = txn.id
        intent.latestCharge = charge.id
        intent.status = .succeeded
        intent.amountReceived = intent.amount
        intent.nextAction = nil
        return ([.insert(charge), .insert(txn)],
                [EventDraft(type: .chargeSucceeded, object: .charge(charge)), EventDraft(type: .paymentIntentSucceeded, object: .paymentIntent(intent))])
    }
}

/// A customer's cash balance being moved within one step: each move is a cash transaction (and its event); `writes`
/// ends with the balance row, guarded by what it held when read (inserted when the customer had none).
struct CashBook {
    let customer: String
    let currency: String
    let read: CashBalanceRecord?
    let now: Int64
    private(set) var available: Int64
    private(set) var transactions: [CashBalanceTransactionRecord] = []
    var events: [EventDraft] = []

    init(customer: String, currency: String, balance: CashBalanceRecord?, now: Int64) {
        self.customer = customer
        self.currency = currency
        self.read = balance
        self.now = now
        available = balance?.available ?? 0
    }

    var row: CashBalanceRecord {
        CashBalanceRecord(id: CashBalanceRecord.id(customer: customer, currency: currency), customer: customer, currency: currency, available: available)
    }

    mutating func move(_ amount: Int64, type: CashBalanceTransactionType, paymentIntent: String?, reference: String?) -> CashBalanceTransactionRecord {
        available += amount
        let txn = CashBalanceTransactionRecord(id: ObjectID.make("ccsbtxn"), customer: customer, currency: currency, type: type, netAmount: amount,
                                               endingBalance: available, paymentIntent: paymentIntent, reference: reference, created: now)
        transactions.append(txn)
        events.append(EventDraft(type: .customerCashBalanceTransactionCreated, object: .cashBalanceTransaction(txn)))
        return txn
    }

    var writes: [StoreWrite] {
        guard !transactions.isEmpty else { return [] }
        let balance: StoreWrite = if let read {
            .update(row, expecting: .init(column: "available", value: .integer(read.available)))
        } else {
            .insertUnique(row)
        }
        return transactions.map { .insert($0) } + [balance]
    }
}
