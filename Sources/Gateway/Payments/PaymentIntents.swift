import Foundation
import PaymentCore

/// Runs the payment intent requests: reads what a step needs (the intent, its charge, the card, the issuer's
/// counters), asks the issuer, lets `PaymentIntentLifecycle` decide, and commits the rows it returns in one
/// transaction. Every commit is guarded by the status it read; a concurrent change makes it fail and the step
/// runs again on the new state. Requests come parsed (Routes/PaymentIntentForm.swift); refusals are
/// `IntentRefusal`s, declines come back in the `IntentOutcome`.
struct PaymentIntents {
    let store: any PaymentStore
    let issuer: IssuerSimulator
    let vault: CardVault
    let lifecycle: PaymentIntentLifecycle
    /// The machine time the bank clock runs from (SEPA debits).
    let clock: any GatewayClock

    init(store: any PaymentStore, issuer: IssuerSimulator, vault: CardVault, fees: FeeModel, clock: any GatewayClock = SystemClock()) {
        self.store = store
        self.clock = clock
        self.issuer = issuer
        self.vault = vault
        var balances: [String: Int64] = [:]
        var disputes: [String: String] = [:]
        for card in issuer.catalog.cards {
            if let balance = issuer.catalog.account(for: card)?.balance, let pan = card.pan { balances[vault.fingerprint(pan)] = balance }
            if let reason = card.dispute, let pan = card.pan { disputes[vault.fingerprint(pan)] = reason }
        }
        var lifecycle = PaymentIntentLifecycle(fees: fees, balances: balances)
        lifecycle.disputes = disputes
        self.lifecycle = lifecycle
    }

    var catalog: TestCardCatalog { issuer.catalog }

    /// The rows another object commits in the same transaction as a payment step, decided from its outcome (an
    /// invoice paid or failed with its intent): neither is written without the other.
    typealias Accompanying = (IntentOutcome) throws -> [StoreWrite]

    func create(_ request: IntentCreation, baseURL: String, now: Date, accompanying: Accompanying? = nil) async throws -> IntentOutcome {
        let customer = try await liveCustomer(request.changes.customer ?? nil)
        if request.confirm && request.changes.card == nil { throw IntentRefusal.missingPaymentMethod }
        let card = try await request.changes.card.asyncMap { try await resolve($0, customer: customer, now: now) }
        let id = ObjectID.make("pi")
        let created = try lifecycle.create(amount: request.amount, currency: request.currency, request.changes, id: id,
                                           clientSecret: id + "_secret_" + ObjectID.random(length: 24), customer: customer,
                                           card: card, returnURL: request.options.returnURL, now: Int64(now.timeIntervalSince1970))
        let methodWrites: [StoreWrite] = card.map { $0.isNew ? [.insert($0.method)] : [] } ?? []
        guard request.confirm, let card else {
            let outcome = IntentOutcome(intent: created.intent, decline: nil)
            try await store.commit(methodWrites + created.rows(now: now) + (accompanying?(outcome) ?? []))
            return outcome
        }
        // A concurrent payment on the same card may take the balance the issuer counted on: decide again.
        return try await store.retryingConflicts {
            var step = try await pay(created.intent, with: card, options: request.options, baseURL: baseURL, now: now) { .insert($0) }
            step.events = created.events + step.events
            let outcome = IntentOutcome(intent: step.intent, decline: step.decline)
            try await store.commit(methodWrites + step.rows(now: now) + (accompanying?(outcome) ?? []))
            return outcome
        }
    }

    func update(id: String, _ changes: IntentChanges, now: Date) async throws -> PaymentIntentRecord {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let customer: String?? = try await changes.customer.asyncMap { try await liveCustomer($0) }
            let card = try await changes.card.asyncMap { try await resolve($0, customer: customer ?? read.customer, now: now) }
            let step = try lifecycle.update(read, changes, card: card, customer: customer)
            try await store.commit(step.rows(now: now))
            return step.intent
        }
    }

    func confirm(id: String, _ request: IntentConfirmation, baseURL: String, now: Date, accompanying: Accompanying? = nil) async throws -> IntentOutcome {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let intent = try lifecycle.confirming(read, request)
            let card: ResolvedMethod
            if let source = request.card {
                card = try await resolve(source, customer: intent.customer, now: now)
            } else if let methodID = intent.paymentMethod {
                card = try await stored(methodID, customer: intent.customer)
            } else {
                throw IntentRefusal.missingPaymentMethod
            }
            let step = try await pay(intent, with: card, options: request.options, baseURL: baseURL, now: now) {
                .update($0, expecting: .status(read.status))
            }
            let outcome = IntentOutcome(intent: step.intent, decline: step.decline)
            try await store.commit((card.isNew ? [.insert(card.method)] : []) + step.rows(now: now) + (accompanying?(outcome) ?? []))
            return outcome
        }
    }

    /// Finishes 3-D Secure for an intent in `requires_action`: `succeeded` authorizes it (the card's own outcome
    /// then applies), `failed` sends it back to `requires_payment_method`.
    func completeAuthentication(id: String, succeeded: Bool, now: Date) async throws -> IntentOutcome {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let methodID = try lifecycle.authenticating(read)
            let step: IntentTransition
            if succeeded {
                let card = try await stored(methodID, customer: read.customer).card(for: "3-D Secure")
                step = try await authorize(read, card: card, options: ConfirmOptions(), authenticated: true, baseURL: "", now: now) {
                    .update($0, expecting: .status(.requiresAction))
                }
            } else {
                step = try lifecycle.authenticationFailed(read)
            }
            try await store.commit(step.rows(now: now))
            return IntentOutcome(intent: step.intent, decline: step.decline)
        }
    }

    func capture(id: String, _ request: IntentCapture, now: Date) async throws -> PaymentIntentRecord {
        try await store.retryingConflicts {
            let read = try await existing(id)
            let step = try lifecycle.capture(read, charge: try await latestCharge(of: read), request, now: Int64(now.timeIntervalSince1970))
            try await store.commit(step.rows(now: now))
            return step.intent
        }
    }

    func cancel(id: String, reason: CancellationReason?, now: Date) async throws -> PaymentIntentRecord {
        try await store.retryingConflicts {
            let read = try await existing(id)
            // The lifecycle releases the charge of an intent waiting for capture; for the others it is not used.
            var step = try lifecycle.cancel(read, charge: try await latestCharge(of: read), reason: reason, now: Int64(now.timeIntervalSince1970))
            let transfer = try await transferCancellation(of: read, now: Int64(now.timeIntervalSince1970))
            step.writes += transfer.writes
            step.events += transfer.events
            try await store.commit(step.rows(now: now))
            return step.intent
        }
    }

    // MARK: Authorization

    /// A confirmation's payment: the card's issuer authorizes it, or a SEPA debit goes to the account's bank.
    private func pay(_ intent: PaymentIntentRecord, with method: ResolvedMethod, options: ConfirmOptions, baseURL: String, now: Date,
                     intentWrite: (PaymentIntentRecord) -> StoreWrite) async throws -> IntentTransition {
        switch method {
        case .card(let card):
            return try await authorize(intent, card: card, options: options, authenticated: false, baseURL: baseURL, now: now, intentWrite: intentWrite)
        case .bankAccount(let account):
            return try await submitDebit(intent, account: account, options: options, now: now, intentWrite: intentWrite)
        case .customerBalance(let method, _):
            return try await requestTransfer(intent, method: method, options: options, now: now, intentWrite: intentWrite)
        }
    }

    /// Gathers what the issuer decides on (the card's open-to-buy and holds, whether its cryptogram was used
    /// before), asks it, and has the lifecycle apply the answer.
    private func authorize(_ intent: PaymentIntentRecord, card: ResolvedCard, options: ConfirmOptions, authenticated: Bool,
                           baseURL: String, now: Date, intentWrite: (PaymentIntentRecord) -> StoreWrite) async throws -> IntentTransition {
        let currency = try Currency(code: intent.currency.uppercased())
        let fingerprint = card.method.fingerprint ?? vault.fingerprint(card.input.pan)
        let held = lifecycle.balances[fingerprint] == nil ? 0 : try await store.issuerHeld(fingerprint: fingerprint)
        let created = Int64(now.timeIntervalSince1970)
        // A chip cryptogram is good once: the issuer remembers every one it has seen (card, PSN, ATC, cryptogram).
        let chip = card.input.chip.map { ChipEvidence($0, pan: card.input.pan) }
        let cryptogramUse = chip.flatMap { evidence in
            let data = evidence.data
            return data.cryptogram.map { CryptogramUseRecord(id: "\(fingerprint):\(data.psn):\(data.atc ?? 0):\(HexCoding.encode($0))",
                                                             fingerprint: fingerprint, atc: Int64(data.atc ?? 0), created: created) }
        }
        var replayed = false
        if let cryptogramUse { replayed = try await store.find(CryptogramUseRecord.self, id: cryptogramUse.id) != nil }
        var input = AuthorizationInput(pan: card.input.pan, expiry: card.input.expiry, amount: Money(minorUnits: intent.amount, currency: currency),
                                       cardPresent: card.input.isCardPresent, authenticated: authenticated, offSession: options.offSession, held: held,
                                       chip: chip, pin: card.input.pin, cryptogramReplayed: replayed)
        input.usedAt = card.input.offlineStoredAt.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        if options.offSession, !card.isNew, case .requiresAction(_, true)? = catalog.card(number: card.input.pan.revealDigits())?.outcome {
            input.setUpForOffSession = try await setUpForOffSession(card.method.id)
        }
        let decision = issuer.authorize(input, now: now)
        let facts = AuthorizationFacts(
            fingerprint: fingerprint, cryptogramUse: !replayed && chip?.cryptogramVerified == true ? cryptogramUse : nil,
            emvResponse: chip.map { IssuerSimulator.emvResponse(to: decision, chip: $0, pan: card.input.pan) },
            baseURL: baseURL, now: created)
        return lifecycle.authorized(intent, card: card, decision: decision, facts: facts, intentWrite: intentWrite)
    }

    // MARK: Reading

    func existing(_ id: String) async throws -> PaymentIntentRecord {
        guard let intent = try await store.find(PaymentIntentRecord.self, id: id) else {
            throw IntentRefusal.missing(object: "payment_intent", id: id, param: "id")
        }
        return intent
    }

    /// The intent's latest charge, if it has one.
    func latestCharge(of intent: PaymentIntentRecord) async throws -> ChargeRecord? {
        guard let id = intent.latestCharge else { return nil }
        return try await store.find(ChargeRecord.self, id: id)
    }

    /// Whether a stored card was set up for off-session payments: a SetupIntent with `usage=off_session`, or a
    /// payment with `setup_future_usage=off_session`, succeeded with it.
    private func setUpForOffSession(_ methodID: String) async throws -> Bool {
        let setups = PageRequest(limit: 1, filters: ["payment_method": methodID, "status": SetupIntentStatus.succeeded.rawValue,
                                                     "usage": SetupFutureUsage.offSession.rawValue])
        if try await !store.list(SetupIntentRecord.self, setups).items.isEmpty { return true }
        let payments = PageRequest(limit: 1, filters: ["payment_method": methodID, "status": PaymentIntentStatus.succeeded.rawValue,
                                                       "setup_future_usage": SetupFutureUsage.offSession.rawValue])
        return try await !store.list(PaymentIntentRecord.self, payments).items.isEmpty
    }

    /// The id of a customer that exists and is not deleted.
    func liveCustomer(_ id: String?) async throws -> String? {
        guard let id else { return nil }
        guard let customer = try await store.find(CustomerRecord.self, id: id), !customer.deleted else {
            throw IntentRefusal.missing(object: "customer", id: id, param: "customer")
        }
        return customer.id
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
