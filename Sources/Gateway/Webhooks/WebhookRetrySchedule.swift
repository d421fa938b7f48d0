import Foundation

/// When a failed delivery is tried again: the delays after the 1st, 2nd … failure, the last one repeated, for as
/// long as the window since the event allows (Stripe retries for up to three days with an exponential back-off).
/// Pure; tests compress it (`--webhook-retries 200ms,400ms --webhook-retry-window 20s`).
public struct WebhookRetrySchedule: Sendable, Equatable {
    public var delays: [Duration]
    public var window: Duration

    /// Immediately, then 5 s, 1 min, 5 min, 30 min, 2 h, 5 h and every 10 h until three days have passed.
    public static let standard = WebhookRetrySchedule(
        delays: [.seconds(5), .seconds(60), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000)],
        window: .seconds(3 * 86400))

    public init(delays: [Duration], window: Duration) {
        self.delays = delays.isEmpty ? [.seconds(60)] : delays
        self.window = window
    }

    /// When to try again after `failures` failed attempts, the last at `now` (ms): nil once that would fall outside
    /// the window that opened at `since` (ms) — the delivery has failed for good.
    func nextAttempt(afterFailures failures: Int64, now: Int64, since: Int64) -> Int64? {
        let delay = delays[Int(min(max(failures, 1), Int64(delays.count))) - 1]
        let next = now + delay.milliseconds
        return next <= since + window.milliseconds ? next : nil
    }

    /// `5s,1m,5m` (each `250ms`, `5s`, `1m`, `2h` or `3d`).
    public static func parseDelays(_ text: String) throws -> [Duration] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { throw DurationText.Invalid(text: text) }
        return try parts.map(DurationText.parse)
    }
}

/// A duration written as a number and a unit: `250ms`, `1.5s`, `5m`, `2h`, `3d`. Hand-written: five suffixes do
/// not need a library.
public enum DurationText {
    public struct Invalid: Error, CustomStringConvertible {
        var text: String
        public var description: String { "'\(text.prefix(40))' is not a duration (write e.g. 250ms, 5s, 1m, 2h or 3d)" }
    }

    public static func parse(_ text: String) throws -> Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value.isFinite, value >= 0, value * seconds < 1e9 else { break }
            return .milliseconds(Int64((value * seconds * 1000).rounded()))
        }
        throw Invalid(text: text)
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
