/// One card of the shared test-card catalog: its number, what it does, and how to pick it.
///
/// Test numbers are public, yet the mirror still shows only the masked number so logs stay free of PANs.
public struct TestCard: Sendable, Hashable, Identifiable, CustomReflectable {
    /// Unique snake_case name, e.g. "visa_insufficient_funds".
    public let name: String
    /// The card number; nil only for the card whose number deliberately fails the Luhn check.
    public let pan: PAN?
    /// What happens when the card is used.
    public let outcome: TestCardOutcome
    /// The Stripe test PaymentMethod id, e.g. "pm_card_visa".
    public let paymentMethodID: String?
    /// A line for people, e.g. "Visa — succeeds".
    public let description: String
    /// The key ("1"–"9") that picks this card in the terminal's card simulator.
    public let simulatorKey: Character?
    /// The cardholder verification the card asks for on a terminal: "offline_pin", "online_pin", or nil.
    public let cvm: String?
    /// The debit network when it is not the brand's own, e.g. "interac".
    public let network: String?
    /// When the number is a phone wallet's device account number: which wallet, and the held card's last four.
    public let wallet: CardWallet?
    /// The dispute reason its captured payments are disputed with (Stripe's `pm_card_createDispute` cards).
    public let dispute: String?
    private let numberDigits: String

    /// Creates a card; `number` may contain spaces and must fail the Luhn check exactly when `outcome` is `.incorrectNumber`.
    public init(
        name: String,
        number: String,
        outcome: TestCardOutcome,
        paymentMethodID: String? = nil,
        description: String,
        simulatorKey: Character? = nil,
        cvm: String? = nil,
        network: String? = nil,
        wallet: CardWallet? = nil,
        dispute: String? = nil
    ) throws(PaymentCoreError) {
        let digits = String(number.filter { $0 != " " })
        if outcome == .incorrectNumber {
            guard (12...19).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), !PAN.luhnValid(digits) else {
                throw PaymentCoreError(
                    code: .catalog,
                    message: "Test card \"\(name)\" has outcome incorrect_number, so its number must be 12–19 digits that fail the Luhn check.",
                    location: "number"
                )
            }
            pan = nil
        } else {
            do throws(PaymentCoreError) {
                pan = try PAN(digits)
            } catch {
                throw PaymentCoreError(code: .catalog, message: "Test card \"\(name)\": \(error.message)", location: "number")
            }
        }
        self.name = name
        self.numberDigits = digits
        self.outcome = outcome
        self.paymentMethodID = paymentMethodID
        self.description = description
        self.simulatorKey = simulatorKey
        self.cvm = cvm
        self.network = network
        self.wallet = wallet
        self.dispute = dispute
    }

    /// The name.
    public var id: String { name }
    /// The last four digits of the number.
    public var last4: String { String(numberDigits.suffix(4)) }
    /// The brand from the number's IIN.
    public var brand: CardBrand { CardBrand.detect(digits: numberDigits) }
    /// The number masked like `PAN.masked`, also for the Luhn-invalid card.
    public var maskedNumber: String { PAN.mask(numberDigits) }

    /// True when `digits` (spaces ignored) is this card's number.
    public func hasNumber(_ digits: String) -> Bool {
        digits.filter { $0 != " " } == numberDigits
    }

    /// The digits the catalog indexes the card by; internal so the number stays behind `pan`.
    var numberKey: String { numberDigits }

    /// A mirror without the number in clear.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "number": maskedNumber, "outcome": outcome], displayStyle: .struct)
    }
}
