import Foundation
import Testing
import PaymentCore
import TestSupport

@Suite("Expiry and ServiceCode")
struct ExpiryTests {
    static func utc(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    @Test func createsFromTwoAndFourDigitYears() throws {
        let short = try Expiry(month: 12, year: 26)
        #expect(short.year == 2026 && short.month == 12)
        #expect(try Expiry(month: 12, year: 2026) == short)
        #expect(try Expiry(month: 1, year: 0).year == 2000)
        #expect(short.yymm == "2612")
        #expect(short.description == "12/26")
        #expect(try Expiry(month: 3, year: 2030).description == "03/30")
        #expect(try Expiry(month: 3, year: 2005).yymm == "0503")
    }

    @Test(arguments: [(0, 2026), (13, 2026), (-1, 26), (12, 1999), (12, 2100), (12, 100), (12, -1)])
    func rejects(month: Int, year: Int) {
        expectError(.invalidExpiry) { try Expiry(month: month, year: year) }
    }

    @Test func yymm() throws {
        #expect(try Expiry(yymm: "3412") == Expiry(month: 12, year: 2034))
        for bad in ["2613", "2600", "261", "26123", "26a2", "", "２６１２"] {
            expectError(.invalidExpiry) { try Expiry(yymm: bad) }
        }
    }

    @Test func validThroughTheLastDayOfTheMonthUTC() throws {
        let expiry = try Expiry(month: 12, year: 2026)
        #expect(!expiry.isExpired(at: Self.utc("2026-01-01T00:00:00Z")))
        #expect(!expiry.isExpired(at: Self.utc("2026-12-31T23:59:59Z")))
        #expect(expiry.isExpired(at: Self.utc("2027-01-01T00:00:00Z")))
        // Midnight in Paris on 1 January is still 31 December in UTC.
        #expect(!expiry.isExpired(at: Self.utc("2027-01-01T00:30:00+01:00")))
        let february = try Expiry(month: 2, year: 2028)
        #expect(!february.isExpired(at: Self.utc("2028-02-29T12:00:00Z")))
        #expect(february.isExpired(at: Self.utc("2028-03-01T00:00:00Z")))
    }

    @Test func ordering() throws {
        #expect(try Expiry(month: 12, year: 2025) < Expiry(month: 1, year: 2026))
        #expect(try Expiry(month: 2, year: 2026) > Expiry(month: 1, year: 2026))
    }

    @Test(arguments: [
        ("101", false, false, true),
        ("201", true, false, true),
        ("220", true, true, true),
        ("206", true, false, true),
        ("601", true, false, false),
        ("123", false, true, true),
        ("505", false, true, false),
    ])
    func serviceCode(digits: String, chip: Bool, pin: Bool, international: Bool) throws {
        let code = try ServiceCode(digits)
        #expect(code.isChipCard == chip)
        #expect(code.requiresPIN == pin)
        #expect(code.isInternational == international)
        #expect(code.digits == digits && code.description == digits)
    }

    @Test func serviceCodeOnlineAuthorization() throws {
        #expect(try ServiceCode("221").requiresOnlineAuthorization)
        #expect(try !ServiceCode("201").requiresOnlineAuthorization)
    }

    @Test(arguments: ["", "12", "1234", "2a1", " 201"])
    func rejectsServiceCode(_ digits: String) {
        expectError(.invalidServiceCode) { try ServiceCode(digits) }
    }

    @Test func utcYearMonthAgreesWithFoundationsCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SeededGenerator(seed: 0x5EED_CA1E)
        let edges: [Double] = [0, -1, 86_399, 86_400, 951_782_400 /* 2000-02-29 */, 4_107_542_399 /* 2100-02-28 23:59:59 */, -2_208_988_800]
        let random = (0..<2_000).map { _ in Double(Int64.random(in: -5_000_000_000...8_000_000_000, using: &rng)) }
        for t in edges + random {
            let date = Date(timeIntervalSince1970: t)
            let parts = calendar.dateComponents([.year, .month], from: date)
            let mine = Expiry.utcYearMonth(date)
            #expect(mine.year == parts.year && mine.month == parts.month, "\(t)")
        }
    }
}
