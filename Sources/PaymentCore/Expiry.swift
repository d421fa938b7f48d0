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
        let now = Self.utcYearMonth(date)
        return (now.year, now.month) > (year, month)
    }

    /// The UTC calendar year and month of `date` (proleptic Gregorian), computed directly from the day count
    /// (H. Hinnant's civil-from-days) — a `Calendar` per call was a measurable share of every gateway payment.
    public static func utcYearMonth(_ date: Date) -> (year: Int, month: Int) {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month)
    }

    /// Earlier months first.
    public static func < (lhs: Expiry, rhs: Expiry) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    /// "MM/YY", as printed on the card.
    public var description: String { "\(twoDigits(month))/\(twoDigits(year % 100))" }

    private func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
