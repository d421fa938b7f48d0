import Foundation
import PaymentCore
import HTTPTypes

/// The card a confirm carries, parsed from `payment_method`, `payment_method_data[card]` or (card-present, our
/// extension) `payment_method_data[card_present]` with DUKPT-enciphered track 2 (see `SealedCardPresent`).
struct CardInput: Sendable {
    var pan: PAN
    var expiry: Expiry
    var readMethod: String?
    var existingMethodID: String?
    /// The card's EMV data (chip and contactless reads).
    var chip: ChipData? = nil
    /// The online PIN, when the cardholder entered one.
    var pin: EnteredPIN? = nil
    /// When the terminal stored this payment it approved offline (Unix seconds).
    var offlineStoredAt: Int64? = nil

    var isCardPresent: Bool { readMethod != nil }
}

/// The payment intent lifecycle: create, update, confirm (with the issuer), 3-D Secure, capture, cancel.
///
/// Every step reads the intent, decides, and commits all its rows in one transaction guarded by the status it
/// read; a concurrent change makes the commit fail and the step runs again on the new state. The steps return
/// records; routes render and expand them.
struct PaymentIntents {
    let store: any PaymentStore
    let issuer: IssuerSimulator
    let vault: CardVault
    let fees: FeeModel
    /// Card fingerprint → open-to-buy, for the catalog cards whose issuer keeps a balance (only they get holds).
    let balances: [String: Int64]

    static let maxAmount: Int64 = 99_999_999
    static let mutableStatuses: Set = ["requires_payment_method", "requires_confirmation", "requires_action"]
    static let cancelableStatuses: Set = ["requires_payment_method", "requires_confirmation", "requires_action", "requires_capture", "processing"]

    init(store: any PaymentStore, issuer: IssuerSimulator, vault: CardVault, fees: FeeModel) {
        self.store = store
        self.issuer = issuer
        self.vault = vault
        self.fees = fees
        var balances: [String: Int64] = [:]
        for card in issuer.catalog.cards {
            if let balance = issuer.catalog.account(for: card)?.balance, let pan = card.pan { balances[vault.fingerprint(pan)] = balance }
        }
        self.balances = balances
    }

    var catalog: TestCardCatalog { issuer.catalog }

    // MARK: Create

    func create(_ params: inout FormParams, baseURL: String, now: Date) async throws -> PaymentIntentRecord {
        let fields = try Fields.parse(&params, creating: true)
        guard let amount = fields.amount else { throw APIError.invalidRequest("Missing required param: amount.", param: "amount") }
        guard let currency = fields.currency else { throw APIError.invalidRequest("Missing required param: currency.", param: "currency") }
        try Self.checkAmount(amount, currency)
        let confirm = try params.bool("confirm") ?? false
        let confirmOptions = try ConfirmOptions.parse(&params)
        let source = try parseCard(&params, now: now)
        let incremental = try IncrementalAuthorization.requested(&params)
        params.allow("automatic_payment_methods", "payment_method_options[card]", "mandate_data", "shipping", "expand")
        try params.rejectUnknown()
        let customer = try await liveCustomer(fields.customer ?? nil)
        if confirm && source == nil {
            throw APIError.invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. Pass `payment_method` or `payment_method_data`.", param: "payment_method")
        }
        let card = try await resolve(source, customer: customer, now: now)
        let created = Int64(now.timeIntervalSince1970)
        let intentID = ObjectID.make("pi")
        var types = fields.paymentMethodTypes ?? []
        if types.isEmpty { types = [card?.input.isCardPresent == true ? "card_present" : "card"] }
        var intent = PaymentIntentRecord(
            id: intentID, amount: amount, currency: currency.code.lowercased(), status: "requires_payment_method",
            captureMethod: fields.captureMethod ?? "automatic", confirmationMethod: fields.confirmationMethod ?? "automatic",
            clientSecret: intentID + "_secret_" + ObjectID.random(length: 24),
            created: created, description: fields.description ?? nil, customer: customer,
            paymentMethod: card?.method.id, paymentMethodTypes: types.joined(separator: ","),
            metadata: "{}", latestCharge: nil, lastPaymentError: nil, amountCapturable: 0, amountReceived: 0,
            canceledAt: nil, cancellationReason: nil, statementDescriptor: fields.statementDescriptor ?? nil,
            receiptEmail: fields.receiptEmail ?? nil, returnUrl: confirmOptions.returnURL,
            setupFutureUsage: fields.setupFutureUsage ?? nil, nextAction: nil, amountTip: fields.tip,
            requestIncrementalAuthorizationSupport: incremental ?? false)
        try intent.setMetadata((fields.metadata ?? [:]).filter { !$0.value.isEmpty }.jsonText)
        try Self.checkTip(fields.tip, amount: amount)
        if card != nil { intent.status = "requires_confirmation" }
        var writes: [StoreWrite] = []
        if let card, card.isNew { writes.append(.insert(card.method)) }
        guard confirm, let card else {
            try await store.commit(writes + [.insert(intent)])
            return intent
        }
        // A concurrent payment on the same card may take the balance the issuer counted on: decide again.
        let pending = intent
        return try await store.retryingConflicts {
            var intent = pending
            let step = try await authorize(&intent, card: card, options: confirmOptions, authenticated: false, baseURL: baseURL, now: now)
            try await store.commit(writes + [.insert(intent)] + step.writes)
            return try step.result(intent)
        }
    }

    // MARK: Update

    func update(id: String, _ params: inout FormParams, now: Date) async throws -> PaymentIntentRecord {
        let fields = try Fields.parse(&params, creating: false)
        let source = try parseCard(&params, now: now)
        let incremental = try IncrementalAuthorization.requested(&params)
        params.allow("payment_method_options[card]", "shipping", "expand")
        try params.rejectUnknown()
        return try await store.retryingConflicts {
            var intent = try await existing(id)
            let before = intent.status
            let changesPayment = fields.amount != nil || fields.currency != nil || fields.captureMethod != nil || fields.tip != nil
                || fields.customer != nil || fields.paymentMethodTypes != nil || source != nil || fields.setupFutureUsage != nil
                || incremental != nil
            if changesPayment, !Self.mutableStatuses.contains(intent.status) {
                throw Self.unexpectedState(intent, action: "update", allowed: "requires_payment_method, requires_confirmation, or requires_action")
            }
            let currency = try fields.currency ?? Currency(code: intent.currency.uppercased())
            try Self.checkAmount(fields.amount ?? intent.amount, currency)
            if let amount = fields.amount { intent.amount = amount }
            if let tip = fields.tip { intent.amountTip = tip }
            try Self.checkTip(intent.amountTip, amount: intent.amount)
            intent.currency = currency.code.lowercased()
            if let v = fields.captureMethod { intent.captureMethod = v }
            if let v = fields.description { intent.description = v }
            if let v = fields.statementDescriptor { intent.statementDescriptor = v }
            if let v = fields.receiptEmail { intent.receiptEmail = v }
            if let v = fields.setupFutureUsage { intent.setupFutureUsage = v }
            if let types = fields.paymentMethodTypes, !types.isEmpty { intent.paymentMethodTypes = types.joined(separator: ",") }
            if let incremental { intent.requestIncrementalAuthorizationSupport = incremental }
            if let updates = fields.metadata { try intent.setMetadata(Self.merge(metadata: updates, into: intent.metadata, clear: params.has("metadata") && updates.isEmpty)) }
            if let customer = fields.customer { intent.customer = try await liveCustomer(customer) }
            var writes: [StoreWrite] = []
            if let source {
                let card = try await resolve(source, customer: intent.customer, now: now)
                if let card, card.isNew { writes.append(.insert(card.method)) }
                intent.paymentMethod = card?.method.id
            }
            if changesPayment {
                intent.status = intent.paymentMethod == nil ? "requires_payment_method" : "requires_confirmation"
                intent.nextAction = nil
            }
            try await store.commit(writes + [.update(intent, expecting: .status(before))])
            return intent
        }
    }

    // MARK: Confirm

    func confirm(id: String, _ params: inout FormParams, baseURL: String, now: Date) async throws -> PaymentIntentRecord {
        let options = try ConfirmOptions.parse(&params)
        let source = try parseCard(&params, now: now)
        let captureMethod = try Fields.captureMethod(&params)
        let receiptEmail = try params.string("receipt_email")
        let setupFutureUsage = try Fields.setupFutureUsage(&params)
        let incremental = try IncrementalAuthorization.requested(&params)
        params.allow("payment_method_options[card]", "mandate_data", "shipping", "expand", "use_stripe_sdk")
        try params.rejectUnknown()
        return try await store.retryingConflicts {
            var intent = try await existing(id)
            let before = intent.status
            guard Self.mutableStatuses.contains(intent.status) else {
                throw Self.unexpectedState(intent, action: "confirm", allowed: "requires_payment_method, requires_confirmation, or requires_action")
            }
            if let captureMethod { intent.captureMethod = captureMethod }
            if let incremental { intent.requestIncrementalAuthorizationSupport = incremental }
            if let receiptEmail { intent.receiptEmail = receiptEmail.isEmpty ? nil : receiptEmail }
            if let setupFutureUsage { intent.setupFutureUsage = setupFutureUsage.isEmpty ? nil : setupFutureUsage }
            if let url = options.returnURL { intent.returnUrl = url }
            var writes: [StoreWrite] = []
            let card: ResolvedCard
            if let source {
                guard let resolved = try await resolve(source, customer: intent.customer, now: now) else { preconditionFailure("a card source resolves to a card") }
                card = resolved
                if card.isNew { writes.append(.insert(card.method)) }
            } else if let methodID = intent.paymentMethod {
                card = try await storedCard(methodID, customer: intent.customer)
            } else {
                throw APIError.invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. Pass `payment_method` or `payment_method_data`.", param: "payment_method")
            }
            intent.paymentMethod = card.method.id
            let step = try await authorize(&intent, card: card, options: options, authenticated: false, baseURL: baseURL, now: now)
            try await store.commit(writes + [.update(intent, expecting: .status(before))] + step.writes)
            return try step.result(intent)
        }
    }

    /// Finishes 3-D Secure for an intent in `requires_action`: `succeeded` authorizes it (the card's own outcome
    /// then applies), `failed` sends it back to `requires_payment_method`.
    func completeAuthentication(id: String, succeeded: Bool, now: Date) async throws -> PaymentIntentRecord {
        try await store.retryingConflicts {
            var intent = try await existing(id)
            guard intent.status == "requires_action", let methodID = intent.paymentMethod else {
                throw Self.unexpectedState(intent, action: "authenticate", allowed: "requires_action")
            }
            intent.nextAction = nil
            guard succeeded else {
                let error = APIError(status: .paymentRequired402, kind: .cardError, code: "payment_intent_authentication_failure",
                                     message: "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.")
                var body = error.body["error"] ?? .null
                body.set("payment_method", .object([("id", .string(methodID)), ("object", "payment_method"), ("type", "card")]))
                intent.lastPaymentError = body.compactText
                intent.paymentMethod = nil
                intent.status = "requires_payment_method"
                try await store.commit([.update(intent, expecting: .status("requires_action"))])
                return intent
            }
            let card = try await storedCard(methodID, customer: intent.customer)
            let step = try await authorize(&intent, card: card, options: ConfirmOptions(), authenticated: true, baseURL: "", now: now)
            try await store.commit([.update(intent, expecting: .status("requires_action"))] + step.writes)
            return try step.result(intent)
        }
    }

    // MARK: Capture and cancel

    func capture(id: String, _ params: inout FormParams, now: Date) async throws -> PaymentIntentRecord {
        let requested = try params.integer("amount_to_capture", range: 1...Self.maxAmount)
        let metadata = try params.metadata("metadata")
        let statementDescriptor = try params.string("statement_descriptor")
        params.allow("expand", "final_capture", "statement_descriptor_suffix")
        try params.rejectUnknown()
        return try await store.retryingConflicts {
            var intent = try await existing(id)
            let before = intent
            guard intent.status == "requires_capture" else {
                throw Self.unexpectedState(intent, action: "capture", allowed: "requires_capture")
            }
            let amount = requested ?? intent.amountCapturable
            guard amount <= intent.amountCapturable else {
                throw APIError.invalidRequest("The amount_to_capture (\(amount)) is greater than the amount capturable on this PaymentIntent (\(intent.amountCapturable)).",
                                              param: "amount_to_capture", code: "amount_too_large")
            }
            guard let chargeID = intent.latestCharge, var charge = try await store.find(ChargeRecord.self, id: chargeID) else {
                throw APIError(status: .internalServerError, kind: .apiError, message: "The PaymentIntent \(intent.id) has no authorized charge to capture.")
            }
            let now = Int64(now.timeIntervalSince1970)
            let txn = Ledger.forCapture(of: charge, amount: amount, cardPresent: Self.isCardPresent(charge), fees: fees, now: now)
            charge.amountCaptured = amount
            charge.captured = true
            charge.balanceTransaction = txn.id
            if let metadata { try intent.setMetadata(Self.merge(metadata: metadata, into: intent.metadata, clear: false)) }
            if let statementDescriptor { intent.statementDescriptor = statementDescriptor.isEmpty ? nil : statementDescriptor }
            let released = intent.amountCapturable - amount
            intent.amountReceived = amount
            intent.amountCapturable = 0
            intent.status = "succeeded"
            var writes: [StoreWrite] = [.update(intent, expecting: .authorizationUnchanged(before)), .update(charge, expecting: nil), .insert(txn)]
            writes += release(released, on: charge)
            try await store.commit(writes)
            return intent
        }
    }

    func cancel(id: String, _ params: inout FormParams, now: Date) async throws -> PaymentIntentRecord {
        let reason = try params.string("cancellation_reason")
        if let reason, !["duplicate", "fraudulent", "requested_by_customer", "abandoned"].contains(reason) {
            throw APIError.invalidRequest("Invalid cancellation_reason: must be one of duplicate, fraudulent, requested_by_customer or abandoned.", param: "cancellation_reason")
        }
        params.allow("expand")
        try params.rejectUnknown()
        return try await store.retryingConflicts {
            var intent = try await existing(id)
            let read = intent
            let before = intent.status
            guard Self.cancelableStatuses.contains(before) else {
                throw Self.unexpectedState(intent, action: "cancel", allowed: "requires_payment_method, requires_capture, requires_confirmation, requires_action or processing")
            }
            var writes: [StoreWrite] = []
            if before == "requires_capture", let chargeID = intent.latestCharge, var charge = try await store.find(ChargeRecord.self, id: chargeID) {
                // The authorization is released: the uncaptured charge reads as refunded in full, as in Stripe.
                charge.amountRefunded = charge.amount
                writes.append(.update(charge, expecting: .amountRefunded(0)))
                writes += release(intent.amountCapturable, on: charge)
            }
            intent.status = "canceled"
            intent.canceledAt = Int64(now.timeIntervalSince1970)
            intent.cancellationReason = reason
            intent.amountCapturable = 0
            intent.nextAction = nil
            try await store.commit([.update(intent, expecting: .authorizationUnchanged(read))] + writes)
            return intent
        }
    }

    /// The issuer's hold on a card with a balance goes down by `amount` (nothing for other cards).
    func release(_ amount: Int64, on charge: ChargeRecord) -> [StoreWrite] {
        guard amount > 0, let fingerprint = charge.fingerprint, balances[fingerprint] != nil else { return [] }
        return [.hold(fingerprint: fingerprint, delta: -amount, ceiling: nil)]
    }

    static func isCardPresent(_ charge: ChargeRecord) -> Bool {
        charge.paymentMethodDetails.contains("\"type\":\"card_present\"")
    }

    // MARK: Authorization

    /// How a confirmation runs: whether the customer is there (3-D Secure possible) and where to send them back.
    struct ConfirmOptions {
        var offSession = false
        var returnURL: String?

        static func parse(_ params: inout FormParams) throws(APIError) -> ConfirmOptions {
            var options = ConfirmOptions()
            if let text = try params.string("off_session") {
                switch text {
                case "true", "one_off", "recurring": options.offSession = true
                case "false": options.offSession = false
                default: throw APIError.invalidRequest("Invalid off_session: must be true, false, one_off or recurring.", param: "off_session")
                }
            }
            if let url = try params.string("return_url"), !url.isEmpty {
                guard let parsed = URL(string: url), let scheme = parsed.scheme, !scheme.isEmpty else {
                    throw APIError.invalidRequest("Invalid URL: \(url.prefix(80)). return_url must be an absolute URL.", param: "return_url")
                }
                options.returnURL = url
            }
            return options
        }
    }

    /// The rows one authorization adds, and how the request ends.
    struct Step {
        var writes: [StoreWrite] = []
        var decline: APIError?

        /// The intent, or the decline (402) that embeds it — after the rows are committed.
        func result(_ intent: PaymentIntentRecord) throws -> PaymentIntentRecord {
            guard var decline else { return intent }
            decline.paymentIntent = Render.paymentIntent(intent)
            throw decline
        }
    }

    /// Asks the issuer, then moves the intent to `requires_action`, `requires_capture`, `succeeded` or (declined)
    /// `requires_payment_method`, building the charge, balance transaction and issuer hold to write.
    private func authorize(_ intent: inout PaymentIntentRecord, card: ResolvedCard, options: ConfirmOptions,
                           authenticated: Bool, baseURL: String, now: Date) async throws -> Step {
        let currency = try Currency(code: intent.currency.uppercased())
        let fingerprint = card.method.fingerprint ?? vault.fingerprint(card.input.pan)
        let balance = balances[fingerprint]
        let held = balance == nil ? 0 : try await store.issuerHeld(fingerprint: fingerprint)
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
        let decision = issuer.authorize(input, now: now)
        let emvResponse = chip.map { IssuerSimulator.emvResponse(to: decision, chip: $0, pan: card.input.pan) }
        var step = Step()
        if let cryptogramUse, !replayed, chip?.cryptogramVerified == true {
            step.writes.append(.insertUnique(cryptogramUse))
        }
        intent.lastPaymentError = nil
        intent.nextAction = nil
        switch decision {
        case .requiresAuthentication:
            intent.status = "requires_action"
            intent.nextAction = Self.nextAction(intent, baseURL: baseURL).compactText
        case .approved(let authCode):
            let manual = intent.captureMethod == "manual"
            intent.status = manual ? "requires_capture" : "succeeded"
            intent.amountCapturable = manual ? intent.amount : 0
            intent.amountReceived = manual ? 0 : intent.amount
            var charge = makeCharge(intent: intent, card: card.input, fingerprint: fingerprint, created: created,
                                    approved: true, authCode: authCode, decline: nil, emvResponse: emvResponse)
            intent.latestCharge = charge.id
            var txn: BalanceTransactionRecord?
            if !manual {
                let t = Ledger.forCapture(of: charge, amount: intent.amount, cardPresent: card.input.isCardPresent, fees: fees, now: created)
                charge.amountCaptured = intent.amount
                charge.captured = true
                charge.balanceTransaction = t.id
                txn = t
            }
            step.writes.append(.insert(charge))
            if let txn { step.writes.append(.insert(txn)) }
            if let balance { step.writes.append(.hold(fingerprint: fingerprint, delta: intent.amount, ceiling: balance)) }
            if intent.setupFutureUsage != nil, let customer = intent.customer, card.method.customer == nil {
                var method = card.method
                method.customer = customer
                step.writes.append(.update(method, expecting: nil))
            }
        case .declined(let code):
            let charge = makeCharge(intent: intent, card: card.input, fingerprint: fingerprint, created: created,
                                    approved: false, authCode: nil, decline: code, emvResponse: emvResponse)
            intent.latestCharge = charge.id
            intent.status = "requires_payment_method"
            var lastError = APIError.declined(code, paymentIntent: nil, chargeID: charge.id).body["error"] ?? .null
            lastError.set("payment_method", .object([("id", .string(card.method.id)), ("object", "payment_method"), ("type", .string(card.method.type))]))
            intent.lastPaymentError = lastError.compactText
            // Stripe detaches the failed method from the intent.
            intent.paymentMethod = nil
            step.writes.append(.insert(charge))
            step.decline = APIError.declined(code, paymentIntent: nil, chargeID: charge.id)
        }
        return step
    }

    /// What the customer must do for 3-D Secure: follow a redirect (when a `return_url` was given) or let
    /// Stripe.js handle it.
    static func nextAction(_ intent: PaymentIntentRecord, baseURL: String) -> JSONValue {
        let url = "\(baseURL)/3ds/\(intent.id)?client_secret=\(intent.clientSecret)"
        guard let returnURL = intent.returnUrl else {
            return .object([("type", "use_stripe_sdk"),
                            ("use_stripe_sdk", .object([("type", "three_d_secure_redirect"), ("stripe_js", .string(url))]))])
        }
        return .object([("type", "redirect_to_url"), ("redirect_to_url", .object([("return_url", .string(returnURL)), ("url", .string(url))]))])
    }

    // MARK: Reading and checking

    func existing(_ id: String) async throws -> PaymentIntentRecord {
        guard let intent = try await store.find(PaymentIntentRecord.self, id: id) else { throw APIError.missing("payment_intent", id: id) }
        return intent
    }

    private func liveCustomer(_ id: String?) async throws -> String? {
        guard let id else { return nil }
        guard let customer = try await store.find(CustomerRecord.self, id: id), !customer.deleted else {
            throw APIError.missing("customer", id: id, param: "customer")
        }
        return customer.id
    }

    /// `done` is the participle when it is not `action` + "d" ("canceled", "incremented").
    static func unexpectedState(_ intent: PaymentIntentRecord, action: String, done: String? = nil, allowed: String) -> APIError {
        let participle = done ?? (action == "cancel" ? "canceled" : action + "d")
        var error = APIError(status: .badRequest, kind: .invalidRequestError, code: "payment_intent_unexpected_state",
                             message: "You cannot \(action) this PaymentIntent because it has a status of \(intent.status). Only a PaymentIntent with one of the following statuses may be \(participle): \(allowed).")
        error.paymentIntent = Render.paymentIntent(intent)
        return error
    }

    static func checkAmount(_ amount: Int64, _ currency: Currency) throws(APIError) {
        if currency.exponent == 3, amount % 10 != 0 {
            throw APIError.invalidRequest("Invalid amount: \(currency.code.lowercased()) amounts must be multiples of 10 (three-decimal currency).", param: "amount")
        }
    }

    /// A tip is part of the amount: below it.
    static func checkTip(_ tip: Int64?, amount: Int64) throws(APIError) {
        if let tip, tip >= amount {
            throw APIError.invalidRequest("Invalid amount_details[tip][amount]: the tip is part of amount and must be below it.", param: "amount_details[tip][amount]")
        }
    }

    /// Stripe's metadata update: keys set to "" are removed, others replaced; an empty `metadata` clears all.
    static func merge(metadata updates: [String: String], into text: String, clear: Bool) throws(APIError) -> String {
        var current = clear ? [:] : [String: String](jsonText: text)
        for (k, v) in updates { current[k] = v.isEmpty ? nil : v }
        guard current.count <= 50 else { throw APIError.invalidRequest("Invalid metadata: must have at most 50 keys.", param: "metadata") }
        return current.jsonText
    }

    /// The writable fields of create and update (`String??`: absent, or set — nil when sent empty to clear).
    struct Fields {
        var amount: Int64?
        var currency: Currency?
        var captureMethod: String?
        var confirmationMethod: String?
        var description: String??
        var statementDescriptor: String??
        var receiptEmail: String??
        var customer: String??
        var setupFutureUsage: String??
        var metadata: [String: String]?
        var paymentMethodTypes: [String]?
        var tip: Int64?

        static func parse(_ params: inout FormParams, creating: Bool) throws(APIError) -> Fields {
            var f = Fields()
            f.amount = try params.integer("amount", range: 1...PaymentIntents.maxAmount)
            f.tip = try params.integer(["amount_details", "tip", "amount"], range: 0...PaymentIntents.maxAmount)
            f.currency = try currency(&params)
            f.captureMethod = try captureMethod(&params)
            if creating, let v = try params.string("confirmation_method") {
                guard ["automatic", "manual"].contains(v) else {
                    throw APIError.invalidRequest("Invalid confirmation_method: must be automatic or manual.", param: "confirmation_method")
                }
                f.confirmationMethod = v
            }
            f.description = try text(&params, "description", max: 1000)
            f.statementDescriptor = try text(&params, "statement_descriptor", max: 22)
            f.receiptEmail = try text(&params, "receipt_email", max: 800)
            f.customer = try text(&params, "customer", max: 255)
            if let v = try setupFutureUsage(&params) { f.setupFutureUsage = .some(v.isEmpty ? nil : v) }
            f.metadata = try params.metadata("metadata")
            if let types = try params.stringList("payment_method_types") {
                for t in types where !["card", "card_present"].contains(t) {
                    throw APIError.invalidRequest("The payment method type \"\(t.prefix(40))\" is invalid. Supported here: card, card_present.", param: "payment_method_types")
                }
                f.paymentMethodTypes = types
            }
            return f
        }

        /// A text field of at most `max` characters: absent, or set (nil when sent empty, to clear it).
        static func text(_ params: inout FormParams, _ name: String, max: Int) throws(APIError) -> String?? {
            guard let v = try params.string(name) else { return .none }
            guard v.count <= max else { throw APIError.invalidRequest("Invalid \(name): must be at most \(max) characters.", param: name) }
            return .some(v.isEmpty ? nil : v)
        }

        /// `currency`: a lower-case ISO 4217 code.
        static func currency(_ params: inout FormParams) throws(APIError) -> Currency? {
            guard let code = try params.string("currency") else { return nil }
            guard code == code.lowercased(), let currency = try? Currency(code: code.uppercased()) else {
                throw APIError.invalidRequest("Invalid currency: \(code.prefix(10)). Stripe currencies are three-letter ISO codes in lower case.", param: "currency")
            }
            return currency
        }

        static func captureMethod(_ params: inout FormParams) throws(APIError) -> String? {
            guard let v = try params.string("capture_method") else { return nil }
            guard ["automatic", "automatic_async", "manual"].contains(v) else {
                throw APIError.invalidRequest("Invalid capture_method: must be one of automatic, automatic_async or manual.", param: "capture_method")
            }
            return v
        }

        static func setupFutureUsage(_ params: inout FormParams) throws(APIError) -> String? {
            guard let v = try params.string("setup_future_usage") else { return nil }
            guard ["", "on_session", "off_session"].contains(v) else {
                throw APIError.invalidRequest("Invalid setup_future_usage: must be on_session or off_session.", param: "setup_future_usage")
            }
            return v
        }
    }

    // MARK: Cards

    /// Where the card comes from: details in this request, or a stored payment method.
    enum CardSource {
        case input(CardInput)
        case stored(String)
        /// Card-present data still enciphered: opened with the location's keys.
        case cardPresent(SealedCardPresent)
    }

    /// A card ready for the issuer, with its payment method (new, or read from the store).
    struct ResolvedCard {
        var input: CardInput
        var method: PaymentMethodRecord
        var isNew: Bool
    }

    private func resolve(_ source: CardSource?, customer: String?, now: Date) async throws -> ResolvedCard? {
        switch source {
        case nil:
            return nil
        case .stored(let id):
            return try await storedCard(id, customer: customer)
        case .input(let card):
            let method = try PaymentMethodRecord.card(card.pan, expiry: card.expiry, readMethod: card.readMethod, vault: vault, now: now)
            return ResolvedCard(input: card, method: method, isNew: true)
        case .cardPresent(let sealed):
            let card = try await sealed.open(keys: TerminalKeys(store: store, vault: vault))
            let method = try PaymentMethodRecord.card(card.pan, expiry: card.expiry, readMethod: card.readMethod, vault: vault, now: now)
            return ResolvedCard(input: card, method: method, isNew: true)
        }
    }

    /// A stored payment method, its number opened from the vault. A method attached to a customer pays only for
    /// that customer.
    private func storedCard(_ id: String, customer: String?) async throws -> ResolvedCard {
        guard let record = try await store.find(PaymentMethodRecord.self, id: id), let sealed = record.encryptedPan else {
            throw APIError.missing("PaymentMethod", id: id, param: "payment_method")
        }
        if let owner = record.customer, owner != customer {
            throw APIError.invalidRequest("The provided PaymentMethod \(id) is attached to customer \(owner); pass customer=\(owner) to use it.", param: "payment_method")
        }
        let pan = try vault.open(sealed)
        let expiry = try Expiry(month: Int(record.expMonth), year: Int(record.expYear))
        return ResolvedCard(input: CardInput(pan: pan, expiry: expiry, readMethod: record.readMethod, existingMethodID: record.id),
                            method: record, isNew: false)
    }

    private func parseCard(_ params: inout FormParams, now: Date) throws(APIError) -> CardSource? {
        if let pmID = try params.string("payment_method"), !pmID.isEmpty {
            guard let test = catalog.card(paymentMethodID: pmID) else {
                guard pmID.hasPrefix("pm_") else { throw APIError.missing("PaymentMethod", id: pmID, param: "payment_method") }
                return .stored(pmID)
            }
            guard let pan = test.pan else {
                throw APIError.declined(.incorrectNumber, paymentIntent: nil, chargeID: nil)
            }
            guard let expiry = try? Expiry(month: 12, year: Expiry.utcYearMonth(now).year + 3) else {
                throw APIError(status: .internalServerError, kind: .apiError, message: "The test card's expiry could not be formed.")
            }
            return .input(CardInput(pan: pan, expiry: expiry, readMethod: nil, existingMethodID: nil))
        }
        guard let type = try params.string("payment_method_data", "type") else { return nil }
        switch type {
        case "card":
            return .input(try CardDetails.parse(&params, prefix: ["payment_method_data", "card"], now: now))
        case "card_present":
            return .cardPresent(try SealedCardPresent.parse(&params, now: now))
        default:
            throw APIError.invalidRequest("Invalid payment_method_data[type]: must be card or card_present.", param: "payment_method_data[type]")
        }
    }

    private func makeCharge(intent: PaymentIntentRecord, card: CardInput, fingerprint: String, created: Int64,
                            approved: Bool, authCode: String?, decline: DeclineCode?, emvResponse: [TLV]?) -> ChargeRecord {
        let outcome: JSONValue = approved
            ? .object([("network_status", "approved_by_network"), ("reason", .null), ("risk_level", "normal"),
                       ("seller_message", "Payment complete."), ("type", "authorized")])
            : .object([("network_status", "declined_by_network"), ("reason", .string(decline?.rawValue)), ("risk_level", "normal"),
                       ("seller_message", .string("The bank returned the decline code `\(decline?.rawValue ?? "generic_decline")`.")),
                       ("type", "issuer_declined")])
        let typeName = card.isCardPresent ? "card_present" : "card"
        var cardDetails: [(String, JSONValue)] = [
            ("brand", .string(card.pan.brand.rawValue)),
            ("exp_month", .int(Int64(card.expiry.month))),
            ("exp_year", .int(Int64(card.expiry.year))),
            ("fingerprint", .string(fingerprint)),
            ("funding", "credit"),
            ("last4", .string(card.pan.last4)),
            ("network", .string(CardPresentDetails.network(brand: card.pan.brand, chip: card.chip))),
        ]
        if let readMethod = card.readMethod {
            cardDetails += CardPresentDetails.fields(
                card: card, readMethod: readMethod, authCode: authCode, emvResponse: emvResponse,
                amountAuthorized: approved ? intent.amount : nil,
                incrementalAuthorizationSupported: approved && IncrementalAuthorization.supported(intent, brand: card.pan.brand))
        }
        let details: JSONValue = .object([(typeName, .object(cardDetails)), ("type", .string(typeName))])
        return ChargeRecord(
            id: ObjectID.make("ch"), paymentIntent: intent.id, amount: intent.amount,
            amountCaptured: 0, amountRefunded: 0, currency: intent.currency,
            status: approved ? "succeeded" : "failed", paid: approved, captured: false,
            failureCode: decline?.stripeErrorCode, failureMessage: decline?.message,
            outcome: outcome.compactText, paymentMethod: intent.paymentMethod, paymentMethodDetails: details.compactText,
            authorizationCode: authCode, created: created, description: intent.description, metadata: "{}",
            customer: intent.customer, balanceTransaction: nil, fingerprint: fingerprint)
    }
}
