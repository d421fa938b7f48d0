import Foundation

/// Stripe's test clocks: a frozen time for the customers created on it; advancing it runs their subscriptions
/// through every date it passes, in order, each step at its own time (a renewal on the 1st, its retry three days
/// later …). vtpe advances within the request and answers the clock `ready`; Stripe answers `advancing` and gets
/// there in the background, so clients that poll for `ready` work with both.
struct TestClocks {
    let subscriptions: Subscriptions
    var store: any PaymentStore { subscriptions.store }

    /// At most this many dated steps per advance (a daily price over a year is 365).
    static let maxSteps = 5000

    func create(name: String?, frozenTime: Int64) async throws -> TestClockRecord {
        let now = Int64(subscriptions.intents.clock.now().timeIntervalSince1970)
        let clock = TestClockRecord(id: ObjectID.make("clock"), name: name, frozenTime: frozenTime, status: .ready, created: now,
                                    deletesAfter: now + 30 * 86_400, deleted: false)
        try await store.commit([.insert(clock)] + EventOutbox.writes([EventDraft(type: .testClockCreated, object: .testClock(clock))], now: now))
        return clock
    }

    func advance(id: String, to target: Int64) async throws -> TestClockRecord {
        let read = try await existing(id)
        guard read.status == .ready else {
            throw APIError.invalidRequest("The test clock \(id) is already advancing; wait until its status is ready.", param: "frozen_time",
                                          code: "test_clock_advancing")
        }
        guard target > read.frozenTime else {
            throw APIError.invalidRequest("The frozen_time (\(target)) must be after the test clock's current frozen_time (\(read.frozenTime)).",
                                          param: "frozen_time")
        }
        var clock = read
        clock.status = .advancing
        try await commit(clock, .testClockAdvancing, expecting: .ready)
        var reached = read.frozenTime
        do {
            var previous: Int64?
            for _ in 0..<Self.maxSteps {
                guard let next = try await subscriptions.nextDue(testClock: id, by: target) else { break }
                reached = max(reached, next)
                try await moveTo(reached, clock: &clock)
                let steps = try await subscriptions.runDue(testClock: id, now: reached)
                // Something due that cannot move (logged by the billing pass): go on to the target instead of spinning.
                if steps == 0, previous == next { break }
                previous = next
            }
            try await moveTo(target, clock: &clock)
            try await subscriptions.runDue(testClock: id, now: target)
        } catch {
            // Whatever was done stays done; the clock is usable again from where it got to.
            clock.status = .ready
            try? await commit(clock, .testClockReady, expecting: .advancing)
            throw error
        }
        clock.status = .ready
        try await commit(clock, .testClockReady, expecting: .advancing)
        return clock
    }

    func delete(id: String) async throws {
        var clock = try await existing(id)
        guard clock.status == .ready else {
            throw APIError.invalidRequest("The test clock \(id) is advancing; delete it once its status is ready.", param: "id", code: "test_clock_advancing")
        }
        clock.deleted = true
        try await store.commit([.update(clock, expecting: .init(column: "status", value: .text(TestClockStatus.ready.rawValue)))]
            + EventOutbox.writes([EventDraft(type: .testClockDeleted, object: .testClock(clock))], now: clock.frozenTime))
    }

    /// The clock's time is `time` for everything that runs on it from now on.
    private func moveTo(_ time: Int64, clock: inout TestClockRecord) async throws {
        guard clock.frozenTime != time else { return }
        clock.frozenTime = time
        try await store.commit([.update(clock, expecting: .init(column: "status", value: .text(TestClockStatus.advancing.rawValue)))])
    }

    private func commit(_ clock: TestClockRecord, _ type: EventType, expecting status: TestClockStatus) async throws {
        try await store.commit([.update(clock, expecting: .init(column: "status", value: .text(status.rawValue)))]
            + EventOutbox.writes([EventDraft(type: type, object: .testClock(clock))], now: Int64(subscriptions.intents.clock.now().timeIntervalSince1970)))
    }

    func existing(_ id: String) async throws -> TestClockRecord {
        guard let clock = try await store.find(TestClockRecord.self, id: id), !clock.deleted else { throw APIError.missing("test_clock", id: id) }
        return clock
    }
}
