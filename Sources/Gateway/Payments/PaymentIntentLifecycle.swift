import Foundation
import HTTPTypes
import PaymentCore

/// The payment intent's state machine, pure: given the intent as read, what was asked and what the issuer said, it
/// decides the next status and returns everything to write in one transaction — the intent (guarded by the status
/// it was read with), its charge, balance transaction, issuer hold — and the decline to answer with, as values. It
/// refuses with an `IntentRefusal` before anything is written. It reads nothing and writes nothing:
/// `PaymentIntents` reads the store, asks the issuer, calls it and commits what it returns.
///
///     requires_payment_method ──card──▶ requires_confirmation ──confirm──▶ (issuer)
///        ▲   declined / 3DS failed                                   ├─ approved, automatic ─▶ succeeded
///        └───────────────────────────────────────────────────────────┼─ approved, manual ─▶ requires_capture ─capture─▶ succeeded
///                                                                    └─ authentication ─▶ requires_action ─3DS─▶ (issuer)
///     any of requires_* or processing ──cancel──▶ canceled
struct PaymentIntentLifecycle {
    let fees: FeeModel
    /// Card fingerprint → open-to-buy, for the catalog cards whose issuer keeps a balance (only they get holds).
    let balances: [String: Int64]
    /// Card fingerprint → the reason its captured payments are disputed with (the catalog's dispute cards).
    var disputes: [String: String] = [:]

    static let maxAmount: Int64 = 99_999_999

    // MARK: Create and update

    /// A new intent from the fields of a create: `requires_confirmation` with a card, `requires_payment_method`
    /// without; `payment_intent.created`.
    func create(amount: Int64, currency: Currency, _ changes: IntentChanges, id: String, clientSecret: String, customer: String?,
                card: ResolvedMethod?, returnURL: String?, now: Int64) throws(IntentRefusal) -> IntentTransition {
        try Self.checkAmount(amount, currency)
        try Self.checkTip(changes.tip, amount: amount)
        var types = changes.paymentMethodTypes ?? []
        if types.isEmpty { types = [card.map { $0.isCardPresent ? "card_present" : $0.method.type } ?? "card"] }
        var intent = PaymentIntentRecord(
            id: id, amount: amount, currency: currency.code.lowercased(), status: card == nil ? .requiresPaymentMethod : .requiresConfirmation,
            captureMethod: changes.captureMethod ?? .automatic, confirmationMethod: changes.confirmationMethod ?? .automatic,
            clientSecret: clientSecret, created: now, description: changes.description ?? nil, customer: customer,
            paymentMethod: card?.method.id, paymentMethodTypes: types.joined(separator: ","),
            metadata: "{}", latestCharge: nil, lastPaymentError: nil, amountCapturable: 0, amountReceived: 0,
            canceledAt: nil, cancellationReason: nil, statementDescriptor: changes.statementDescriptor ?? nil,
            receiptEmail: changes.receiptEmail ?? nil, returnUrl: returnURL,
            setupFutureUsage: changes.setupFutureUsage ?? nil, nextAction: nil, amountTip: changes.tip,
            requestIncrementalAuthorizationSupport: changes.incrementalAuthorization ?? false)
        try Self.setMetadata(Metadata.merged(changes.metadata ?? [:], into: "{}", clear: false), on: &intent)
        return IntentTransition(intent: intent, writes: [.insert(intent)], events: [EventDraft(type: .paymentIntentCreated, object: .paymentIntent(intent))])
    }

    /// An update: descriptive fields change in any status; what changes the payment (amount, currency, card …)
    /// only before it succeeds, and sends it back to confirmation. `card` and `customer` are resolved already.
    func update(_ read: PaymentIntentRecord, _ changes: IntentChanges, card: ResolvedMethod?, customer: String??) throws(IntentRefusal) -> IntentTransition {
        var intent = read
        let changesPayment = changes.changesPayment  // a new card comes from `changes.card`
        if changesPayment, !IntentAction.update.allows(intent.status) { throw .unexpectedState(.update, read) }
        if let currency = changes.currency ?? (try? Currency(code: intent.currency.uppercased())) {
            try Self.checkAmount(changes.amount ?? intent.amount, currency)
            intent.currency = currency.code.lowercased()
        }
        if let amount = changes.amount { intent.amount = amount }
        if let tip = changes.tip { intent.amountTip = tip }
        try Self.checkTip(intent.amountTip, amount: intent.amount)
        if let v = changes.captureMethod { intent.captureMethod = v }
        if let v = changes.description { intent.description = v }
        if let v = changes.statementDescriptor { intent.statementDescriptor = v }
        if let v = changes.receiptEmail { intent.receiptEmail = v }
        if let v = changes.setupFutureUsage { intent.setupFutureUsage = v }
        if let types = changes.paymentMethodTypes, !types.isEmpty { intent.paymentMethodTypes = types.joined(separator: ",") }
        if let v = changes.incrementalAuthorization { intent.requestIncrementalAuthorizationSupport = v }
        if let updates = changes.metadata {
            try Self.setMetadata(Metadata.merged(updates, into: intent.metadata, clear: changes.clearsMetadata), on: &intent)
        }
        if let customer { intent.customer = customer }
        var writes: [StoreWrite] = []
        if let card {
            if card.isNew { writes.append(.insert(card.method)) }
            intent.paymentMethod = card.method.id
        }
        if changesPayment {
            intent.status = intent.paymentMethod == nil ? .requiresPaymentMethod : .requiresConfirmation
            intent.nextAction = nil
        }
        return IntentTransition(intent: intent, writes: writes + [.update(intent, expecting: .status(read.status))])
    }

    // MARK: Confirm and authorize

    /// The intent a confirmation goes on with, before the issuer: its status must allow it, the confirmation's
    /// fields apply.
    func confirming(_ read: PaymentIntentRecord, _ request: IntentConfirmation) throws(IntentRefusal) -> PaymentIntentRecord {
        guard IntentAction.confirm.allows(read.status) else { throw .unexpectedState(.confirm, read) }
        var intent = read
        if let v = request.captureMethod { intent.captureMethod = v }
        if let v = request.incrementalAuthorization { intent.requestIncrementalAuthorizationSupport = v }
        if let v = request.receiptEmail { intent.receiptEmail = v }
        if let v = request.setupFutureUsage { intent.setupFutureUsage = v }
        if let url = request.options.returnURL { intent.returnUrl = url }
        return intent
    }

    /// The issuer's decision applied: `requires_action` (3-D Secure), `requires_capture` or `succeeded` with the
    /// charge, balance transaction and hold, or (declined) back to `requires_payment_method` with a failed charge and
    /// the decline. `intentWrite` is how the intent itself is written (inserted, or updated guarded by its status).
    func authorized(_ confirming: PaymentIntentRecord, card: ResolvedCard, decision: IssuerDecision, facts: AuthorizationFacts,
                    intentWrite: (PaymentIntentRecord) -> StoreWrite) -> IntentTransition {
        var intent = confirming
        intent.paymentMethod = card.method.id
        var writes: [StoreWrite] = []
        if let use = facts.cryptogramUse { writes.append(.insertUnique(use)) }
        intent.lastPaymentError = nil
        intent.nextAction = nil
        var decline: IntentDecline?
        var events: [(EventType, EventObject?)] = []  // the intent's own events take the intent as it ends
        switch decision {
        case .requiresAuthentication:
            intent.status = .requiresAction
            intent.nextAction = Self.nextAction(intent, baseURL: facts.baseURL).compactText
            events = [(.paymentIntentRequiresAction, nil)]
        case .approved(let authCode):
            let manual = intent.captureMethod == .manual
            intent.status = manual ? .requiresCapture : .succeeded
            intent.amountCapturable = manual ? intent.amount : 0
            intent.amountReceived = manual ? 0 : intent.amount
            var charge = ChargeBuilder.charge(of: intent, card: card.input, method: card.method, fingerprint: facts.fingerprint, created: facts.now,
                                              approved: true, authCode: authCode, decline: nil, emvResponse: facts.emvResponse)
            intent.latestCharge = charge.id
            var txn: BalanceTransactionRecord?
            if !manual {
                let t = Ledger.forCapture(of: charge, amount: intent.amount, channel: card.input.isCardPresent ? .cardPresent : .card, fees: fees, now: facts.now)
                charge.amountCaptured = intent.amount
                charge.captured = true
                charge.balanceTransaction = t.id
                txn = t
            }
            events = [(.chargeSucceeded, .charge(charge)), (manual ? .paymentIntentAmountCapturableUpdated : .paymentIntentSucceeded, nil)]
            var disputeEvents: [(EventType, EventObject?)] = []
            if !manual, let reason = disputes[facts.fingerprint] {
                let disputed = CardDisputes.opened(charge, amount: intent.amount, reason: reason, brand: card.method.brand, now: facts.now)
                charge = disputed.charge
                writes += disputed.writes
                disputeEvents = disputed.events.map { ($0.type, $0.object) }
            }
            writes.append(.insert(charge))
            events += disputeEvents
            if let txn { writes.append(.insert(txn)) }
            if let balance = balances[facts.fingerprint] {
                writes.append(.hold(fingerprint: facts.fingerprint, delta: intent.amount, ceiling: balance))
            }
            if intent.setupFutureUsage != nil, let customer = intent.customer, card.method.customer == nil {
                var method = card.method
                method.customer = customer
                writes.append(.update(method, expecting: nil))
            }
        case .declined(let code):
            let charge = ChargeBuilder.charge(of: intent, card: card.input, method: card.method, fingerprint: facts.fingerprint, created: facts.now,
                                              approved: false, authCode: nil, decline: code, emvResponse: facts.emvResponse)
            intent.latestCharge = charge.id
            intent.status = .requiresPaymentMethod
            intent.lastPaymentError = Self.lastPaymentError(APIError.declined(code, paymentIntent: nil, chargeID: charge.id),
                                                            methodID: card.method.id, type: card.method.type)
            // Stripe detaches the failed method from the intent.
            intent.paymentMethod = nil
            writes.append(.insert(charge))
            events = [(.chargeFailed, .charge(charge)), (.paymentIntentPaymentFailed, nil)]
            decline = IntentDecline(code: code, chargeID: charge.id)
        }
        return IntentTransition(intent: intent, writes: [intentWrite(intent)] + writes, decline: decline,
                                events: events.map { EventDraft(type: $0.0, object: $0.1 ?? .paymentIntent(intent)) })
    }

    /// The payment method 3-D Secure authenticates, for an intent waiting for it (`requires_action`); on success
    /// the issuer is asked again with the cardholder authenticated (`authorized`).
    func authenticating(_ read: PaymentIntentRecord) throws(IntentRefusal) -> String {
        guard read.status == .requiresAction, let methodID = read.paymentMethod else { throw .unexpectedState(.authenticate, read) }
        return methodID
    }

    /// 3-D Secure failed: back to `requires_payment_method`, the method detached, the failure in `last_payment_error`.
    func authenticationFailed(_ read: PaymentIntentRecord) throws(IntentRefusal) -> IntentTransition {
        let methodID = try authenticating(read)
        var intent = read
        intent.nextAction = nil
        let error = APIError(status: .paymentRequired402, kind: .cardError, code: "payment_intent_authentication_failure",
                             message: "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.")
        intent.lastPaymentError = Self.lastPaymentError(error, methodID: methodID, type: "card")
        intent.paymentMethod = nil
        intent.status = .requiresPaymentMethod
        return IntentTransition(intent: intent, writes: [.update(intent, expecting: .status(.requiresAction))],
                                events: [EventDraft(type: .paymentIntentPaymentFailed, object: .paymentIntent(intent))])
    }

    /// What the customer must do for 3-D Secure.
    static func nextAction(_ intent: PaymentIntentRecord, baseURL: String) -> JSONValue {
        ThreeDSecureAction.next(id: intent.id, clientSecret: intent.clientSecret, returnURL: intent.returnUrl, baseURL: baseURL)
    }

    /// `last_payment_error` (and a SetupIntent's `last_setup_error`): the error's body with the payment method it
    /// concerned.
    static func lastPaymentError(_ error: APIError, methodID: String, type: String) -> String {
        var body = error.body["error"] ?? .null
        body.set("payment_method", .object([("id", .string(methodID)), ("object", "payment_method"), ("type", .string(type))]))
        return body.compactText
    }

    // MARK: Capture and cancel

    /// Captures `request.amount` (all that is capturable by default) of an intent in `requires_capture`; the rest
    /// of the hold is released.
    func capture(_ read: PaymentIntentRecord, charge: ChargeRecord?, _ request: IntentCapture, now: Int64) throws(IntentRefusal) -> IntentTransition {
        guard read.status == .requiresCapture else { throw .unexpectedState(.capture, read) }
        let amount = request.amount ?? read.amountCapturable
        guard amount <= read.amountCapturable else { throw .amountToCaptureTooLarge(requested: amount, capturable: read.amountCapturable) }
        guard var charge else { throw .noAuthorizedCharge(intentID: read.id, toDo: "capture") }
        var intent = read
        let txn = Ledger.forCapture(of: charge, amount: amount, channel: ChargeBuilder.isCardPresent(charge) ? .cardPresent : .card, fees: fees, now: now)
        charge.amountCaptured = amount
        charge.captured = true
        charge.balanceTransaction = txn.id
        if let metadata = request.metadata { try Self.setMetadata(Metadata.merged(metadata, into: intent.metadata, clear: false), on: &intent) }
        if let v = request.statementDescriptor { intent.statementDescriptor = v.isEmpty ? nil : v }
        let released = intent.amountCapturable - amount
        intent.amountReceived = amount
        intent.amountCapturable = 0
        intent.status = .succeeded
        var events = [EventDraft(type: .chargeCaptured, object: .charge(charge)), EventDraft(type: .paymentIntentSucceeded, object: .paymentIntent(intent))]
        var disputeWrites: [StoreWrite] = []
        if let fingerprint = charge.fingerprint, let reason = disputes[fingerprint] {
            let brand = ChargeBuilder.brand(of: charge)
            let disputed = CardDisputes.opened(charge, amount: amount, reason: reason, brand: brand, now: now)
            charge = disputed.charge
            disputeWrites = disputed.writes
            events += disputed.events
        }
        let writes: [StoreWrite] = [.update(intent, expecting: .authorizationUnchanged(read)), .update(charge, expecting: nil), .insert(txn)]
        return IntentTransition(intent: intent, writes: writes + disputeWrites + release(released, on: charge), events: events)
    }

    /// Cancels an intent that has not succeeded; an authorization waiting for capture is released (its charge reads
    /// as refunded in full, as in Stripe).
    func cancel(_ read: PaymentIntentRecord, charge: ChargeRecord?, reason: CancellationReason?, now: Int64) throws(IntentRefusal) -> IntentTransition {
        guard IntentAction.cancel.allows(read.status) else { throw .unexpectedState(.cancel, read) }
        if read.status == .processing, charge?.status == .pending { throw .debitSubmitted(read) }
        var intent = read
        var writes: [StoreWrite] = []
        var events: [EventDraft] = []
        if read.status == .requiresCapture, var charge {
            charge.amountRefunded = charge.amount
            writes.append(.update(charge, expecting: .amountRefunded(0)))
            writes += release(intent.amountCapturable, on: charge)
            events.append(EventDraft(type: .chargeRefunded, object: .charge(charge)))
        }
        intent.status = .canceled
        intent.canceledAt = now
        intent.cancellationReason = reason
        intent.amountCapturable = 0
        intent.nextAction = nil
        return IntentTransition(intent: intent, writes: [.update(intent, expecting: .authorizationUnchanged(read))] + writes,
                                events: events + [EventDraft(type: .paymentIntentCanceled, object: .paymentIntent(intent))])
    }

    /// The issuer's hold on a card with a balance goes down by `amount` (nothing for other cards).
    func release(_ amount: Int64, on charge: ChargeRecord) -> [StoreWrite] {
        guard amount > 0, let fingerprint = charge.fingerprint, balances[fingerprint] != nil else { return [] }
        return [.hold(fingerprint: fingerprint, delta: -amount, ceiling: nil)]
    }

    // MARK: Rules

    static func checkAmount(_ amount: Int64, _ currency: Currency) throws(IntentRefusal) {
        if currency.exponent == 3, amount % 10 != 0 { throw .amountNotMultipleOfTen(currency: currency.code.lowercased()) }
    }

    /// The intent's metadata (at most `Metadata.maxKeys` keys) and the terminal batch its tag names.
    static func setMetadata(_ metadata: [String: String], on intent: inout PaymentIntentRecord) throws(IntentRefusal) {
        guard metadata.count <= Metadata.maxKeys else { throw .tooManyMetadataKeys }
        do { try intent.setMetadata(metadata.jsonText) } catch { throw .invalidParameter(message: error.message, param: error.param ?? "metadata") }
    }

    /// A tip is part of the amount: below it.
    static func checkTip(_ tip: Int64?, amount: Int64) throws(IntentRefusal) {
        if let tip, tip >= amount { throw .tipNotBelowAmount }
    }
}

/// What one step of the lifecycle decided: the intent after it, every row to write in one transaction (the intent's
/// own write among them), the decline to answer with once they are committed, and the events of the change
/// (written in the same transaction, `EventOutbox`).
struct IntentTransition {
    var intent: PaymentIntentRecord
    var writes: [StoreWrite]
    var decline: IntentDecline? = nil
    var events: [EventDraft] = []
}

/// A card decline: the request answers 402 with the intent, after the failed charge is written.
struct IntentDecline: Equatable, Sendable {
    var code: DeclineCode
    var chargeID: String?
}

/// The intent a request ends with, and its decline if the card was declined.
struct IntentOutcome {
    var intent: PaymentIntentRecord
    var decline: IntentDecline?
}

/// What the issuer's answer is applied with, gathered by `PaymentIntents` before the decision.
struct AuthorizationFacts {
    var fingerprint: String
    /// The chip cryptogram to remember as used (verified and not seen before).
    var cryptogramUse: CryptogramUseRecord?
    var emvResponse: [TLV]?
    /// Where 3-D Secure's challenge page is served.
    var baseURL: String
    var now: Int64
}
