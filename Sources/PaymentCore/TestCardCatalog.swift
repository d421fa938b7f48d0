import Foundation

/// The test cards shared by the gateway and the card simulator, read from the bundled test-cards.json.
public struct TestCardCatalog: Sendable {
    /// All cards in file order.
    public let cards: [TestCard]
    /// The issuer's balance and limit of the cards that have them, by card name.
    public let accounts: [String: IssuerAccount]
    private let byName: [String: Int]
    private let byNumber: [String: Int]
    private let byPaymentMethodID: [String: Int]
    private let bySimulatorKey: [Character: Int]

    /// The catalog bundled with PaymentCore. The file ships with the module, so failing to load it is a programmer error.
    public static let standard: TestCardCatalog = {
        guard let url = Bundle.module.url(forResource: "test-cards", withExtension: "json") else {
            fatalError("PaymentCore's bundled test-cards.json is missing; check the PaymentCore target's resources.")
        }
        do throws(PaymentCoreError) {
            return try TestCardCatalog(contentsOf: url)
        } catch {
            fatalError("PaymentCore's bundled test-cards.json is invalid: \(error)")
        }
    }()

    /// A catalog of these cards; names, numbers, payment method ids and simulator keys must be unique.
    public init(cards: [TestCard], accounts: [String: IssuerAccount] = [:]) throws(PaymentCoreError) {
        var byName: [String: Int] = [:]
        var byNumber: [String: Int] = [:]
        var byPaymentMethodID: [String: Int] = [:]
        var bySimulatorKey: [Character: Int] = [:]
        func unique<Key: Hashable>(_ key: Key?, in index: inout [Key: Int], at position: Int, field: String) throws(PaymentCoreError) {
            guard let key else { return }
            if let earlier = index[key] {
                throw PaymentCoreError(
                    code: .catalog,
                    message: "Cards \(earlier) and \(position) share the same \(field); each must be unique.",
                    location: "cards[\(position)].\(field)"
                )
            }
            index[key] = position
        }
        for (position, card) in cards.enumerated() {
            try unique(card.name, in: &byName, at: position, field: "name")
            try unique(card.numberKey, in: &byNumber, at: position, field: "number")
            try unique(card.paymentMethodID, in: &byPaymentMethodID, at: position, field: "payment_method")
            try unique(card.simulatorKey, in: &bySimulatorKey, at: position, field: "simulator_key")
        }
        if let unknown = accounts.keys.sorted().first(where: { byName[$0] == nil }) {
            throw PaymentCoreError(code: .catalog, message: "An issuer account names the card \"\(unknown)\", which is not in the catalog.", location: "accounts")
        }
        self.cards = cards
        self.accounts = accounts
        self.byName = byName
        self.byNumber = byNumber
        self.byPaymentMethodID = byPaymentMethodID
        self.bySimulatorKey = bySimulatorKey
    }

    /// Reads a catalog file; errors name the file and the bad entry's index and field.
    public init(contentsOf url: URL) throws(PaymentCoreError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PaymentCoreError(code: .catalog, message: "Cannot read the test-card catalog at \(url.path): \(error.localizedDescription)", location: url.lastPathComponent)
        }
        do throws(PaymentCoreError) {
            try self.init(jsonData: data)
        } catch {
            let location = [url.lastPathComponent, error.location].compactMap { $0 }.joined(separator: ": ")
            throw PaymentCoreError(code: error.code, message: error.message, location: location)
        }
    }

    /// Parses `{"cards": [...]}`; errors report the entry as "cards[3].decline_code".
    public init(jsonData: Data) throws(PaymentCoreError) {
        let file: CatalogFile
        do {
            file = try JSONDecoder().decode(CatalogFile.self, from: jsonData)
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw PaymentCoreError(code: .catalog, message: "The test-card catalog is not valid JSON: \(error.localizedDescription)")
        }
        var cards: [TestCard] = []
        var accounts: [String: IssuerAccount] = [:]
        for (index, entry) in file.cards.enumerated() {
            do throws(PaymentCoreError) {
                cards.append(try entry.card())
                if let account = try entry.account() { accounts[entry.name] = account }
            } catch {
                throw PaymentCoreError(code: .catalog, message: error.message, location: "cards[\(index)].\(error.location ?? "entry")")
            }
        }
        try self.init(cards: cards, accounts: accounts)
    }

    /// The issuer's balance and limit for this card, if it has any.
    public func account(for card: TestCard) -> IssuerAccount? {
        accounts[card.name]
    }

    /// The card with this name.
    public func card(named name: String) -> TestCard? {
        byName[name].map { cards[$0] }
    }

    /// The card with this number (spaces ignored), including the Luhn-invalid one.
    public func card(number digits: String) -> TestCard? {
        byNumber[String(digits.filter { $0 != " " })].map { cards[$0] }
    }

    /// The card behind a Stripe test PaymentMethod id such as "pm_card_visa".
    public func card(paymentMethodID: String) -> TestCard? {
        byPaymentMethodID[paymentMethodID].map { cards[$0] }
    }

    /// The card the simulator picks with this key.
    public func card(simulatorKey: Character) -> TestCard? {
        bySimulatorKey[simulatorKey].map { cards[$0] }
    }

    /// The cards that have a simulator key, ordered by key.
    public var simulatorCards: [TestCard] {
        bySimulatorKey.sorted { $0.key < $1.key }.map { cards[$0.value] }
    }

    /// A card by name, Stripe PaymentMethod id, or number (spaces allowed); surrounding whitespace is ignored.
    public func resolve(_ nameOrNumber: String) -> TestCard? {
        let text = nameOrNumber.trimmingCharacters(in: .whitespacesAndNewlines)
        return card(named: text) ?? card(paymentMethodID: text) ?? card(number: text)
    }

    private static func describe(_ error: DecodingError) -> PaymentCoreError {
        let path = codingPathDescription
        switch error {
        case .keyNotFound(let key, let context):
            let location = path(context.codingPath + [key])
            return PaymentCoreError(code: .catalog, message: "The test-card catalog is missing the required field \"\(key.stringValue)\".", location: location)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return PaymentCoreError(code: .catalog, message: "A test-card field has the wrong type: \(context.debugDescription)", location: path(context.codingPath))
        case .dataCorrupted(let context):
            return PaymentCoreError(code: .catalog, message: "The test-card catalog is not valid JSON.", location: path(context.codingPath).isEmpty ? nil : path(context.codingPath))
        @unknown default:
            return PaymentCoreError(code: .catalog, message: "The test-card catalog could not be decoded.")
        }
    }
}

/// The JSON layout of test-cards.json.
private struct CatalogFile: Decodable {
    var cards: [Entry]

    struct Entry: Decodable {
        var name: String
        var number: String
        var outcome: String
        var declineCode: String?
        var paymentMethod: String?
        var description: String
        var simulatorKey: String?
        var cvm: String?
        var network: String?
        var balance: Int64?
        var limit: Int64?
        var setUpExemptsOffSession: Bool?
        var wallet: String?
        var fundingLast4: String?
        var dispute: String?

        enum CodingKeys: String, CodingKey {
            case name, number, outcome, description, cvm, network, balance, limit, wallet, dispute
            case fundingLast4 = "funding_last4"
            case setUpExemptsOffSession = "set_up_exempts_off_session"
            case declineCode = "decline_code"
            case paymentMethod = "payment_method"
            case simulatorKey = "simulator_key"
        }

        func account() throws(PaymentCoreError) -> IssuerAccount? {
            guard balance != nil || limit != nil else { return nil }
            if let balance, balance < 0 {
                throw PaymentCoreError(code: .catalog, message: "Test card \"\(name)\": the balance must not be negative.", location: "balance")
            }
            if let limit, limit <= 0 {
                throw PaymentCoreError(code: .catalog, message: "Test card \"\(name)\": the limit must be positive.", location: "limit")
            }
            return IssuerAccount(balance: balance, limit: limit)
        }

        func card() throws(PaymentCoreError) -> TestCard {
            func fail(_ field: String, _ message: String) -> PaymentCoreError {
                PaymentCoreError(code: .catalog, message: "Test card \"\(name)\": \(message)", location: field)
            }
            guard !name.isEmpty else { throw fail("name", "the name must not be empty.") }
            var decline: DeclineCode?
            if let declineCode {
                guard let code = DeclineCode(rawValue: declineCode) else {
                    throw fail("decline_code", "\"\(declineCode)\" is not a Stripe decline code such as insufficient_funds.")
                }
                decline = code
            }
            let outcome: TestCardOutcome
            switch (self.outcome, decline) {
            case ("approved", nil): outcome = .approved
            case ("incorrect_number", nil): outcome = .incorrectNumber
            case ("declined", let code?): outcome = .declined(code)
            case ("charge_fails_after_attach", let code?): outcome = .chargeFailsAfterAttach(code)
            case ("requires_action", let code): outcome = .requiresAction(then: code, setUpExemptsOffSession: setUpExemptsOffSession ?? false)
            case ("approved", _?), ("incorrect_number", _?):
                throw fail("decline_code", "outcome \(self.outcome) takes no decline_code.")
            case ("declined", nil), ("charge_fails_after_attach", nil):
                throw fail("decline_code", "outcome \(self.outcome) needs a decline_code.")
            default:
                throw fail(
                    "outcome",
                    "\"\(self.outcome)\" is not an outcome; use approved, declined, incorrect_number, charge_fails_after_attach or requires_action."
                )
            }
            if setUpExemptsOffSession != nil, self.outcome != "requires_action" {
                throw fail("set_up_exempts_off_session", "only a requires_action card asks for 3-D Secure off session.")
            }
            var key: Character?
            if let simulatorKey {
                guard simulatorKey.count == 1, let character = simulatorKey.first else {
                    throw fail("simulator_key", "the simulator key must be one character, e.g. \"1\".")
                }
                key = character
            }
            var cardWallet: CardWallet?
            if let wallet {
                guard let kind = CardWallet.Kind(rawValue: wallet) else {
                    throw fail("wallet", "\"\(wallet)\" is not a wallet; use \(CardWallet.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                guard let last4 = fundingLast4, last4.count == 4, last4.allSatisfy(\.isASCII), last4.allSatisfy(\.isNumber) else {
                    throw fail("funding_last4", "a wallet card needs the four last digits of the card it holds (funding_last4).")
                }
                cardWallet = CardWallet(kind: kind, fundingLast4: last4)
            } else if fundingLast4 != nil {
                throw fail("funding_last4", "only a wallet card (wallet) has a funding card.")
            }
            if let dispute {
                let reasons = ["fraudulent", "product_not_received", "duplicate", "subscription_canceled", "unrecognized", "general"]
                guard reasons.contains(dispute) else { throw fail("dispute", "\"\(dispute)\" is not a dispute reason; use \(reasons.joined(separator: ", ")).") }
                guard self.outcome == "approved" else { throw fail("dispute", "only an approved card's payments can be disputed.") }
            }
            do throws(PaymentCoreError) {
                return try TestCard(
                    name: name,
                    number: number,
                    outcome: outcome,
                    paymentMethodID: paymentMethod,
                    description: description,
                    simulatorKey: key,
                    cvm: cvm,
                    network: network,
                    wallet: cardWallet,
                    dispute: dispute
                )
            } catch {
                throw PaymentCoreError(code: .catalog, message: error.message, location: "number")
            }
        }
    }
}

/// What the simulated issuer keeps for a test card: an open-to-buy (authorizations are held against it until
/// released by a cancel, a partial capture or a refund) and a largest single authorization, both in minor units
/// of the payment's currency; nil means unlimited.
public struct IssuerAccount: Sendable, Hashable {
    public var balance: Int64?
    public var limit: Int64?

    public init(balance: Int64? = nil, limit: Int64? = nil) {
        self.balance = balance
        self.limit = limit
    }
}

extension TestCardCatalog: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the numbers: a catalog is indexed by card number, and the default reflection of any value holding one
    /// (a service ServiceLifecycle logs at start, say) would print them all.
    public var description: String { "TestCardCatalog(\(cards.count) cards)" }
    public var debugDescription: String { description }
}
