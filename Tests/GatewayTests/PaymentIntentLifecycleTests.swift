import Foundation
import HTTPTypes
import PaymentCore
import Testing
@testable import Gateway

/// The payment intent's state machine on its own: no store, no HTTP — an intent in, the next status and the rows
/// to write out.
@Suite struct PaymentIntentLifecycleTests {
    static let vault = CardVault(keyMaterial: Array(repeating: 7, count: 32))
    static let now: Int64 = 1_790_000_000
    /// The card's issuer keeps a balance of 500.00 on it (holds are written).
    static let lifecycle = PaymentIntentLifecycle(fees: .standard, balances: [fingerprint: 50_000])
    static let fingerprint = "fp_test"

    static func card() throws -> ResolvedCard {
        let pan = try PAN("4242424242424242")
        let expiry = try Expiry(month: 12, year: 2034)
        let method = try PaymentMethodRecord.card(pan, expiry: expiry, vault: vault, catalog: .standard, now: Date(timeIntervalSince1970: TimeInterval(now)))
        return ResolvedCard(input: CardInput(pan: pan, expiry: expiry, readMethod: nil, existingMethodID: nil), method: method, isNew: true)
    }

    static func intent(amount: Int64 = 2_000, capture: CaptureMethod = .automatic, returnURL: String? = nil) throws -> PaymentIntentRecord {
        var changes = IntentChanges()
        changes.captureMethod = capture
        changes.metadata = ["order": "42", "empty": ""]
        return try lifecycle.create(amount: amount, currency: .eur, changes, id: "pi_1", clientSecret: "pi_1_secret_x", customer: nil,
                                    card: .card(try card()), returnURL: returnURL, now: now).intent
    }

    static func facts() -> AuthorizationFacts {
        AuthorizationFacts(fingerprint: fingerprint, cryptogramUse: nil, emvResponse: nil, baseURL: "http://127.0.0.1:1", now: now)
    }

    /// The events of a step: type and object id.
    static func events(_ step: IntentTransition) -> [String] {
        step.events.map { "\($0.type.rawValue) \($0.object.id)" }
    }

    /// The kinds of rows, in order: "insert payment_intents", "hold +2000" …
    static func kinds(_ writes: [StoreWrite]) -> [String] {
        writes.map {
            switch $0 {
            case .insert(let r): "insert \(type(of: r).table)"
            case .insertUnique(let r): "insertUnique \(type(of: r).table)"
            case .update(let r, let expecting): "update \(type(of: r).table)" + (expecting.map { " if " + $0.conditions.map { "\($0.column)=\($0.value)" }.joined(separator: ",") } ?? "")
            case .hold(_, let delta, _): "hold \(delta > 0 ? "+" : "")\(delta)"
            case .idempotencyEffect: "effect"
            case .settle(let currency, _, _, let net): "settle \(currency) \(net)"
            }
        }
    }

    @Test func createWithACardWaitsForConfirmationWithoutItForAMethod() throws {
        let intent = try Self.intent()
        #expect(intent.status == .requiresConfirmation)
        #expect(intent.metadata == #"{"order":"42"}"#)  // empty values are not kept
        #expect(intent.paymentMethodTypes == "card")
        let bare = try Self.lifecycle.create(amount: 100, currency: .eur, IntentChanges(), id: "pi_2", clientSecret: "s", customer: nil,
                                             card: nil, returnURL: nil, now: Self.now)
        #expect(bare.intent.status == .requiresPaymentMethod && bare.intent.captureMethod == .automatic)
        #expect(Self.kinds(bare.writes) == ["insert payment_intents"])
        #expect(Self.events(bare) == ["payment_intent.created pi_2"])
    }

    @Test func threeDecimalCurrenciesAndTipsAreChecked() throws {
        var changes = IntentChanges()
        #expect(throws: IntentRefusal.amountNotMultipleOfTen(currency: "kwd")) {
            try Self.lifecycle.create(amount: 1_005, currency: try Currency(code: "KWD"), changes, id: "pi", clientSecret: "s", customer: nil,
                                      card: nil, returnURL: nil, now: Self.now)
        }
        changes.tip = 100
        #expect(throws: IntentRefusal.tipNotBelowAmount) {
            try Self.lifecycle.create(amount: 100, currency: .eur, changes, id: "pi", clientSecret: "s", customer: nil, card: nil, returnURL: nil, now: Self.now)
        }
    }

    @Test func approvedAutomaticCaptureSucceedsWithChargeLedgerAndHold() throws {
        let confirming = try Self.intent()
        let step = Self.lifecycle.authorized(confirming, card: try Self.card(), decision: .approved(authorizationCode: "123456"), facts: Self.facts()) {
            .update($0, expecting: .status(confirming.status))
        }
        #expect(step.intent.status == .succeeded)
        #expect(step.intent.amountReceived == 2_000 && step.intent.amountCapturable == 0)
        #expect(step.decline == nil)
        #expect(Self.kinds(step.writes) == ["update payment_intents if status=text(\"requires_confirmation\")", "insert charges",
                                            "insert balance_transactions", "hold +2000"])
        guard case .insert(let record) = step.writes[1], let charge = record as? ChargeRecord else { Issue.record("no charge"); return }
        #expect(charge.status == .succeeded && charge.captured && charge.amountCaptured == 2_000)
        #expect(step.intent.latestCharge == charge.id)
        #expect(Self.events(step) == ["charge.succeeded \(charge.id)", "payment_intent.succeeded pi_1"])
        guard case .paymentIntent(let evented) = step.events[1].object else { Issue.record("not the intent"); return }
        #expect(evented == step.intent)
    }

    @Test func approvedManualCaptureWaitsForCaptureThenReleasesTheRest() throws {
        let confirming = try Self.intent(capture: .manual)
        let step = Self.lifecycle.authorized(confirming, card: try Self.card(), decision: .approved(authorizationCode: "123456"), facts: Self.facts()) { .insert($0) }
        #expect(step.intent.status == .requiresCapture && step.intent.amountCapturable == 2_000 && step.intent.amountReceived == 0)
        #expect(Self.kinds(step.writes) == ["insert payment_intents", "insert charges", "hold +2000"])
        guard case .insert(let record) = step.writes[1], let charge = record as? ChargeRecord else { Issue.record("no charge"); return }
        #expect(Self.events(step) == ["charge.succeeded \(charge.id)", "payment_intent.amount_capturable_updated pi_1"])

        #expect(throws: IntentRefusal.amountToCaptureTooLarge(requested: 2_500, capturable: 2_000)) {
            try Self.lifecycle.capture(step.intent, charge: charge, IntentCapture(amount: 2_500), now: Self.now)
        }
        #expect(throws: IntentRefusal.noAuthorizedCharge(intentID: "pi_1", toDo: "capture")) {
            try Self.lifecycle.capture(step.intent, charge: nil, IntentCapture(), now: Self.now)
        }
        let captured = try Self.lifecycle.capture(step.intent, charge: charge, IntentCapture(amount: 1_500), now: Self.now)
        #expect(captured.intent.status == .succeeded && captured.intent.amountReceived == 1_500 && captured.intent.amountCapturable == 0)
        #expect(Self.kinds(captured.writes) == ["update payment_intents if status=text(\"requires_capture\"),increment_attempts=integer(0)",
                                                "update charges", "insert balance_transactions", "hold -500"])
        #expect(Self.events(captured) == ["charge.captured \(charge.id)", "payment_intent.succeeded pi_1"])
        #expect(throws: IntentRefusal.unexpectedState(.capture, captured.intent)) {
            try Self.lifecycle.capture(captured.intent, charge: charge, IntentCapture(), now: Self.now)
        }
    }

    @Test func aDeclineDetachesTheMethodAndIsAnsweredAfterTheFailedCharge() throws {
        let confirming = try Self.intent()
        let card = try Self.card()
        let step = Self.lifecycle.authorized(confirming, card: card, decision: .declined(.insufficientFunds), facts: Self.facts()) { .insert($0) }
        #expect(step.intent.status == .requiresPaymentMethod && step.intent.paymentMethod == nil)
        #expect(Self.kinds(step.writes) == ["insert payment_intents", "insert charges"])
        #expect(step.decline?.code == .insufficientFunds && step.decline?.chargeID == step.intent.latestCharge)
        #expect(Self.events(step) == ["charge.failed \(step.intent.latestCharge ?? "")", "payment_intent.payment_failed pi_1"])
        let error = Render.json(step.intent.lastPaymentError)
        #expect(error["decline_code"] == "insufficient_funds")
        #expect(error["payment_method"]?["id"] == .string(card.method.id))
    }

    @Test func authenticationGoesToRequiresActionAndBackWhenItFails() throws {
        let confirming = try Self.intent(returnURL: "https://shop.example/back")
        var step = Self.lifecycle.authorized(confirming, card: try Self.card(), decision: .requiresAuthentication(then: nil), facts: Self.facts()) { .insert($0) }
        #expect(step.intent.status == .requiresAction)
        #expect(Render.json(step.intent.nextAction)["redirect_to_url"]?["url"] == "http://127.0.0.1:1/3ds/pi_1?client_secret=pi_1_secret_x")
        #expect(Self.kinds(step.writes) == ["insert payment_intents"])
        #expect(Self.events(step) == ["payment_intent.requires_action pi_1"])
        #expect(try Self.lifecycle.authenticating(step.intent) == step.intent.paymentMethod)
        step = try Self.lifecycle.authenticationFailed(step.intent)
        #expect(step.intent.status == .requiresPaymentMethod && step.intent.nextAction == nil && step.intent.paymentMethod == nil)
        #expect(Render.json(step.intent.lastPaymentError)["code"] == "payment_intent_authentication_failure")
        #expect(Self.events(step) == ["payment_intent.payment_failed pi_1"])
        #expect(throws: IntentRefusal.unexpectedState(.authenticate, step.intent)) { try Self.lifecycle.authenticationFailed(step.intent) }
    }

    @Test func updatesChangeThePaymentOnlyBeforeItIsPaid() throws {
        let confirming = try Self.intent()
        let paid = Self.lifecycle.authorized(confirming, card: try Self.card(), decision: .approved(authorizationCode: "1"), facts: Self.facts()) { .insert($0) }.intent
        var amount = IntentChanges()
        amount.amount = 3_000
        #expect(throws: IntentRefusal.unexpectedState(.update, paid)) { try Self.lifecycle.update(paid, amount, card: nil, customer: nil) }
        var description = IntentChanges()
        description.description = .some("table 4")
        let described = try Self.lifecycle.update(paid, description, card: nil, customer: nil)
        #expect(described.intent.description == "table 4" && described.intent.status == .succeeded)
        // Changing the amount of an intent waiting for confirmation keeps it waiting, with its card.
        let changed = try Self.lifecycle.update(confirming, amount, card: nil, customer: nil)
        #expect(changed.intent.amount == 3_000 && changed.intent.status == .requiresConfirmation)
        #expect(Self.kinds(changed.writes) == ["update payment_intents if status=text(\"requires_confirmation\")"])
        #expect(changed.events.isEmpty)  // Stripe has no payment_intent.updated
    }

    @Test func cancelReleasesAnAuthorizationAndRefusesAPaidIntent() throws {
        let authorized = Self.lifecycle.authorized(try Self.intent(capture: .manual), card: try Self.card(), decision: .approved(authorizationCode: "1"),
                                                   facts: Self.facts()) { .insert($0) }
        guard case .insert(let record) = authorized.writes[1], let charge = record as? ChargeRecord else { Issue.record("no charge"); return }
        let canceled = try Self.lifecycle.cancel(authorized.intent, charge: charge, reason: .abandoned, now: Self.now + 5)
        #expect(canceled.intent.status == .canceled && canceled.intent.canceledAt == Self.now + 5 && canceled.intent.cancellationReason == .abandoned)
        #expect(Self.kinds(canceled.writes) == ["update payment_intents if status=text(\"requires_capture\"),increment_attempts=integer(0)",
                                                "update charges if amount_refunded=integer(0)", "hold -2000"])
        #expect(Self.events(canceled) == ["charge.refunded \(charge.id)", "payment_intent.canceled pi_1"])
        #expect(throws: IntentRefusal.unexpectedState(.cancel, canceled.intent)) {
            try Self.lifecycle.cancel(canceled.intent, charge: nil, reason: nil, now: Self.now)
        }
    }

    @Test func refusalsReadAsStripeErrors() throws {
        let intent = try Self.intent()
        var succeeded = intent
        succeeded.status = .succeeded
        let error = APIError(IntentRefusal.unexpectedState(.cancel, succeeded))
        #expect(error.status == .badRequest && error.code == "payment_intent_unexpected_state")
        #expect(error.message == "You cannot cancel this PaymentIntent because it has a status of succeeded. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action or processing.")
        #expect(error.paymentIntent?["id"] == "pi_1")
        #expect(APIError(IntentRefusal.unexpectedState(.incrementAuthorization, succeeded)).message.hasPrefix("You cannot increment the authorization of this PaymentIntent"))
        let declined = APIError(IntentDecline(code: .insufficientFunds, chargeID: "ch_1"), intent: intent)
        #expect(declined.status == .paymentRequired402 && declined.declineCode == "insufficient_funds" && declined.chargeID == "ch_1")
    }
}
