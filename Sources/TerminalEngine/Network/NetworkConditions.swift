import Foundation
import PaymentCore

/// The emulated link between the terminal and the gateway (docs/networks.md): up, down, or flaky, with latency,
/// jitter and loss, and outages on a schedule or at random. Pure: what becomes of one request is drawn from the
/// generator it is given, so a seeded run repeats exactly.
public struct NetworkConditions: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Equatable, Codable, CaseIterable {
        /// Every request arrives (after the latency).
        case up
        /// No link at all (no coverage, cable out): a request never leaves, and the terminal knows it at once.
        case down
        /// Requests arrive late or get lost: `lossPercent` of them, half on the way out, half on the way back.
        case flaky
    }

    public var state: State
    /// One-way delay of every request and of its answer, in milliseconds.
    public var latencyMS: Int
    /// Up to this much more each way, uniformly drawn, in milliseconds.
    public var jitterMS: Int
    /// Share of requests lost when flaky, 0–100.
    public var lossPercent: Double

    public init(state: State = .up, latencyMS: Int = 0, jitterMS: Int = 0, lossPercent: Double = 0) {
        self.state = state
        self.latencyMS = latencyMS
        self.jitterMS = jitterMS
        self.lossPercent = lossPercent
    }

    /// Figures that make sense: delays 0–60 000 ms, loss 0–100 %; nil when they do, else what is wrong.
    public var problem: String? {
        guard (0...60_000).contains(latencyMS) else { return "latency is 0 to 60000 ms, not \(latencyMS)" }
        guard (0...60_000).contains(jitterMS) else { return "jitter is 0 to 60000 ms, not \(jitterMS)" }
        guard (0...100).contains(lossPercent) else { return "loss is 0 to 100 percent, not \(lossPercent)" }
        return nil
    }

    /// What becomes of one request.
    public func fate(using random: inout some RandomNumberGenerator) -> RequestFate {
        switch state {
        case .down:
            return .refused
        case .up, .flaky:
            let out = latencyMS + (jitterMS > 0 ? Int.random(in: 0...jitterMS, using: &random) : 0)
            let back = latencyMS + (jitterMS > 0 ? Int.random(in: 0...jitterMS, using: &random) : 0)
            guard state == .flaky, lossPercent > 0 else { return .delivered(outMS: out, backMS: back) }
            let draw = Double.random(in: 0..<100, using: &random)
            if draw < lossPercent / 2 { return .requestLost }
            if draw < lossPercent { return .answerLost(outMS: out) }
            return .delivered(outMS: out, backMS: back)
        }
    }

    /// One line: `up latency=20ms jitter=5ms loss=0%`.
    public var summary: String {
        let loss = lossPercent == lossPercent.rounded() ? String(Int(lossPercent)) : String(lossPercent)
        return "\(state.rawValue) latency=\(latencyMS)ms jitter=\(jitterMS)ms loss=\(loss)%"
    }
}

/// What became of one request on the emulated link.
public enum RequestFate: Sendable, Equatable {
    /// No link: the request never left (the terminal knows the gateway did not get it).
    case refused
    /// It arrived after `outMS`; its answer comes back after `backMS`.
    case delivered(outMS: Int, backMS: Int)
    /// Lost on the way out: the gateway never saw it, the terminal waits in vain.
    case requestLost
    /// It arrived after `outMS` and was processed, but its answer was lost: the terminal waits in vain.
    case answerLost(outMS: Int)

    /// Everything but a delivery.
    public var isLoss: Bool {
        if case .delivered = self { false } else { true }
    }
}

/// Outages in the profile: windows on a schedule (seconds after the terminal starts) and, with `randomEvery`, random
/// ones — on average one every `randomEvery` seconds, lasting `randomFor` — drawn from `seed`.
public struct OutageSchedule: Sendable, Equatable {
    public struct Window: Sendable, Equatable {
        /// Seconds after the terminal started.
        public var start: TimeInterval
        public var duration: TimeInterval

        public init(start: TimeInterval, duration: TimeInterval) {
            self.start = start
            self.duration = duration
        }

        func contains(_ elapsed: TimeInterval) -> Bool { elapsed >= start && elapsed < start + duration }
    }

    public var windows: [Window]
    public var randomEvery: TimeInterval?
    public var randomFor: TimeInterval
    public var seed: UInt64

    public static let none = OutageSchedule(windows: [])

    public init(windows: [Window], randomEvery: TimeInterval? = nil, randomFor: TimeInterval = 30, seed: UInt64 = 1) {
        self.windows = windows
        self.randomEvery = randomEvery
        self.randomFor = randomFor
        self.seed = seed
    }

    /// Whether the link is out `elapsed` seconds after the start. Random windows are replayed from the seed each
    /// time, so the answer depends on nothing but the arguments.
    public func isOut(at elapsed: TimeInterval) -> Bool {
        if windows.contains(where: { $0.contains(elapsed) }) { return true }
        guard let every = randomEvery, every > 0, elapsed >= 0 else { return false }
        var random = SeededGenerator(seed: seed)
        var start: TimeInterval = 0
        while start <= elapsed {
            // Gaps between outages are exponential with mean `every` (a Poisson process of outages).
            let u = Double.random(in: Double.ulpOfOne..<1, using: &random)
            start += -every * log(u)
            if elapsed >= start && elapsed < start + randomFor { return true }
            start += randomFor
        }
        return false
    }
}
