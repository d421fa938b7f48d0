/// An International Bank Account Number (ISO 13616), checked: a country of the IBAN registry, that country's length,
/// letters and digits only, and the ISO 7064 mod-97-10 check digits. Like `PAN` it prints masked; the full number is
/// only for the vault (`revealDigits`). Hand-written: the check is a dozen lines and the registry a table, less than
/// a dependency would cost.
public struct IBAN: Sendable, Hashable, CustomStringConvertible {
    /// Why a text is not an IBAN; each names what is wrong.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case badCharacters
        case unknownCountry(String)
        case wrongLength(country: String, expected: Int, got: Int)
        case checksum

        public var description: String {
            switch self {
            case .badCharacters: "an IBAN has only letters and digits (spaces are allowed between groups)"
            case .unknownCountry(let c): "\(c.prefix(2)) is not the country code of an IBAN country"
            case .wrongLength(let c, let expected, let got): "an IBAN of \(c) has \(expected) characters, not \(got)"
            case .checksum: "its check digits do not match (mod 97)"
            }
        }
    }

    /// Upper case, without spaces.
    private let text: String

    public init(_ input: String) throws(Problem) {
        let compact = String(input.filter { $0 != " " }).uppercased()
        guard !compact.isEmpty, compact.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }) else {
            throw .badCharacters
        }
        let country = String(compact.prefix(2))
        guard let length = Self.lengths[country] else { throw .unknownCountry(country) }
        guard compact.count == length else { throw .wrongLength(country: country, expected: length, got: compact.count) }
        guard Self.mod97(compact) == 1 else { throw .checksum }
        text = compact
    }

    /// ISO 7064 mod 97-10 over the IBAN with its first four characters moved to the end, letters as 10–35.
    static func mod97(_ iban: String) -> Int {
        let rearranged = iban.dropFirst(4) + iban.prefix(4)
        var remainder = 0
        for byte in rearranged.utf8 {
            let value = byte <= 0x39 ? Int(byte - 0x30) : Int(byte - 0x41) + 10
            remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97
        }
        return remainder
    }

    public var country: String { String(text.prefix(2)) }
    public var last4: String { String(text.suffix(4)) }
    /// The bank and branch codes inside the national number, where the registry places them (nil where the
    /// country has no branch code, or this table does not know it).
    public var bankCode: String { national(Self.bankCodes[country] ?? 0..<4) }
    public var branchCode: String? { Self.branchCodes[country].map(national) }

    private func national(_ range: Range<Int>) -> String {
        let bban = Array(text.dropFirst(4))
        return String(bban[min(range.lowerBound, bban.count)..<min(range.upperBound, bban.count)])
    }

    /// `DE89 **** **** **** **30 00`: the country, the check digits and the last four.
    public var masked: String {
        let hidden = text.prefix(4) + String(repeating: "*", count: text.count - 8) + text.suffix(4)
        return stride(from: 0, to: hidden.count, by: 4).map { start in
            String(hidden.dropFirst(start).prefix(4))
        }.joined(separator: " ")
    }

    public var description: String { masked }

    /// The full number, for sealing in the vault and for nothing else.
    public func revealDigits() -> String { text }

    /// IBAN lengths of the SEPA countries and territories (SWIFT's IBAN registry).
    static let lengths: [String: Int] = [
        "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
        "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
        "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
        "SI": 19, "SK": 24, "SM": 27, "VA": 22,
    ]

    /// Where the bank code sits in the national number (after country and check digits).
    static let bankCodes: [String: Range<Int>] = [
        "AT": 0..<5, "BE": 0..<3, "DE": 0..<8, "EE": 0..<2, "ES": 0..<4, "FI": 0..<3, "FR": 0..<5, "HR": 0..<7,
        "IT": 1..<6, "LU": 0..<3, "MC": 0..<5, "NL": 0..<4, "PT": 0..<4, "SM": 1..<6,
    ]
    static let branchCodes: [String: Range<Int>] = ["ES": 4..<8, "FR": 5..<10, "IT": 6..<11, "MC": 5..<10, "PT": 4..<8, "SM": 6..<11]
}
