import Foundation
import Testing
import PaymentCore

@Suite("Test-card catalog")
struct TestCardCatalogTests {
    static let catalog = TestCardCatalog.standard

    @Test func everyCardLoads() {
        #expect(Self.catalog.cards.count >= 26)
        for card in Self.catalog.cards {
            #expect((card.pan == nil) == (card.outcome == .incorrectNumber), "\(card.name)")
            #expect(card.last4.count == 4)
            #expect(card.brand != .unknown, "\(card.name)")
            #expect(!card.description.isEmpty)
            #expect(card.id == card.name)
        }
    }

    /// The online table of the Stripe reference (shared/reference/stripe-api.md).
    @Test(arguments: [
        ("4242424242424242", TestCardOutcome.approved),
        ("5555555555554444", .approved),
        ("378282246310005", .approved),
        ("4000000000000002", .declined(.genericDecline)),
        ("4000000000009995", .declined(.insufficientFunds)),
        ("4000000000009987", .declined(.lostCard)),
        ("4000000000009979", .declined(.stolenCard)),
        ("4000000000000069", .declined(.expiredCard)),
        ("4000000000000127", .declined(.incorrectCvc)),
        ("4000000000000119", .declined(.processingError)),
        ("4242424242424241", .incorrectNumber),
        ("4000000000000341", .chargeFailsAfterAttach(.genericDecline)),
        ("4000002500003155", .requiresAction(then: nil, setUpExemptsOffSession: true)),
        ("4000002760003184", .requiresAction(then: nil)),
        ("4000008260003178", .requiresAction(then: .insufficientFunds)),
    ])
    func referenceTable(number: String, outcome: TestCardOutcome) throws {
        let card = try #require(Self.catalog.card(number: number))
        #expect(card.outcome == outcome)
        #expect(card.last4 == String(number.suffix(4)))
    }

    @Test(arguments: [
        ("pm_card_visa", "4242"), ("pm_card_mastercard", "4444"), ("pm_card_amex", "0005"),
        ("pm_card_visa_chargeDeclined", "0002"), ("pm_card_visa_chargeDeclinedInsufficientFunds", "9995"),
        ("pm_card_visa_chargeDeclinedLostCard", "9987"), ("pm_card_visa_chargeDeclinedStolenCard", "9979"),
        ("pm_card_chargeDeclinedExpiredCard", "0069"), ("pm_card_chargeDeclinedIncorrectCvc", "0127"),
        ("pm_card_chargeDeclinedProcessingError", "0119"), ("pm_card_chargeCustomerFail", "0341"),
        ("pm_card_authenticationRequiredOnSetup", "3155"), ("pm_card_authenticationRequired", "3184"),
        ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "3178"), ("pm_card_visa_debit", "5556"),
    ])
    func paymentMethodIDs(id: String, last4: String) throws {
        let card = try #require(Self.catalog.card(paymentMethodID: id))
        #expect(card.last4 == last4)
        #expect(card.paymentMethodID == id)
    }

    @Test(arguments: [
        ("2223003122003222", CardBrand.mastercard), ("6011111111111117", .discover), ("3056930009020004", .diners),
        ("3566002020360505", .jcb), ("6200000000000005", .unionpay), ("378282246310005", .amex),
        ("4000056655665556", .visa), ("4506445006931933", .visa),
    ])
    func brands(number: String, brand: CardBrand) throws {
        let card = try #require(Self.catalog.card(number: number))
        #expect(card.brand == brand)
        #expect(card.pan?.brand == brand)
        #expect(card.outcome == .approved)
    }

    @Test func terminalCards() throws {
        #expect(Self.catalog.card(number: "4001007020000002")?.cvm == "offline_pin")
        #expect(Self.catalog.card(number: "4001000360000005")?.cvm == "online_pin")
        #expect(Self.catalog.card(number: "4506445006931933")?.network == "interac")
    }

    @Test func simulatorKeys() throws {
        let expected = ["4242424242424242", "4000000000009995", "4000000000000002", "5555555555554444", "378282246310005",
                        "4000000000009987", "4000000000000069", "4001007020000002", "4001000360000005"]
        let cards = Self.catalog.simulatorCards
        #expect(cards.compactMap(\.simulatorKey) == Array("123456789"))
        #expect(cards.map { $0.pan?.revealDigits() } == expected)
        for (key, number) in zip("123456789", expected) {
            #expect(Self.catalog.card(simulatorKey: key)?.pan?.revealDigits() == number)
        }
        #expect(Self.catalog.card(simulatorKey: "0") == nil)
    }

    @Test func lookups() throws {
        let visa = try #require(Self.catalog.card(named: "visa"))
        #expect(Self.catalog.card(number: "4242 4242 4242 4242") == visa)
        #expect(Self.catalog.card(paymentMethodID: "pm_card_visa") == visa)
        #expect(Self.catalog.resolve("visa") == visa)
        #expect(Self.catalog.resolve(" 4242 4242 4242 4242 ") == visa)
        #expect(Self.catalog.resolve("pm_card_visa") == visa)
        #expect(Self.catalog.resolve("4242424242424241")?.outcome == .incorrectNumber)
        #expect(Self.catalog.resolve("nope") == nil)
        #expect(Self.catalog.card(named: "VISA") == nil)
        #expect(Self.catalog.card(number: "4111111111111111") == nil)
    }

    static func json(_ entries: String) -> Data { Data(#"{"cards": [\#(entries)]}"#.utf8) }

    @Test(arguments: [
        (#"{"name": "a", "number": "4242424242424242", "outcome": "declined", "decline_code": "nope", "description": "x"}"#, "cards[0].decline_code"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "declined", "description": "x"}"#, "cards[0].decline_code"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "approved", "decline_code": "lost_card", "description": "x"}"#, "cards[0].decline_code"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "maybe", "description": "x"}"#, "cards[0].outcome"),
        (#"{"name": "a", "number": "4242424242424241", "outcome": "approved", "description": "x"}"#, "cards[0].number"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "incorrect_number", "description": "x"}"#, "cards[0].number"),
        (#"{"name": "a", "number": "4242", "outcome": "approved", "description": "x"}"#, "cards[0].number"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "approved", "description": "x", "simulator_key": "12"}"#, "cards[0].simulator_key"),
        (#"{"name": "", "number": "4242424242424242", "outcome": "approved", "description": "x"}"#, "cards[0].name"),
        (#"{"name": "a", "outcome": "approved", "description": "x"}"#, "cards[0].number"),
        (#"{"name": "a", "number": 4242424242424242, "outcome": "approved", "description": "x"}"#, "cards[0].number"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "approved", "description": "x"}, {"name": "a", "number": "5555555555554444", "outcome": "approved", "description": "y"}"#, "cards[1].name"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "approved", "description": "x"}, {"name": "b", "number": "4242 4242 4242 4242", "outcome": "approved", "description": "y"}"#, "cards[1].number"),
        (#"{"name": "a", "number": "4242424242424242", "outcome": "approved", "description": "x", "simulator_key": "1"}, {"name": "b", "number": "5555555555554444", "outcome": "approved", "description": "y", "simulator_key": "1"}"#, "cards[1].simulator_key"),
    ])
    func reportsBadEntries(entries: String, location: String) {
        let error = expectError(.catalog) { try TestCardCatalog(jsonData: Self.json(entries)) }
        #expect(error?.location == location)
    }

    @Test func reportsBadFiles() throws {
        expectError(.catalog) { try TestCardCatalog(jsonData: Data("not json".utf8)) }
        expectError(.catalog) { try TestCardCatalog(jsonData: Data(#"{"cards": {}}"#.utf8)) }
        let missing = URL(fileURLWithPath: "/nonexistent/test-cards.json")
        let error = expectError(.catalog) { try TestCardCatalog(contentsOf: missing) }
        #expect(error?.location == "test-cards.json")
    }

    @Test func readsAFileAndNamesItInErrors() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pc-test-cards-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.json(#"{"name": "a", "number": "4242424242424242", "outcome": "requires_action", "description": "x"}"#).write(to: url)
        let catalog = try TestCardCatalog(contentsOf: url)
        #expect(catalog.cards.first?.outcome == .requiresAction(then: nil))
        try Self.json(#"{"name": "a", "number": "4242424242424242", "outcome": "declined", "description": "x"}"#).write(to: url)
        let error = expectError(.catalog) { try TestCardCatalog(contentsOf: url) }
        #expect(error?.location == "\(url.lastPathComponent): cards[0].decline_code")
    }
}
