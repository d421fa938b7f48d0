/// An ISO 4217 currency that knows how many minor-unit digits it has.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Upper-case alphabetic code, e.g. "EUR".
    public let code: String
    /// ISO 4217 numeric code, e.g. 978 (EMV tags 5F2A and 9F42 carry it).
    public let numericCode: Int
    /// Number of minor-unit digits: 2 for EUR, 0 for JPY, 3 for KWD, 4 for CLF.
    public let exponent: Int
    /// English name from ISO 4217.
    public let name: String

    init(_ code: String, _ numericCode: Int, _ exponent: Int, _ name: String) {
        self.code = code
        self.numericCode = numericCode
        self.exponent = exponent
        self.name = name
    }

    /// Looks up an active ISO 4217 code, ignoring case ("usd" and "USD" both work).
    public init(code: String) throws(PaymentCoreError) {
        guard let known = Self.byCode[code.uppercased()] else {
            throw PaymentCoreError(
                code: .invalidCurrency,
                message: "\"\(code.prefix(8))\" is not an active ISO 4217 currency code; use a three-letter code such as EUR or USD.",
                location: "currency"
            )
        }
        self = known
    }

    /// The currency with this ISO 4217 numeric code, e.g. 840 → USD.
    public static func lookup(numeric: Int) -> Currency? {
        byNumeric[numeric]
    }

    /// True when amounts have no minor unit (JPY, KRW, ...); Stripe calls these zero-decimal.
    public var isZeroDecimal: Bool { exponent == 0 }

    /// The alphabetic code.
    public var description: String { code }

    /// Decodes from the alphabetic code string, in any case.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(PaymentCoreError) {
            self = try Currency(code: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes as the upper-case alphabetic code string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    private static let byCode: [String: Currency] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
    private static let byNumeric: [Int: Currency] = Dictionary(uniqueKeysWithValues: all.map { ($0.numericCode, $0) })
}

extension Currency {
    /// US Dollar.
    public static let usd = Currency("USD", 840, 2, "US Dollar")
    /// Euro.
    public static let eur = Currency("EUR", 978, 2, "Euro")
    /// Pound Sterling.
    public static let gbp = Currency("GBP", 826, 2, "Pound Sterling")
    /// Yen (zero-decimal).
    public static let jpy = Currency("JPY", 392, 0, "Yen")
    /// Kuwaiti Dinar (three decimals).
    public static let kwd = Currency("KWD", 414, 3, "Kuwaiti Dinar")
    /// Swiss Franc.
    public static let chf = Currency("CHF", 756, 2, "Swiss Franc")
    /// Canadian Dollar.
    public static let cad = Currency("CAD", 124, 2, "Canadian Dollar")
}
