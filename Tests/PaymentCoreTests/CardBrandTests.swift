import Testing
import PaymentCore

@Suite("CardBrand")
struct CardBrandTests {
    /// Pads an IIN prefix to a 16-digit string; detection looks at prefixes only.
    static func number(_ prefix: String) -> String { prefix + String(repeating: "0", count: 16 - prefix.count) }

    @Test(arguments: [
        ("4", CardBrand.visa), ("49", .visa),
        ("2220", .unknown), ("2221", .mastercard), ("2720", .mastercard), ("2721", .unknown),
        ("50", .maestro), ("51", .mastercard), ("55", .mastercard), ("56", .maestro), ("58", .maestro), ("59", .unknown),
        ("33", .unknown), ("34", .amex), ("35", .unknown), ("37", .amex),
        ("3527", .unknown), ("3528", .jcb), ("3589", .jcb), ("3590", .unknown),
        ("299", .unknown), ("300", .diners), ("305", .diners), ("306", .unknown), ("36", .diners), ("38", .diners), ("39", .diners),
        ("6010", .unknown), ("6011", .discover), ("6012", .unknown),
        ("643", .unknown), ("644", .discover), ("649", .discover), ("65", .discover),
        ("62", .unionpay), ("622125", .unionpay), ("622126", .unionpay), ("622925", .unionpay), ("81", .unionpay), ("80", .unknown),
        ("6303", .unknown), ("6304", .maestro), ("6305", .unknown), ("6758", .unknown), ("6759", .maestro), ("6760", .unknown),
        ("676770", .maestro), ("676771", .unknown), ("676774", .maestro),
        ("1", .unknown), ("7", .unknown), ("9", .unknown),
    ])
    func iinRanges(prefix: String, brand: CardBrand) {
        #expect(CardBrand.detect(digits: Self.number(prefix)) == brand, "\(prefix)")
    }

    @Test func shortAndOddInput() {
        #expect(CardBrand.detect(digits: "") == .unknown)
        #expect(CardBrand.detect(digits: "4") == .visa)
        #expect(CardBrand.detect(digits: "222") == .unknown)  // too short to tell 2221–2720
        #expect(CardBrand.detect(digits: "3") == .unknown)
        #expect(CardBrand.detect(digits: "4242 4242") == .visa)
        #expect(CardBrand.detect(digits: "abc") == .unknown)
        #expect(CardBrand.detect(digits: "4x") == .unknown)
    }

    @Test func rawValuesAreStripeBrands() {
        #expect(CardBrand.allCases.map(\.rawValue) == ["visa", "mastercard", "amex", "discover", "diners", "jcb", "unionpay", "maestro", "unknown"])
    }

    @Test func displayNames() {
        #expect(CardBrand.visa.displayName == "Visa")
        #expect(CardBrand.mastercard.displayName == "Mastercard")
        #expect(CardBrand.amex.displayName == "American Express")
        #expect(Set(CardBrand.allCases.map(\.displayName)).count == CardBrand.allCases.count)
    }
}
