import Foundation

/// A calendar date as EMV carries it (YYMMDD in BCD, tags 9A, 5F24, 5F25), years 2000–2099.
public struct TransactionDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Validates a real calendar day in 2000–2099.
    public init(year: Int, month: Int, day: Int) throws(EMVError) {
        guard (2000...2099).contains(year), (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else {
            throw EMVError(.invalidData, "\(year)-\(month)-\(day) is not a date between 2000 and 2099.", location: "date")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date of `date` in `timeZone` (UTC by default).
    public init(_ date: Date, timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current) throws(EMVError) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        try self.init(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
    }

    /// Reads three BCD bytes YYMMDD.
    public init(bcd bytes: [UInt8]) throws(EMVError) {
        guard bytes.count == 3, let digits = BCD.digits(bytes), digits.count == 6 else {
            throw EMVError(.invalidData, "An EMV date is three BCD bytes YYMMDD.", location: "date")
        }
        let value = digits.map { Int($0) }
        try self.init(year: 2000 + value[0] * 10 + value[1], month: value[2] * 10 + value[3], day: value[4] * 10 + value[5])
    }

    /// The last day of an expiry month, as tag 5F24 carries it.
    public static func lastDay(of month: Int, year: Int) throws(EMVError) -> TransactionDate {
        try TransactionDate(year: year, month: month, day: daysIn(month: max(1, min(12, month)), year: year))
    }

    /// Three BCD bytes YYMMDD.
    public var bcd: [UInt8] {
        [year % 100, month, day].map { UInt8($0 / 10) << 4 | UInt8($0 % 10) }
    }

    public static func < (lhs: TransactionDate, rhs: TransactionDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// "2026-11-26".
    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
