import Foundation
import PaymentCore

/// Runs the SetupIntent requests: reads what a step needs (the SetupIntent, the card), asks the issuer to check
/// the card, lets `SetupIntentLifecycle` decide and commits its rows in one transaction, guarded by the status read.
struct SetupIntents {
    let intents: PaymentIntents
    var store: any PaymentStore { intents.store }
    /// What the refusal of a customer balance names (SetupIntents save cards and SEPA bank accounts).
    static let purpose = "a SetupIntent on this gateway"

    /// What a step ended with, and the card's decline if there was one (the route answers 402).
    struct Outcome {
        var setup: SetupIntentRecord
        var decline: DeclineCode?
    }

    func create(_ changes: SetupChanges, confirm: Bool, returnURL: String?, mandate: MandateAcceptance?, baseURL: String, now: Date) async throws -> Outcome {
        let customer = try await intents.liveCustomer(changes.customer ?? nil)
        if confirm && changes.card == nil { throw SetupRefusal.missingPaymentMethod }
        let card = try await changes.card.asyncMap { try Self.settable(try await intents.resolve($0, customer: customer, now: now)) }
        let id = ObjectID.make("seti")
        let created = try SetupIntentLifecycle.create(changes, id: id, clientSecret: id + "_secret_" + ObjectID.random(length: 24),
                                                      customer: customer, card: card, returnURL: returnURL, now: Int64(now.timeIntervalSince1970))
        guard confirm, let card else {
            try await store.commit(created.rows(now: now))
            return Outcome(setup: created.setup)
        }
        var step = try setUp(created.setup, with: card, mandate: mandate, baseURL: baseURL, now: now) { .insert($0) }
        step.events = created.events + step.events
        try await store.commit(step.rows(now: now))
        return Outcome(setup: step.setup, decline: step.decline)
    }

    func update(id: String, _ changes: SetupChanges, now: Date) async throws -> SetupIntentRecord {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let customer: String?? = try await changes.customer.asyncMap { try await intents.liveCustomer($0) }
            let card = try await changes.card.asyncMap { try Self.settable(try await intents.resolve($0, customer: customer ?? read.customer, now: now)) }
            let step = try SetupIntentLifecycle.update(read, changes, card: card, customer: customer)
            try await store.commit(step.rows(now: now))
            return step.setup
        }
    }

    func confirm(id: String, card source: CardSource?, returnURL: String?, mandate: MandateAcceptance?, baseURL: String, now: Date) async throws -> Outcome {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let setup = try SetupIntentLifecycle.confirming(read, returnURL: returnURL)
            let method: ResolvedMethod
            if let source {
                method = try Self.settable(try await intents.resolve(source, customer: setup.customer, now: now))
            } else if let methodID = setup.paymentMethod {
                method = try Self.settable(try await intents.stored(methodID, customer: setup.customer))
            } else {
                throw SetupRefusal.missingPaymentMethod
            }
            let step = try setUp(setup, with: method, mandate: mandate, baseURL: baseURL, now: now) { .update($0, expecting: .setupStatus(read.status)) }
            try await store.commit(step.rows(now: now))
            return Outcome(setup: step.setup, decline: step.decline)
        }
    }

    /// Finishes 3-D Secure for a SetupIntent in `requires_action` (the challenge page, or the test helper).
    func completeAuthentication(id: String, succeeded: Bool, now: Date) async throws -> Outcome {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let card = try await intents.stored(try SetupIntentLifecycle.authenticating(read), customer: read.customer).card(for: Self.purpose)
            let step = succeeded
                ? check(read, card: card, authenticated: true, baseURL: "", now: now) { .update($0, expecting: .setupStatus(.requiresAction)) }
                : try SetupIntentLifecycle.authenticationFailed(read, method: card.method)
            try await store.commit(step.rows(now: now))
            return Outcome(setup: step.setup, decline: step.decline)
        }
    }

    func cancel(id: String, reason: CancellationReason?, now: Date) async throws -> SetupIntentRecord {
        try await store.retryingConflicts {
            let step = try SetupIntentLifecycle.cancel(try await existing(id), reason: reason)
            try await store.commit(step.rows(now: now))
            return step.setup
        }
    }

    /// A card is checked with its issuer; a bank account is set up under the mandate the confirmation carries.
    private func setUp(_ setup: SetupIntentRecord, with method: ResolvedMethod, mandate: MandateAcceptance?, baseURL: String, now: Date,
                       write: (SetupIntentRecord) -> StoreWrite) throws -> SetupTransition {
        switch method {
        case .card(let card):
            return check(setup, card: card, authenticated: false, baseURL: baseURL, now: now, write: write)
        case .bankAccount(let account):
            return try SetupIntentLifecycle.setUpDebit(setup, account: account, acceptance: mandate, mandateID: ObjectID.make("mandate"),
                                                       reference: ObjectID.random(length: 16).uppercased(), now: Int64(now.timeIntervalSince1970),
                                                       write: write)
        case .customerBalance:
            throw IntentRefusal.invalidParameter(message: "A customer balance cannot be set up: \(Self.purpose) saves cards and sepa_debit bank accounts.",
                                                 param: "payment_method")
        }
    }

    /// A method a SetupIntent can save: a card or a SEPA bank account.
    private static func settable(_ method: ResolvedMethod) throws(IntentRefusal) -> ResolvedMethod {
        if case .customerBalance = method {
            throw .invalidParameter(message: "The PaymentMethod \(method.method.id) is of type customer_balance; \(purpose) saves cards and sepa_debit bank accounts.",
                                    param: "payment_method")
        }
        return method
    }

    /// The issuer's check of the card, applied.
    private func check(_ setup: SetupIntentRecord, card: ResolvedCard, authenticated: Bool, baseURL: String, now: Date,
                       write: (SetupIntentRecord) -> StoreWrite) -> SetupTransition {
        let decision = intents.issuer.authorizeSetup(pan: card.input.pan, expiry: card.input.expiry, authenticated: authenticated, now: now)
        return SetupIntentLifecycle.setUp(setup, card: card, decision: decision, baseURL: baseURL, write: write)
    }

    func existing(_ id: String) async throws -> SetupIntentRecord {
        guard let setup = try await store.find(SetupIntentRecord.self, id: id) else {
            throw IntentRefusal.missing(object: "setup_intent", id: id, param: "intent")
        }
        return setup
    }
}
