import Foundation
import PaymentCore
import Testing
@testable import Gateway

/// The SetupIntent's state machine on its own: exact rows, events and refusals.
@Suite struct SetupIntentLifecycleTests {
    static let kinds = PaymentIntentLifecycleTests.kinds

    static func created(customer: String? = "cus_1", card: ResolvedCard? = nil, returnURL: String? = nil) throws -> SetupTransition {
        var changes = SetupChanges()
        changes.metadata = ["order": "7"]
        return try SetupIntentLifecycle.create(changes, id: "seti_1", clientSecret: "seti_1_secret_x", customer: customer, card: card.map(ResolvedMethod.card),
                                               returnURL: returnURL, now: PaymentIntentLifecycleTests.now)
    }

    static func events(_ step: SetupTransition) -> [String] { step.events.map { "\($0.type.rawValue) \($0.object.id)" } }

    @Test func createWaitsForACardOrItsConfirmation() throws {
        let bare = try Self.created()
        #expect(bare.setup.status == .requiresPaymentMethod && bare.setup.usage == .offSession && bare.setup.paymentMethodTypes == "card")
        #expect(Self.kinds(bare.writes) == ["insert setup_intents"] && Self.events(bare) == ["setup_intent.created seti_1"])
        #expect(bare.setup.metadata == #"{"order":"7"}"#)
        let card = try PaymentIntentLifecycleTests.card()
        let withCard = try Self.created(card: card)
        #expect(withCard.setup.status == .requiresConfirmation && withCard.setup.paymentMethod == card.method.id)
        #expect(Self.kinds(withCard.writes) == ["insert payment_methods", "insert setup_intents"])
    }

    @Test func anApprovedCheckSucceedsAndAttachesTheCardToTheCustomer() throws {
        let card = try PaymentIntentLifecycleTests.card()
        let setup = try Self.created(card: card).setup
        let step = SetupIntentLifecycle.setUp(setup, card: card, decision: .approved(authorizationCode: "123456"), baseURL: "") { .insert($0) }
        #expect(step.setup.status == .succeeded && step.decline == nil && step.setup.lastSetupError == nil)
        #expect(Self.kinds(step.writes) == ["insert payment_methods", "insert setup_intents"])
        guard case .insert(let method as PaymentMethodRecord) = step.writes[0] else { Issue.record("no method row"); return }
        #expect(method.customer == "cus_1")
        #expect(Self.events(step) == ["payment_method.attached \(card.method.id)", "setup_intent.succeeded seti_1"])

        // Without a customer the card is saved but attached to nobody; a stored card is not written again.
        var stored = card
        stored.isNew = false
        let alone = SetupIntentLifecycle.setUp(try Self.created(customer: nil).setup, card: stored, decision: .approved(authorizationCode: "1"),
                                               baseURL: "") { .update($0, expecting: .setupStatus(.requiresConfirmation)) }
        #expect(Self.kinds(alone.writes) == ["update setup_intents if status=text(\"requires_confirmation\")"])
        #expect(Self.events(alone) == ["setup_intent.succeeded seti_1"])
    }

    @Test func threeDSecureThenSuccessOrFailure() throws {
        let card = try PaymentIntentLifecycleTests.card()
        let setup = try Self.created(card: card, returnURL: "https://shop.example/back").setup
        let asked = SetupIntentLifecycle.setUp(setup, card: card, decision: .requiresAuthentication(then: nil), baseURL: "http://127.0.0.1:4242") { .insert($0) }
        #expect(asked.setup.status == .requiresAction && Self.events(asked) == ["setup_intent.requires_action seti_1"])
        let next = try #require(asked.setup.nextAction.flatMap(JSONValue.init(jsonText:)))
        #expect(next["type"] == "redirect_to_url")
        #expect(next["redirect_to_url"]?["url"] == .string("http://127.0.0.1:4242/3ds/seti_1?client_secret=seti_1_secret_x"))
        #expect(try SetupIntentLifecycle.authenticating(asked.setup) == card.method.id)

        let failed = try SetupIntentLifecycle.authenticationFailed(asked.setup, method: card.method)
        #expect(failed.setup.status == .requiresPaymentMethod && failed.setup.paymentMethod == nil && failed.setup.nextAction == nil)
        let error = try #require(failed.setup.lastSetupError.flatMap(JSONValue.init(jsonText:)))
        #expect(error["code"] == "setup_intent_authentication_failure" && error["payment_method"]?["id"] == .string(card.method.id))
        #expect(Self.kinds(failed.writes) == ["update setup_intents if status=text(\"requires_action\")"])
        #expect(Self.events(failed) == ["setup_intent.setup_failed seti_1"])
        #expect(throws: SetupRefusal.unexpectedState(.authenticate, failed.setup)) { try SetupIntentLifecycle.authenticating(failed.setup) }
    }

    @Test func aDeclineLeavesTheErrorAndNoCard() throws {
        let card = try PaymentIntentLifecycleTests.card()
        let setup = try Self.created(card: card).setup
        let step = SetupIntentLifecycle.setUp(setup, card: card, decision: .declined(.genericDecline), baseURL: "") { .insert($0) }
        #expect(step.decline == .genericDecline && step.setup.status == .requiresPaymentMethod && step.setup.paymentMethod == nil)
        let error = try #require(step.setup.lastSetupError.flatMap(JSONValue.init(jsonText:)))
        #expect(error["code"] == "card_declined" && error["decline_code"] == "generic_decline" && error["type"] == "card_error")
        #expect(Self.events(step) == ["setup_intent.setup_failed seti_1"])
    }

    @Test func onlyOpenSetupIntentsChangeOrCancel() throws {
        var setup = try Self.created().setup
        let canceled = try SetupIntentLifecycle.cancel(setup, reason: .requestedByCustomer)
        #expect(canceled.setup.status == .canceled && canceled.setup.cancellationReason == .requestedByCustomer)
        #expect(Self.events(canceled) == ["setup_intent.canceled seti_1"])
        #expect(throws: SetupRefusal.invalidCancellationReason("fraudulent")) { try SetupIntentLifecycle.cancel(setup, reason: .fraudulent) }
        setup.status = .succeeded
        #expect(throws: SetupRefusal.unexpectedState(.cancel, setup)) { try SetupIntentLifecycle.cancel(setup, reason: nil) }
        #expect(throws: SetupRefusal.unexpectedState(.confirm, setup)) { try SetupIntentLifecycle.confirming(setup, returnURL: nil) }
        #expect(throws: SetupRefusal.unexpectedState(.update, setup)) { try SetupIntentLifecycle.update(setup, SetupChanges(), card: nil, customer: nil) }
        #expect(APIError(SetupRefusal.unexpectedState(.cancel, setup)).message
            == "You cannot cancel this SetupIntent because it has a status of succeeded. Only a SetupIntent with one of the following statuses may be canceled: requires_payment_method, requires_confirmation, requires_action.")
    }

    @Test func theIssuerChecksCardsBeingSaved() throws {
        let issuer = IssuerSimulator()
        let expiry = try Expiry(month: 12, year: 2034)
        func check(_ number: String, authenticated: Bool = false) throws -> IssuerDecision {
            issuer.authorizeSetup(pan: try PAN(number), expiry: expiry, authenticated: authenticated, now: Date())
        }
        #expect(try check("4000000000000002") == .declined(.genericDecline))
        #expect(try check("4000002500003155") == .requiresAuthentication(then: nil))
        if case .approved = try check("4000002500003155", authenticated: true) {} else { Issue.record("authenticated setup not approved") }
        // A card whose charges fail is still saved.
        if case .approved = try check("4000000000000341") {} else { Issue.record("charge-fails-after-attach card not saved") }
        #expect(issuer.authorizeSetup(pan: try PAN("4242424242424242"), expiry: try Expiry(month: 1, year: 2020), authenticated: false, now: Date())
            == .declined(.expiredCard))
    }

    @Test func offSessionPaymentsAfterSetupFollowTheCard() throws {
        let issuer = IssuerSimulator()
        func offSession(_ number: String, setUp: Bool) throws -> IssuerDecision {
            var input = AuthorizationInput(pan: try PAN(number), expiry: try Expiry(month: 12, year: 2034),
                                           amount: Money(minorUnits: 1000, currency: .eur), cardPresent: false, offSession: true)
            input.setUpForOffSession = setUp
            return issuer.authorize(input, now: Date())
        }
        #expect(try offSession("4000002500003155", setUp: false) == .declined(.authenticationRequired))
        if case .approved = try offSession("4000002500003155", setUp: true) {} else { Issue.record("a set-up card was not exempted") }
        #expect(try offSession("4000002760003184", setUp: true) == .declined(.authenticationRequired))
    }
}
