import Foundation
import PaymentCore
import Synchronization
import Testing
import TestSupport
@testable import TerminalEngine

/// The emulated network: what becomes of a request (seeded, so it repeats), outages on a schedule and at random,
/// and the link performing it on the injected clock.
@Suite struct NetworkTests {
    @Test func fates() {
        var random = SeededGenerator(seed: 7)
        #expect(NetworkConditions(state: .down, latencyMS: 50).fate(using: &random) == .refused)
        #expect(NetworkConditions(state: .up, latencyMS: 20).fate(using: &random) == .delivered(outMS: 20, backMS: 20))
        // Up never loses, whatever loss says; jitter adds 0...jitter each way.
        for _ in 0..<200 {
            guard case .delivered(let out, let back) = NetworkConditions(state: .up, latencyMS: 20, jitterMS: 10, lossPercent: 50).fate(using: &random) else {
                Issue.record("an up link lost a request")
                return
            }
            #expect((20...30).contains(out) && (20...30).contains(back))
        }
    }

    @Test func lossIsTheShareAskedForAndRepeatsFromItsSeed() {
        let flaky = NetworkConditions(state: .flaky, latencyMS: 5, lossPercent: 10)
        func draw(_ seed: UInt64) -> [RequestFate] {
            var random = SeededGenerator(seed: seed)
            return (0..<10_000).map { _ in flaky.fate(using: &random) }
        }
        let fates = draw(42)
        #expect(fates == draw(42))
        #expect(fates != draw(43))
        let requestLost = fates.filter { $0 == .requestLost }.count
        let answerLost = fates.filter { if case .answerLost = $0 { true } else { false } }.count
        // 10 % lost, half each way: 500 ± 4 standard deviations (about 87).
        #expect((413...587).contains(requestLost) && (413...587).contains(answerLost), "\(requestLost) \(answerLost)")
        var random = SeededGenerator(seed: 1)
        #expect((0..<100).allSatisfy { _ in NetworkConditions(state: .flaky, lossPercent: 100).fate(using: &random).isLoss })
    }

    @Test func figuresAreChecked() {
        #expect(NetworkConditions(latencyMS: -1).problem == "latency is 0 to 60000 ms, not -1")
        #expect(NetworkConditions(jitterMS: 60_001).problem == "jitter is 0 to 60000 ms, not 60001")
        #expect(NetworkConditions(lossPercent: 101).problem == "loss is 0 to 100 percent, not 101.0")
        #expect(NetworkConditions(state: .flaky, latencyMS: 300, lossPercent: 12.5).summary == "flaky latency=300ms jitter=0ms loss=12.5%")
    }

    @Test func outagesOnAScheduleAndAtRandom() {
        let scheduled = OutageSchedule(windows: [.init(start: 60, duration: 30)])
        #expect(!scheduled.isOut(at: 59.9) && scheduled.isOut(at: 60) && scheduled.isOut(at: 89.9) && !scheduled.isOut(at: 90))
        // Random: on average every 300 s for 30 s, so out about 30 / 330 of the time; the same seed, the same outages.
        let random = OutageSchedule(windows: [], randomEvery: 300, randomFor: 30, seed: 9)
        let samples = stride(from: 0.0, to: 330_000, by: 50).map { random.isOut(at: $0) }
        let share = Double(samples.filter { $0 }.count) / Double(samples.count)
        #expect((0.07...0.11).contains(share), "\(share)")
        #expect(samples == stride(from: 0.0, to: 330_000, by: 50).map { OutageSchedule(windows: [], randomEvery: 300, randomFor: 30, seed: 9).isOut(at: $0) })
        #expect(samples != stride(from: 0.0, to: 330_000, by: 50).map { OutageSchedule(windows: [], randomEvery: 300, randomFor: 30, seed: 10).isOut(at: $0) })
        #expect(!OutageSchedule.none.isOut(at: 0))
    }

    /// Counts calls of the real request.
    final class Sender: Sendable {
        let calls = Mutex(0)
        func send() async throws -> Int { calls.withLock { $0 += 1; return $0 } }
        var count: Int { calls.withLock { $0 } }
    }

    /// How a call through the link ended, once it has.
    final class Outcome: Sendable {
        let value = Mutex<Result<Int, NetworkLink.Failure>?>(nil)
    }

    @Test func linkDownFailsAtOnceWithoutSending() async throws {
        let link = NetworkLink(conditions: NetworkConditions(state: .down), clock: ManualClock())
        let sender = Sender()
        await #expect(throws: NetworkLink.Failure.down) { try await link.transmit(timeout: .seconds(5)) { try await sender.send() } }
        #expect(sender.count == 0 && link.counts == (1, 1))
    }

    @Test func deliveredAfterTheLatencyBothWays() async throws {
        let clock = ManualClock()
        let link = NetworkLink(conditions: NetworkConditions(state: .up, latencyMS: 200), clock: clock)
        let sender = Sender()
        let call = Task { try await link.transmit(timeout: .seconds(5)) { try await sender.send() } }
        try await within("the request to leave") { while clock.sleeperCount == 0 { await Task.yield() } }
        #expect(sender.count == 0)
        clock.advance(by: .milliseconds(200))
        try await within("the request to arrive") { while sender.count == 0 || clock.sleeperCount == 0 { await Task.yield() } }
        clock.advance(by: .milliseconds(200))
        #expect(try await within("the answer") { try await call.value } == 1)
        #expect(link.counts == (1, 0))
    }

    @Test func lostRequestsAndAnswersTimeOut() async throws {
        let clock = ManualClock()
        let link = NetworkLink(conditions: NetworkConditions(state: .flaky, latencyMS: 100, lossPercent: 100), seed: 3, clock: clock)
        let sender = Sender()
        var sent = 0, lost = 0
        for _ in 0..<6 {
            let before = sender.count
            let outcome = Outcome()
            Task {
                do {
                    let value = try await link.transmit(timeout: .seconds(2)) { try await sender.send() }
                    outcome.value.withLock { $0 = .success(value) }
                } catch {
                    outcome.value.withLock { $0 = .failure(error as? NetworkLink.Failure ?? .down) }
                }
            }
            // Move time until the call gives up: a lost request is never sent, a lost answer is.
            let result = try await within("the time-out") { () async -> Result<Int, NetworkLink.Failure> in
                while true {
                    if let done = outcome.value.withLock({ $0 }) { return done }
                    if clock.sleeperCount > 0 { clock.advance(by: .milliseconds(100)) }
                    await Task.yield()
                }
            }
            guard case .failure(let error) = result else { Issue.record("a lost request was answered"); return }
            #expect(error == .timedOut)
            if sender.count > before { sent += 1 } else { lost += 1 }
        }
        #expect(sent > 0 && lost > 0, "both ways of losing happen: \(sent) answers lost, \(lost) requests lost")
        #expect(link.counts == (6, 6))
        // Back up: the next request goes through.
        link.set(NetworkConditions(state: .up))
        #expect(try await link.transmit(timeout: .seconds(2)) { try await sender.send() } == sender.count)
    }

    @Test func profilesStartWithTheirNetwork() throws {
        let profile = try countertop()
        #expect(profile.network.conditions == NetworkConditions())
        #expect(profile.network.outages == .none)
    }
}
