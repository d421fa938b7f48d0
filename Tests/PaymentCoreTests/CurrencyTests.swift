import Foundation
import Testing
import PaymentCore

@Suite("Currency")
struct CurrencyTests {
    @Test(arguments: [
        ("USD", 840, 2), ("EUR", 978, 2), ("GBP", 826, 2), ("JPY", 392, 0), ("KRW", 410, 0),
        ("KWD", 414, 3), ("BHD", 48, 3), ("JOD", 400, 3), ("OMR", 512, 3), ("TND", 788, 3),
        ("LYD", 434, 3), ("IQD", 368, 3), ("CLF", 990, 4), ("UYW", 927, 4), ("VND", 704, 0),
        ("ISK", 352, 0), ("XOF", 952, 0), ("XAF", 950, 0), ("CHF", 756, 2), ("CAD", 124, 2),
        ("AUD", 36, 2), ("VES", 928, 2), ("SLE", 925, 2), ("MRU", 929, 2), ("STN", 930, 2),
        ("ZWG", 924, 2), ("XCG", 532, 2), ("CLP", 152, 0), ("UGX", 800, 0), ("XPF", 953, 0),
    ])
    func isoData(code: String, numeric: Int, exponent: Int) throws {
        let currency = try Currency(code: code)
        #expect(currency.code == code)
        #expect(currency.numericCode == numeric)
        #expect(currency.exponent == exponent)
        #expect(currency.isZeroDecimal == (exponent == 0))
        #expect(Currency.lookup(numeric: numeric) == currency)
        #expect(!currency.name.isEmpty)
    }

    @Test func listIsCompleteAndUnique() {
        #expect(Currency.all.count >= 150)
        #expect(Set(Currency.all.map(\.code)).count == Currency.all.count)
        #expect(Set(Currency.all.map(\.numericCode)).count == Currency.all.count)
        for currency in Currency.all {
            #expect(currency.code.count == 3 && currency.code.allSatisfy { $0.isASCII && $0.isUppercase }, "\(currency.code)")
            #expect((1...999).contains(currency.numericCode), "\(currency.code)")
            #expect([0, 2, 3, 4].contains(currency.exponent), "\(currency.code)")
        }
    }

    @Test func withdrawnAndNonMonetaryCodesAreAbsent() {
        for code in ["ANG", "HRK", "SLL", "ZWL", "VEF", "MRO", "STD", "XAU", "XDR", "XTS", "XXX"] {
            expectError(.invalidCurrency) { try Currency(code: code) }
        }
    }

    @Test func conveniencesMatchTheTable() throws {
        let statics: [(Currency, String)] = [(.usd, "USD"), (.eur, "EUR"), (.gbp, "GBP"), (.jpy, "JPY"), (.kwd, "KWD"), (.chf, "CHF"), (.cad, "CAD")]
        for (currency, code) in statics {
            #expect(try Currency(code: code) == currency)
            #expect(Currency.all.contains(currency))
        }
    }

    @Test func codeIsCaseInsensitive() throws {
        #expect(try Currency(code: "usd") == .usd)
        #expect(try Currency(code: "Eur") == .eur)
    }

    @Test(arguments: ["", "US", "USDX", "XYZ", "€", "12"])
    func rejectsUnknownCodes(_ code: String) {
        let error = expectError(.invalidCurrency) { try Currency(code: code) }
        #expect(error?.location == "currency")
    }

    @Test func unknownNumericIsNil() {
        #expect(Currency.lookup(numeric: 999) == nil)
        #expect(Currency.lookup(numeric: 0) == nil)
    }

    @Test func codableAsCodeString() throws {
        let data = try JSONEncoder().encode([Currency.eur, Currency.jpy])
        #expect(String(decoding: data, as: UTF8.self) == #"["EUR","JPY"]"#)
        let decoded = try JSONDecoder().decode([Currency].self, from: Data(#"["usd","KWD"]"#.utf8))
        #expect(decoded == [.usd, .kwd])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Currency].self, from: Data(#"["ABC"]"#.utf8)) }
    }

    @Test func descriptionIsCode() {
        #expect("\(Currency.chf)" == "CHF")
    }
}
