import Foundation

/// The calendar of a recurring price: periods of `count` `interval`s counted from the subscription's billing cycle
/// anchor, in UTC. Each period end is the anchor plus a whole number of periods (not the previous end plus one), so
/// a subscription anchored on January 31st renews on February 28th (29th), then March 31st, as Stripe's do.
struct BillingPeriod: Sendable, Equatable {
    var interval: RecurringInterval
    var count: Int64

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The anchor moved forward by `periods` periods (Unix seconds).
    func end(anchor: Int64, periods: Int64) -> Int64 {
        let start = Date(timeIntervalSince1970: TimeInterval(anchor))
        let n = Int(periods * count)
        let date: Date? = switch interval {
        case .day: Self.calendar.date(byAdding: .day, value: n, to: start)
        case .week: Self.calendar.date(byAdding: .day, value: 7 * n, to: start)
        case .month: Self.calendar.date(byAdding: .month, value: n, to: start)
        case .year: Self.calendar.date(byAdding: .year, value: n, to: start)
        }
        return Int64((date ?? start).timeIntervalSince1970)
    }

    /// The first period end from `anchor` that is after `time`.
    func nextEnd(anchor: Int64, after time: Int64) -> Int64 {
        // Start near the answer (a period is at least 28 days for months, 365 for years) and walk to it.
        let approximate: Int64 = switch interval {
        case .day: (time - anchor) / (86_400 * count)
        case .week: (time - anchor) / (7 * 86_400 * count)
        case .month: (time - anchor) / (31 * 86_400 * count)
        case .year: (time - anchor) / (366 * 86_400 * count)
        }
        var periods = max(1, approximate)
        while end(anchor: anchor, periods: periods) <= time { periods += 1 }
        while periods > 1, end(anchor: anchor, periods: periods - 1) > time { periods -= 1 }
        return end(anchor: anchor, periods: periods)
    }
}
