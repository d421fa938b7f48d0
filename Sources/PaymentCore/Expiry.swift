import Foundation

/// A card's expiry month; the card is valid through the last day of that month (UTC).
public struct Expiry: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// 1–12.
    public let month: Int
    /// Four-digit year, 2000–2099.
    public let year: Int

    /// Validates month 1–12 and year 2000–2099; a two-digit year (0–99) means 20YY.
    public init(month: Int, year: Int) throws(PaymentCoreError) {
        guard (1...12).contains(month) else {
            throw PaymentCoreError(code: .invalidExpiry, message: "The expiry month must be 01 to 12, not \(month).", location: "expiry.month")
        }
        let fullYear = (0...99).contains(year) ? 2000 + year : year
        guard (2000...2099).contains(fullYear) else {
            throw PaymentCoreError(
                code: .invalidExpiry,
                message: "The expiry year must be two digits or 2000–2099, not \(year).",
                location: "expiry.year"
            )
        }
        self.month = month
        self.year = fullYear
    }

    /// Reads the four digits "YYMM" used on magnetic stripes and in EMV track 2 equivalent data.
    public init(yymm: String) throws(PaymentCoreError) {
        let bytes = Array(yymm.utf8)
        guard bytes.count == 4, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw PaymentCoreError(
                code: .invalidExpiry,
                message: "An expiry date in YYMM form is exactly four digits, e.g. 2612 for December 2026.",
                location: "expiry"
            )
        }
        let year = Int(bytes[0] - 0x30) * 10 + Int(bytes[1] - 0x30)
        let month = Int(bytes[2] - 0x30) * 10 + Int(bytes[3] - 0x30)
        try self.init(month: month, year: year)
    }

    /// "YYMM", e.g. "2612".
    public var yymm: String { twoDigits(year % 100) + twoDigits(month) }

    /// True once `date` is past the last day of the expiry month in UTC.
    public func isExpired(at date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let now = calendar.dateComponents([.year, .month], from: date)
        guard let nowYear = now.year, let nowMonth = now.month else { return true }
        return (nowYear, nowMonth) > (year, month)
    }

    /// Earlier months first.
    public static func < (lhs: Expiry, rhs: Expiry) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    /// "MM/YY", as printed on the card.
    public var description: String { "\(twoDigits(month))/\(twoDigits(year % 100))" }

    private func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
