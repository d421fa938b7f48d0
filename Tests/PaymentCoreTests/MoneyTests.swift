import Testing
import PaymentCore

@Suite("Money")
struct MoneyTests {
    @Test(arguments: [
        ("12", Currency.eur, Int64(1200)),
        ("12.3", .eur, 1230),
        ("12.34", .eur, 1234),
        ("0", .eur, 0),
        ("0.01", .eur, 1),
        ("007.50", .eur, 750),
        ("1000", .jpy, 1000),
        ("1.234", .kwd, 1234),
        ("1.2", .kwd, 1200),
        ("0.0001", try! Currency(code: "CLF"), 1),
        ("92233720368547758.07", .eur, Int64.max),
        ("9223372036854775807", .jpy, Int64.max),
    ])
    func parsesAmounts(text: String, currency: Currency, minorUnits: Int64) throws {
        let money = try Money.parse(text, currency: currency)
        #expect(money == Money(minorUnits: minorUnits, currency: currency))
    }

    @Test(arguments: [
        ("12.345", Currency.eur, PaymentCoreError.Code.wrongPrecision),
        ("12.340", .eur, .wrongPrecision),
        ("1.5", .jpy, .wrongPrecision),
        ("1.0", .jpy, .wrongPrecision),
        ("1.2345", .kwd, .wrongPrecision),
        ("", .eur, .invalidAmount),
        ("-1", .eur, .invalidAmount),
        ("+1", .eur, .invalidAmount),
        ("1e3", .eur, .invalidAmount),
        ("12,34", .eur, .invalidAmount),
        ("abc", .eur, .invalidAmount),
        ("12.", .eur, .invalidAmount),
        (".5", .eur, .invalidAmount),
        (" 12", .eur, .invalidAmount),
        ("1 000", .eur, .invalidAmount),
        ("1.2.3", .eur, .invalidAmount),
        ("١٢", .eur, .invalidAmount),
        ("92233720368547758.08", .eur, .amountOverflow),
        ("99999999999999999999", .jpy, .amountOverflow),
    ])
    func rejectsBadAmounts(text: String, currency: Currency, code: PaymentCoreError.Code) {
        let error = expectError(code) { try Money.parse(text, currency: currency) }
        #expect(error?.location == "amount")
        #expect(error.map { !$0.message.isEmpty } == true)
    }

    @Test(arguments: [
        (Int64(1234), Currency.eur, "12.34"),
        (100_000, .eur, "1000.00"),
        (5, .eur, "0.05"),
        (0, .eur, "0.00"),
        (-5, .eur, "-0.05"),
        (-123_456, .eur, "-1234.56"),
        (1000, .jpy, "1000"),
        (-7, .jpy, "-7"),
        (1234, .kwd, "1.234"),
        (1, try! Currency(code: "CLF"), "0.0001"),
        (Int64.max, .eur, "92233720368547758.07"),
        (Int64.min, .eur, "-92233720368547758.08"),
    ])
    func formats(minorUnits: Int64, currency: Currency, expected: String) {
        let money = Money(minorUnits: minorUnits, currency: currency)
        #expect(money.formatted == expected)
        #expect(money.formatted(withCode: false) == expected)
        #expect(money.formatted(withCode: true) == "\(currency.code) \(expected)")
        #expect(money.description == "\(currency.code) \(expected)")
    }

    @Test(arguments: Currency.all)
    func formatParseRoundTrip(currency: Currency) throws {
        for units: Int64 in [0, 1, 7, 99, 100, 12_345, 1_000_000_007] {
            let money = Money(minorUnits: units, currency: currency)
            #expect(try Money.parse(money.formatted, currency: currency) == money)
        }
    }

    @Test func keypadDigitsAreMinorUnits() throws {
        #expect(try Money.fromDigits("1234", currency: .eur).formatted == "12.34")
        #expect(try Money.fromDigits("1234", currency: .jpy).formatted == "1234")
        #expect(try Money.fromDigits("00012", currency: .eur).minorUnits == 12)
        #expect(try Money.fromDigits("0", currency: .kwd).formatted == "0.000")
        expectError(.invalidAmount) { try Money.fromDigits("", currency: .eur) }
        expectError(.invalidAmount) { try Money.fromDigits("12.3", currency: .eur) }
        expectError(.invalidAmount) { try Money.fromDigits("-1", currency: .eur) }
        expectError(.amountOverflow) { try Money.fromDigits("9223372036854775808", currency: .eur) }
    }

    @Test func arithmeticChecksCurrencyAndOverflow() throws {
        let a = Money(minorUnits: 1050, currency: .eur)
        let b = Money(minorUnits: 250, currency: .eur)
        #expect(try a.adding(b) == Money(minorUnits: 1300, currency: .eur))
        #expect(try b.subtracting(a) == Money(minorUnits: -800, currency: .eur))
        expectError(.currencyMismatch) { try a.adding(Money(minorUnits: 1, currency: .usd)) }
        expectError(.currencyMismatch) { try a.subtracting(Money(minorUnits: 1, currency: .gbp)) }
        expectError(.amountOverflow) { () throws(PaymentCoreError) in
            try Money(minorUnits: .max, currency: .eur).adding(Money(minorUnits: 1, currency: .eur))
        }
        expectError(.amountOverflow) { () throws(PaymentCoreError) in
            try Money(minorUnits: .min, currency: .eur).subtracting(Money(minorUnits: 1, currency: .eur))
        }
    }

    @Test func comparison() throws {
        let small = Money(minorUnits: 100, currency: .eur)
        let large = Money(minorUnits: 200, currency: .eur)
        #expect(small < large)
        #expect(!(large < small))
        #expect(try small.compared(to: large) == -1)
        #expect(try large.compared(to: large) == 0)
        #expect(try large.compared(to: small) == 1)
        let dollars = Money(minorUnits: 1, currency: .usd)
        // Mixed currencies order by code (EUR < USD) without trapping; the checked helper refuses them.
        #expect(large < dollars)
        #expect(!(dollars < small))
        #expect([dollars, large, small].sorted() == [small, large, dollars])
        expectError(.currencyMismatch) { try small.compared(to: dollars) }
    }
}
