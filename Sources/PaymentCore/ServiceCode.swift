/// The three-digit service code of a magnetic stripe (ISO/IEC 7813): interchange, authorization and PIN rules.
public struct ServiceCode: Hashable, Sendable, CustomStringConvertible {
    /// The three digits, e.g. "201".
    public let digits: String

    /// Validates exactly three ASCII digits.
    public init(_ digits: String) throws(PaymentCoreError) {
        guard digits.utf8.count == 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw PaymentCoreError(
                code: .invalidServiceCode,
                message: "A service code is exactly three digits, e.g. 201; got \(digits.utf8.count) characters.",
                location: "serviceCode"
            )
        }
        self.digits = digits
    }

    private var bytes: [UInt8] { Array(digits.utf8) }

    /// First digit 2 or 6: the card has a chip, so a swipe should become an insert (fallback rules apply).
    public var isChipCard: Bool { bytes[0] == UInt8(ascii: "2") || bytes[0] == UInt8(ascii: "6") }
    /// Third digit 0, 3 or 5: a PIN is required.
    public var requiresPIN: Bool { [UInt8(ascii: "0"), UInt8(ascii: "3"), UInt8(ascii: "5")].contains(bytes[2]) }
    /// First digit 1 or 2: valid for international interchange.
    public var isInternational: Bool { bytes[0] == UInt8(ascii: "1") || bytes[0] == UInt8(ascii: "2") }
    /// Second digit 2 or 4: transactions must be authorized online by the issuer.
    public var requiresOnlineAuthorization: Bool { bytes[1] == UInt8(ascii: "2") || bytes[1] == UInt8(ascii: "4") }

    /// The three digits.
    public var description: String { digits }
}
