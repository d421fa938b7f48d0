import Foundation
import HTTPTypes
import PaymentCore

/// What a SetupIntent request asks for, parsed (Routes/SetupIntentRoutes.swift).
struct SetupChanges: Sendable {
    var customer: String?? = nil
    var card: CardSource? = nil
    var usage: SetupFutureUsage? = nil
    var description: String?? = nil
    var metadata: [String: String]? = nil
    var clearsMetadata = false
    var paymentMethodTypes: [String]? = nil
}

/// What one step of a SetupIntent decided: the SetupIntent after it, the rows to commit in one transaction, the
/// decline to answer with (402) once they are, and the events.
struct SetupTransition {
    var setup: SetupIntentRecord
    var writes: [StoreWrite]
    var decline: DeclineCode? = nil
    var events: [EventDraft] = []

    func rows(now: Date) -> [StoreWrite] {
        writes + EventOutbox.writes(events, now: Int64(now.timeIntervalSince1970))
    }
}

/// What a SetupIntent request asks that its state refuses.
enum SetupRefusal: Error, Equatable {
    case unexpectedState(SetupAction, SetupIntentRecord)
    case missingPaymentMethod
    case invalidCancellationReason(String)
}

/// What was asked of a SetupIntent, for `SetupRefusal.unexpectedState`.
enum SetupAction: String, Equatable {
    case update, confirm, authenticate, cancel

    var allowed: [SetupIntentStatus] { self == .authenticate ? [.requiresAction] : SetupIntentStatus.open }
}

/// The SetupIntent's state machine, pure, as `PaymentIntentLifecycle` is for payments: it takes the SetupIntent as
/// read, what was asked and what the issuer said (a check of the card without a charge), and returns the rows and
/// events of the step. `SetupIntents` reads, asks and commits.
///
///     requires_payment_method ──card──▶ requires_confirmation ──confirm──▶ (issuer)
///        ▲   declined / 3DS failed                                   ├─ approved ─▶ succeeded (the card attached to the customer)
///        └───────────────────────────────────────────────────────────┴─ authentication ─▶ requires_action ─3DS─▶ succeeded
///     requires_* ──cancel──▶ canceled
enum SetupIntentLifecycle {
    static func create(_ changes: SetupChanges, id: String, clientSecret: String, customer: String?, card: ResolvedMethod?,
                       returnURL: String?, now: Int64) throws(IntentRefusal) -> SetupTransition {
        var types = changes.paymentMethodTypes ?? []
        if types.isEmpty { types = ["card"] }
        var setup = SetupIntentRecord(
            id: id, status: card == nil ? .requiresPaymentMethod : .requiresConfirmation, clientSecret: clientSecret, customer: customer,
            paymentMethod: card?.method.id, paymentMethodTypes: types.joined(separator: ","), usage: changes.usage ?? .offSession,
            description: changes.description ?? nil, metadata: "{}", cancellationReason: nil, lastSetupError: nil, nextAction: nil,
            returnUrl: returnURL, created: now)
        setup.metadata = try metadata(changes, into: "{}")
        let writes: [StoreWrite] = (card?.isNew == true ? [.insert(card!.method)] : []) + [.insert(setup)]
        return SetupTransition(setup: setup, writes: writes, events: [EventDraft(type: .setupIntentCreated, object: .setupIntent(setup))])
    }

    /// An update while the SetupIntent is open; a new card sends it back to confirmation.
    static func update(_ read: SetupIntentRecord, _ changes: SetupChanges, card: ResolvedMethod?, customer: String??) throws -> SetupTransition {
        guard SetupAction.update.allowed.contains(read.status) else { throw SetupRefusal.unexpectedState(.update, read) }
        var setup = read
        if let customer { setup.customer = customer }
        if let v = changes.description { setup.description = v }
        if let types = changes.paymentMethodTypes, !types.isEmpty { setup.paymentMethodTypes = types.joined(separator: ",") }
        if changes.metadata != nil { setup.metadata = try metadata(changes, into: read.metadata) }
        var writes: [StoreWrite] = []
        if let card {
            if card.isNew { writes.append(.insert(card.method)) }
            setup.paymentMethod = card.method.id
            setup.status = .requiresConfirmation
            setup.nextAction = nil
        }
        return SetupTransition(setup: setup, writes: writes + [.update(setup, expecting: .setupStatus(read.status))])
    }

    /// The SetupIntent a confirmation goes on with: it must be open and have a card.
    static func confirming(_ read: SetupIntentRecord, returnURL: String?) throws(SetupRefusal) -> SetupIntentRecord {
        guard SetupAction.confirm.allowed.contains(read.status) else { throw .unexpectedState(.confirm, read) }
        var setup = read
        if let returnURL { setup.returnUrl = returnURL }
        return setup
    }

    /// The issuer's check applied: `succeeded` (the card attached to the SetupIntent's customer), `requires_action`
    /// (3-D Secure), or back to `requires_payment_method` with `last_setup_error` and the decline.
    static func setUp(_ confirming: SetupIntentRecord, card: ResolvedCard, decision: IssuerDecision, baseURL: String,
                      write: (SetupIntentRecord) -> StoreWrite) -> SetupTransition {
        var setup = confirming
        setup.paymentMethod = card.method.id
        setup.lastSetupError = nil
        setup.nextAction = nil
        var writes: [StoreWrite] = []
        var events: [EventDraft] = []
        var decline: DeclineCode?
        switch decision {
        case .approved:
            setup.status = .succeeded
            if let customer = setup.customer, card.method.customer == nil {
                var method = card.method
                method.customer = customer
                writes.append(card.isNew ? .insert(method) : .update(method, expecting: nil))
                events.append(EventDraft(type: .paymentMethodAttached, object: .paymentMethod(method)))
            } else if card.isNew {
                writes.append(.insert(card.method))
            }
            events.append(EventDraft(type: .setupIntentSucceeded, object: .setupIntent(setup)))
        case .requiresAuthentication:
            setup.status = .requiresAction
            setup.nextAction = nextAction(setup, baseURL: baseURL).compactText
            if card.isNew { writes.append(.insert(card.method)) }
            events.append(EventDraft(type: .setupIntentRequiresAction, object: .setupIntent(setup)))
        case .declined(let code):
            setup.status = .requiresPaymentMethod
            setup.lastSetupError = PaymentIntentLifecycle.lastPaymentError(APIError.declined(code, paymentIntent: nil, chargeID: nil), methodID: card.method.id, type: card.method.type)
            setup.paymentMethod = nil
            if card.isNew { writes.append(.insert(card.method)) }
            events.append(EventDraft(type: .setupIntentSetupFailed, object: .setupIntent(setup)))
            decline = code
        }
        return SetupTransition(setup: setup, writes: writes + [write(setup)], decline: decline, events: events)
    }

    /// A SEPA bank account set up: the account holder's mandate (from `mandate_data`) recorded, the SetupIntent
    /// `succeeded` at once (as Stripe's do: nothing is debited) and the account attached to the customer. Later
    /// payments and subscription invoices debit it off-session under that mandate.
    static func setUpDebit(_ confirming: SetupIntentRecord, account: ResolvedBankAccount, acceptance: MandateAcceptance?, mandateID: String,
                           reference: String, now: Int64, write: (SetupIntentRecord) -> StoreWrite) throws(IntentRefusal) -> SetupTransition {
        let types = confirming.paymentMethodTypes.split(separator: ",").map(String.init)
        guard types.contains("sepa_debit") else {
            throw .invalidParameter(
                message: "The PaymentMethod provided (sepa_debit) is not allowed for this SetupIntent. Please attach a PaymentMethod of one of the following types: \(types.joined(separator: ", ")). Alternatively update the allowed payment_method_types for this SetupIntent to include \"sepa_debit\".",
                param: "payment_method")
        }
        var options = ConfirmOptions()
        options.mandateAcceptance = acceptance
        let mandate = try PaymentIntentLifecycle.mandate(for: account.method, customer: confirming.customer, options: options, existing: nil,
                                                         named: nil, id: mandateID, reference: reference, now: now).mandate
        var setup = confirming
        setup.paymentMethod = account.method.id
        setup.lastSetupError = nil
        setup.nextAction = nil
        setup.status = .succeeded
        setup.mandate = mandate.id
        var method = account.method
        var events: [EventDraft] = []
        let attaches = setup.customer != nil && method.customer == nil
        if attaches {
            method.customer = setup.customer
            events.append(EventDraft(type: .paymentMethodAttached, object: .paymentMethod(method)))
        }
        var writes: [StoreWrite] = []
        if account.isNew { writes.append(.insert(method)) } else if attaches { writes.append(.update(method, expecting: nil)) }
        events.append(EventDraft(type: .setupIntentSucceeded, object: .setupIntent(setup)))
        return SetupTransition(setup: setup, writes: writes + [.insert(mandate), write(setup)], events: events)
    }

    /// The payment method 3-D Secure authenticates, for a SetupIntent waiting for it.
    static func authenticating(_ read: SetupIntentRecord) throws(SetupRefusal) -> String {
        guard read.status == .requiresAction, let methodID = read.paymentMethod else { throw .unexpectedState(.authenticate, read) }
        return methodID
    }

    /// 3-D Secure failed: back to `requires_payment_method` with `setup_intent_authentication_failure`.
    static func authenticationFailed(_ read: SetupIntentRecord, method: PaymentMethodRecord) throws(SetupRefusal) -> SetupTransition {
        _ = try authenticating(read)
        var setup = read
        setup.nextAction = nil
        let error = APIError(status: .paymentRequired402, kind: .invalidRequestError, code: "setup_intent_authentication_failure",
                             message: "The latest attempt to set up the payment method has failed because authentication failed.")
        setup.lastSetupError = PaymentIntentLifecycle.lastPaymentError(error, methodID: method.id, type: method.type)
        setup.paymentMethod = nil
        setup.status = .requiresPaymentMethod
        return SetupTransition(setup: setup, writes: [.update(setup, expecting: .setupStatus(.requiresAction))],
                               events: [EventDraft(type: .setupIntentSetupFailed, object: .setupIntent(setup))])
    }

    /// Cancels an open SetupIntent (`abandoned`, `requested_by_customer` or `duplicate`).
    static func cancel(_ read: SetupIntentRecord, reason: CancellationReason?) throws(SetupRefusal) -> SetupTransition {
        guard SetupAction.cancel.allowed.contains(read.status) else { throw .unexpectedState(.cancel, read) }
        if let reason, reason == .fraudulent { throw .invalidCancellationReason(reason.rawValue) }
        var setup = read
        setup.status = .canceled
        setup.cancellationReason = reason
        setup.nextAction = nil
        return SetupTransition(setup: setup, writes: [.update(setup, expecting: .setupStatus(read.status))],
                               events: [EventDraft(type: .setupIntentCanceled, object: .setupIntent(setup))])
    }

    /// Where the customer authenticates: the same challenge page as payments (`/3ds/seti_…`).
    static func nextAction(_ setup: SetupIntentRecord, baseURL: String) -> JSONValue {
        ThreeDSecureAction.next(id: setup.id, clientSecret: setup.clientSecret, returnURL: setup.returnUrl, baseURL: baseURL)
    }

    private static func metadata(_ changes: SetupChanges, into text: String) throws(IntentRefusal) -> String {
        let merged = Metadata.merged(changes.metadata ?? [:], into: text, clear: changes.clearsMetadata)
        guard merged.count <= Metadata.maxKeys else { throw .tooManyMetadataKeys }
        return merged.jsonText
    }
}

extension StoreExpectation {
    static func setupStatus(_ status: SetupIntentStatus) -> StoreExpectation { .init(column: "status", value: .text(status.rawValue)) }
}
