import Foundation
import HTTPTypes
import PaymentCore

/// The SEPA Direct Debit steps of the payment intent's state machine, pure like the card steps:
///
///     requires_confirmation ──confirm (mandate)──▶ processing ──bank pays──▶ succeeded (── disputed ─▶ dispute lost)
///                                                      └──bank returns it──▶ requires_payment_method
///
/// A debit is submitted at once and answered later by the account holder's bank (`SEPABank`, on the bank clock);
/// the intent stays `processing` and cannot be canceled meanwhile.
extension PaymentIntentLifecycle {
    /// The largest SEPA debit Stripe accepts (EUR 10,000).
    static let maxSEPADebit: Int64 = 1_000_000

    /// The intent's `payment_method_types` must include `type`, with Stripe's message when it does not.
    static func checkTypeAllowed(_ type: String, on intent: PaymentIntentRecord) throws(IntentRefusal) {
        let types = intent.paymentMethodTypes.split(separator: ",").map(String.init)
        guard types.contains(type) else {
            throw .invalidParameter(
                message: "The PaymentMethod provided (\(type)) is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: \(types.joined(separator: ", ")). Alternatively update the allowed payment_method_types for this PaymentIntent to include \"\(type)\".",
                param: "payment_method")
        }
    }

    /// The checks of a debit before anything is written: euro, automatic capture, a type the intent allows, and
    /// within the scheme's limit.
    static func checkDebit(_ intent: PaymentIntentRecord, method: PaymentMethodRecord) throws(IntentRefusal) {
        try checkTypeAllowed("sepa_debit", on: intent)
        guard intent.currency == "eur" else {
            throw .invalidParameter(message: "The currency provided (\(intent.currency)) is invalid. Payments with sepa_debit support the following currencies: eur.",
                                    param: "currency")
        }
        guard intent.captureMethod != .manual else {
            throw .invalidParameter(message: "The payment method type sepa_debit does not support capture_method=manual: a SEPA debit is collected at once.",
                                    param: "capture_method")
        }
        guard intent.amount <= maxSEPADebit else {
            throw .invalidParameter(message: "Amount must be no more than €10,000.00 for a SEPA Direct Debit.", param: "amount")
        }
    }

    /// The mandate a debit is made under: a new one from the confirmation's `mandate_data`, else the one it names
    /// (`mandate`), else the method's active one; none is a refusal (the account holder never accepted).
    static func mandate(for method: PaymentMethodRecord, customer: String?, options: ConfirmOptions, existing: MandateRecord?,
                        named: MandateRecord?, id: String, reference: String, now: Int64) throws(IntentRefusal) -> (mandate: MandateRecord, isNew: Bool) {
        if let acceptance = options.mandateAcceptance {
            let mandate = MandateRecord(id: id, paymentMethod: method.id, customer: customer ?? method.customer, status: .active,
                                        acceptanceType: acceptance.kind, acceptedAt: acceptance.acceptedAt ?? now,
                                        ipAddress: acceptance.ipAddress.map { String($0.prefix(64)) },
                                        userAgent: acceptance.userAgent.map { String($0.prefix(512)) }, reference: reference, created: now)
            return (mandate, true)
        }
        if let wanted = options.mandate {
            guard let named, named.status == .active, named.paymentMethod == method.id else {
                throw .invalidParameter(message: "No active mandate \(wanted) for the PaymentMethod \(method.id).", param: "mandate")
            }
            return (named, false)
        }
        guard let existing else {
            throw .invalidParameter(
                message: "A SEPA Direct Debit needs the account holder's mandate: pass mandate_data[customer_acceptance][type] (online, with [online][ip_address] and [online][user_agent], or offline), or confirm with a PaymentMethod that already has an active mandate.",
                param: "mandate_data")
        }
        return (existing, false)
    }

    /// The debit submitted: the intent `processing`, a pending charge under the mandate (inserted when new), and the
    /// bank's answer waiting for the bank clock to reach `answersAt`; `charge.pending`, `payment_intent.processing`.
    func debitSubmitted(_ confirming: PaymentIntentRecord, account: ResolvedBankAccount, mandate: (mandate: MandateRecord, isNew: Bool),
                        answer: SEPABank.Answer, bankNow: Int64, now: Int64, intentWrite: (PaymentIntentRecord) -> StoreWrite) -> IntentTransition {
        var intent = confirming
        intent.paymentMethod = account.method.id
        intent.lastPaymentError = nil
        intent.nextAction = nil
        intent.status = .processing
        let charge = ChargeBuilder.debit(of: intent, method: account.method, mandate: mandate.mandate.id, created: now)
        intent.latestCharge = charge.id
        var writes: [StoreWrite] = [intentWrite(intent)]
        if mandate.isNew { writes.append(.insert(mandate.mandate)) }
        if intent.setupFutureUsage != nil, let customer = intent.customer, account.method.customer == nil {
            var method = account.method
            method.customer = customer
            writes.append(.update(method, expecting: nil))
        }
        let failureCode: String? = if case .failed(let code) = answer.outcome { code } else { nil }
        let debit = BankDebitRecord(id: charge.id, paymentIntent: intent.id, status: .pending,
                                    answersAt: bankNow + answer.delay, failureCode: failureCode, disputed: answer.outcome == .disputed, created: now)
        writes += [.insert(charge), .insert(debit)]
        return IntentTransition(intent: intent, writes: writes,
                                events: [EventDraft(type: .chargePending, object: .charge(charge)),
                                         EventDraft(type: .paymentIntentProcessing, object: .paymentIntent(intent))])
    }

    /// The bank's answer applied. Paid: the charge succeeds with its balance transaction, the intent `succeeded`
    /// (and, disputed, a lost dispute takes the amount back). Returned: the charge fails, the intent goes back to
    /// `requires_payment_method` with the failure in `last_payment_error`. An intent that is no longer
    /// `processing` (nil) only has its debit closed (`closing`).
    func debitAnswered(_ debit: BankDebitRecord, intent read: PaymentIntentRecord?, charge: ChargeRecord?, now: Int64) -> IntentTransition? {
        let debitWrite = Self.closing(debit)
        guard var intent = read, intent.status == .processing, intent.latestCharge == debit.id, var charge, charge.status == .pending else {
            return nil
        }
        var writes: [StoreWrite] = [debitWrite]
        var events: [EventDraft] = []
        if let code = debit.failureCode {
            charge.status = .failed
            charge.failureCode = code
            charge.failureMessage = SEPABank.message(for: code)
            charge.outcome = JSONValue.object([
                ("network_status", "declined_by_network"), ("reason", .string(code)), ("risk_level", "not_assessed"),
                ("seller_message", .string("The customer's bank returned the debit: \(code).")), ("type", "issuer_declined"),
            ]).compactText
            let error = APIError(status: .badRequest, kind: .invalidRequestError, code: code, message: SEPABank.message(for: code))
            intent.lastPaymentError = Self.lastPaymentError(error, methodID: charge.paymentMethod ?? "", type: "sepa_debit")
            intent.paymentMethod = nil
            intent.status = .requiresPaymentMethod
            writes += [.update(intent, expecting: .status(.processing)), .update(charge, expecting: nil)]
            events = [EventDraft(type: .chargeFailed, object: .charge(charge)), EventDraft(type: .paymentIntentPaymentFailed, object: .paymentIntent(intent))]
            return IntentTransition(intent: intent, writes: writes, events: events)
        }
        let txn = Ledger.forCapture(of: charge, amount: charge.amount, channel: .sepaDebit, fees: fees, now: now)
        charge.status = .succeeded
        charge.paid = true
        charge.captured = true
        charge.amountCaptured = charge.amount
        charge.balanceTransaction = txn.id
        intent.status = .succeeded
        intent.amountReceived = intent.amount
        writes += [.update(intent, expecting: .status(.processing)), .insert(txn)]
        events = [EventDraft(type: .chargeSucceeded, object: .charge(charge)), EventDraft(type: .paymentIntentSucceeded, object: .paymentIntent(intent))]
        if debit.disputed {
            charge.disputed = true
            let dispute = DisputeRecord(id: ObjectID.make("dp"), amount: charge.amount, currency: charge.currency, charge: charge.id,
                                        paymentIntent: intent.id, reason: "general", status: .lost, balanceTransaction: ObjectID.make("txn"),
                                        created: now, metadata: "{}")
            writes += [.insert(dispute), .insert(Ledger.forDispute(dispute, now: now))]
            events += [EventDraft(type: .chargeDisputeCreated, object: .dispute(dispute)),
                       EventDraft(type: .chargeDisputeFundsWithdrawn, object: .dispute(dispute)),
                       EventDraft(type: .chargeDisputeClosed, object: .dispute(dispute))]
        }
        writes.append(.update(charge, expecting: nil))
        return IntentTransition(intent: intent, writes: writes, events: events)
    }
}

extension PaymentIntentLifecycle {
    /// The debit marked answered, guarded by its pending status (another gateway process may answer it first).
    static func closing(_ debit: BankDebitRecord) -> StoreWrite {
        var answered = debit
        answered.status = .answered
        return .update(answered, expecting: .init(column: "status", value: .text(BankDebitStatus.pending.rawValue)))
    }
}

/// Where a submitted debit is: waiting for the bank, or answered.
