/// An amount in a currency's minor unit (cents, yen, fils): never a floating-point number.
///
/// `<` orders by currency code first and then by amount, so sorting a mixed list never traps;
/// use `compared(to:)` where amounts in different currencies must be rejected instead.
public struct Money: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    /// The amount in minor units; negative for credits and refunds.
    public let minorUnits: Int64
    /// The currency whose exponent gives `minorUnits` its meaning.
    public let currency: Currency

    /// Wraps an amount already expressed in minor units.
    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Parses a non-negative decimal amount in major units: "12", "12.3", "12.34".
    ///
    /// Rejects signs, exponents, grouping, commas and more fraction digits than the currency has.
    /// Error messages never repeat the input, which might be a mistyped card number.
    public static func parse(_ text: String, currency: Currency) throws(PaymentCoreError) -> Money {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : nil
        guard !whole.isEmpty, whole.utf8.allSatisfy(isASCIIDigit),
              fraction.map({ !$0.isEmpty && $0.utf8.allSatisfy(isASCIIDigit) }) ?? true
        else {
            throw PaymentCoreError(
                code: .invalidAmount,
                message: "An amount is digits with an optional decimal point, e.g. 12.34, without sign, spaces or grouping.",
                location: "amount"
            )
        }
        let fractionDigits = fraction?.count ?? 0
        guard fractionDigits <= currency.exponent else {
            let allowed = currency.exponent == 0
                ? "\(currency.code) has no decimal places"
                : "\(currency.code) allows at most \(currency.exponent) decimal place\(currency.exponent == 1 ? "" : "s")"
            throw PaymentCoreError(code: .wrongPrecision, message: "\(allowed); this amount has \(fractionDigits).", location: "amount")
        }
        let padded = String(whole) + String(fraction ?? "") + String(repeating: "0", count: currency.exponent - fractionDigits)
        return Money(minorUnits: try minorUnits(fromDigits: padded, currency: currency), currency: currency)
    }

    /// Reads keypad entry where the digits are minor units: "1234" in EUR is 12.34.
    public static func fromDigits(_ digits: String, currency: Currency) throws(PaymentCoreError) -> Money {
        guard !digits.isEmpty, digits.utf8.allSatisfy(isASCIIDigit) else {
            throw PaymentCoreError(code: .invalidAmount, message: "A keypad amount is one or more digits, nothing else.", location: "amount")
        }
        return Money(minorUnits: try minorUnits(fromDigits: digits, currency: currency), currency: currency)
    }

    /// The amount in major units with the currency's decimals and no grouping: "1000.00", "1000" (JPY), "1.234" (KWD).
    public var formatted: String {
        let magnitude = String(minorUnits.magnitude)
        let sign = minorUnits < 0 ? "-" : ""
        let exponent = currency.exponent
        guard exponent > 0 else { return sign + magnitude }
        let digits = String(repeating: "0", count: max(0, exponent + 1 - magnitude.count)) + magnitude
        let split = digits.index(digits.endIndex, offsetBy: -exponent)
        return "\(sign)\(digits[..<split]).\(digits[split...])"
    }

    /// The formatted amount, preceded by the currency code when `withCode` is true: "EUR 12.34".
    public func formatted(withCode: Bool) -> String {
        withCode ? "\(currency.code) \(formatted)" : formatted
    }

    /// "EUR 12.34".
    public var description: String { formatted(withCode: true) }

    /// The sum; throws on a currency mismatch or Int64 overflow.
    public func adding(_ other: Money) throws(PaymentCoreError) -> Money {
        try requireSameCurrency(other, operation: "add")
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw Self.overflow("The sum of \(self) and \(other)") }
        return Money(minorUnits: sum, currency: currency)
    }

    /// The difference; throws on a currency mismatch or Int64 overflow.
    public func subtracting(_ other: Money) throws(PaymentCoreError) -> Money {
        try requireSameCurrency(other, operation: "subtract")
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw Self.overflow("The difference of \(self) and \(other)") }
        return Money(minorUnits: difference, currency: currency)
    }

    /// -1, 0 or 1 comparing amounts; throws when the currencies differ.
    public func compared(to other: Money) throws(PaymentCoreError) -> Int {
        try requireSameCurrency(other, operation: "compare")
        return minorUnits < other.minorUnits ? -1 : (minorUnits == other.minorUnits ? 0 : 1)
    }

    /// Orders by currency code, then amount; never traps.
    public static func < (lhs: Money, rhs: Money) -> Bool {
        if lhs.currency != rhs.currency { return lhs.currency.code < rhs.currency.code }
        return lhs.minorUnits < rhs.minorUnits
    }

    private func requireSameCurrency(_ other: Money, operation: String) throws(PaymentCoreError) {
        guard currency == other.currency else {
            throw PaymentCoreError(
                code: .currencyMismatch,
                message: "Cannot \(operation) \(currency.code) and \(other.currency.code) amounts; convert to one currency first.",
                location: "currency"
            )
        }
    }

    private static func minorUnits(fromDigits digits: String, currency: Currency) throws(PaymentCoreError) -> Int64 {
        var value: Int64 = 0
        for byte in digits.utf8 {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else {
                throw overflow("\(digits.count) digits of \(currency.code) minor units")
            }
            value = next
        }
        return value
    }

    private static func overflow(_ what: String) -> PaymentCoreError {
        PaymentCoreError(code: .amountOverflow, message: "\(what) is too large to represent; use a smaller amount.", location: "amount")
    }

    private static func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
