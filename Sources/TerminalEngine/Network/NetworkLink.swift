import Foundation
import PaymentCore
import Synchronization

/// The emulated network every request to the gateway goes through (`HTTPGatewayClient` wraps its real HTTP calls
/// in `transmit`), so the gateway sees real requests with real delays and real failures. Conditions change at run
/// time (`vtpe network up|down|flaky`); the profile gives the figures and the outages it starts with.
///
/// Decisions are `NetworkConditions.fate` and `OutageSchedule.isOut` (pure); this class only keeps the state and
/// waits on the injected clock.
public final class NetworkLink: Sendable {
    /// Why a request did not get through.
    public enum Failure: Error, Sendable, Equatable {
        /// No link: the request never left.
        case down
        /// No answer within the time-out: the request or its answer was lost (the gateway may have processed it).
        case timedOut
    }

    private struct State {
        var conditions: NetworkConditions
        var random: SeededGenerator
        var requests = 0
        var lost = 0
    }

    private let state: Mutex<State>
    private let schedule: OutageSchedule
    private let clock: any TerminalClock
    private let started: Date

    public init(conditions: NetworkConditions, schedule: OutageSchedule = .none, seed: UInt64 = 1, clock: any TerminalClock = SystemClock()) {
        state = Mutex(State(conditions: conditions, random: SeededGenerator(seed: seed)))
        self.schedule = schedule
        self.clock = clock
        started = clock.now()
    }

    public var conditions: NetworkConditions { state.withLock { $0.conditions } }

    /// Requests sent through the link, and how many of them were lost or refused.
    public var counts: (requests: Int, lost: Int) { state.withLock { ($0.requests, $0.lost) } }

    /// Whether a scheduled outage holds the link down now.
    public var inOutage: Bool { schedule.isOut(at: clock.now().timeIntervalSince(started)) }

    /// What the link looks like now: the conditions set, or `down` during a scheduled outage.
    public var effectiveState: NetworkConditions.State { inOutage ? .down : conditions.state }

    public func set(_ conditions: NetworkConditions) {
        state.withLock { $0.conditions = conditions }
    }

    /// Sends through the link: `send` performs the real request. Throws `Failure.down` at once when there is no
    /// link, `Failure.timedOut` after `timeout` when the request or its answer is lost (or would come too late).
    public func transmit<T: Sendable>(timeout: Duration, _ send: @Sendable () async throws -> T) async throws -> T {
        let outage = inOutage
        let limit = Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        var fate = state.withLock { s -> RequestFate in
            s.requests += 1
            return outage ? .refused : s.conditions.fate(using: &s.random)
        }
        // An answer that would come after the terminal stopped waiting is as good as lost.
        if case .delivered(let out, let back) = fate, out + back >= limit { fate = .answerLost(outMS: out) }
        if fate.isLoss { state.withLock { $0.lost += 1 } }
        switch fate {
        case .refused:
            throw Failure.down
        case .requestLost:
            try await clock.sleep(for: timeout)
            throw Failure.timedOut
        case .answerLost(let out):
            let arrives = min(out, limit)
            try await clock.sleep(for: .milliseconds(arrives))
            if out < limit { _ = try? await send() }
            try await clock.sleep(for: .milliseconds(limit - arrives))
            throw Failure.timedOut
        case .delivered(let out, let back):
            if out > 0 { try await clock.sleep(for: .milliseconds(out)) }
            let answer = try await send()
            if back > 0 { try await clock.sleep(for: .milliseconds(back)) }
            return answer
        }
    }
}
