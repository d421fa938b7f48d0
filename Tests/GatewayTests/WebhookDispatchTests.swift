import Foundation
import Testing
@testable import Gateway

/// The deliverer's pure decisions: fan-out, per-object order, retries and the lease.
@Suite struct WebhookDispatchTests {
    static func endpoint(_ id: String, events: String, status: WebhookEndpointStatus = .enabled, created: Int64 = 100) -> WebhookEndpointRecord {
        WebhookEndpointRecord(id: id, url: "http://127.0.0.1:1/\(id)", enabledEvents: events, description: nil, metadata: "{}",
                              apiVersion: nil, status: status, sealedSecret: "", created: created, deleted: false)
    }

    static func event(_ id: String, _ type: EventType, object: String, created: Int64 = 200) -> EventHeader {
        EventHeader(id: id, type: type, created: created, objectId: object)
    }

    static func delivery(_ event: String, object: String, next: Int64 = 0, attempts: Int64 = 0) -> WebhookDeliveryRecord {
        WebhookDeliveryRecord(id: "whdel_" + event, endpointId: "we_1", eventId: event, eventType: .chargeSucceeded, objectId: object,
                              status: .pending, attempts: attempts, nextAttemptAt: next, lastResponseStatus: nil, lastError: nil, created: 10)
    }

    @Test func fanOutFollowsEachEndpointsTypesStatusAndAge() {
        let endpoints = [
            Self.endpoint("we_all", events: "*"),
            Self.endpoint("we_charges", events: "charge.succeeded,charge.refunded"),
            Self.endpoint("we_off", events: "*", status: .disabled),
            Self.endpoint("we_late", events: "*", created: 250),
        ]
        let events = [
            Self.event("evt_1", .paymentIntentCreated, object: "pi_1"),
            Self.event("evt_2", .chargeSucceeded, object: "ch_1"),
            Self.event("evt_3", .chargeRefunded, object: "ch_1", created: 300),
        ]
        let deliveries = WebhookDispatch.fanOut(events, to: endpoints, now: 5_000)
        #expect(deliveries.map { "\($0.endpointId) \($0.eventId)" } == [
            "we_all evt_1", "we_all evt_2", "we_charges evt_2", "we_all evt_3", "we_charges evt_3", "we_late evt_3",
        ])
        #expect(deliveries.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.nextAttemptAt == 5_000 && $0.created == 5 })
        #expect(deliveries[1].objectId == "ch_1" && deliveries[1].eventType == .chargeSucceeded)
        #expect(deliveries.allSatisfy { $0.id.hasPrefix("whdel_") })
        #expect(Set(deliveries.map(\.id)).count == deliveries.count)
    }

    @Test func theFanOutReadsNothingOlderThanTheOldestEndpoint() {
        #expect(WebhookDispatch.floor(for: []) == nil)
        var gone = Self.endpoint("we_gone", events: "*", created: 10)
        gone.deleted = true
        #expect(WebhookDispatch.floor(for: [gone]) == nil)
        // A minute before the oldest endpoint, disabled ones included (their events are dropped, not kept for later).
        let floor = WebhookDispatch.floor(for: [Self.endpoint("we_new", events: "*", created: 2_000_000_000),
                                                Self.endpoint("we_off", events: "*", status: .disabled, created: 1_800_000_000), gone])
        #expect(floor == ObjectID.floor("evt", atMillis: 1_799_999_940_000))
        let before = ObjectID.floor("evt", atMillis: 1_799_999_939_999)
        #expect(before < floor! && floor!.count == 16)
        // Ids made now sort after the floor of a moment ago.
        #expect(ObjectID.make("evt") > ObjectID.floor("evt", atMillis: Int64(Date().timeIntervalSince1970 * 1000) - 1))
    }

    @Test func aWaveTakesEachObjectsOldestPendingDeliveryOnly() {
        var queue = DeliveryQueue([
            Self.delivery("evt_3", object: "pi_1"),
            Self.delivery("evt_1", object: "pi_1"),
            Self.delivery("evt_2", object: "ch_1"),
            Self.delivery("evt_4", object: "re_1", next: 9_000),
        ])
        #expect(queue.wave(max: 10, now: 1_000).map(\.eventId) == ["evt_1", "evt_2"])
        #expect(queue.wave(max: 1, now: 1_000).map(\.eventId) == ["evt_1"])
        #expect(queue.nextDue == 0)

        // evt_1 failed and waits for its retry: pi_1's next event waits behind it.
        var retry = Self.delivery("evt_1", object: "pi_1", next: 5_000, attempts: 1)
        queue.update(retry)
        var delivered = Self.delivery("evt_2", object: "ch_1")
        delivered.status = .succeeded
        queue.update(delivered)
        #expect(queue.wave(max: 10, now: 1_000).isEmpty)
        #expect(queue.nextDue == 5_000)
        #expect(queue.wave(max: 10, now: 9_000).map(\.eventId) == ["evt_1", "evt_4"])

        // Given up: the object's next event goes.
        retry.status = .failed
        queue.update(retry)
        #expect(queue.wave(max: 10, now: 9_000).map(\.eventId) == ["evt_3", "evt_4"])
        #expect(queue.pending.map(\.eventId) == ["evt_3", "evt_4"])
    }

    @Test func answersSettleDeliveriesOnTheSchedule() {
        let schedule = WebhookRetrySchedule(delays: [.seconds(1), .seconds(4)], window: .seconds(10))
        let first = Self.delivery("evt_1", object: "pi_1", next: 10_000)

        let ok = WebhookDispatch.settle(first, .init(status: 204, error: nil, durationMs: 12), now: 10_050, schedule: schedule)
        #expect(ok.delivery.status == .succeeded && ok.delivery.attempts == 1 && ok.delivery.lastResponseStatus == 204)
        #expect(ok.attempt.succeeded && ok.attempt.attempt == 1 && ok.attempt.responseStatus == 204 && ok.attempt.nextAttemptAt == nil)
        #expect(ok.attempt.durationMs == 12 && ok.attempt.deliveryId == first.id && ok.attempt.eventId == "evt_1" && ok.attempt.created == 10)

        // A 3xx, a 500 and no answer all fail; the delays are 1 s, then 4 s repeated, inside 10 s from the delivery.
        let redirected = WebhookDispatch.settle(first, .init(status: 302, error: nil, durationMs: 1), now: 10_000, schedule: schedule)
        #expect(redirected.delivery.status == .pending && redirected.delivery.nextAttemptAt == 11_000 && redirected.attempt.nextAttemptAt == 11_000)
        let second = WebhookDispatch.settle(redirected.delivery, .init(status: 500, error: nil, durationMs: 1), now: 11_000, schedule: schedule)
        #expect(second.delivery.attempts == 2 && second.delivery.nextAttemptAt == 15_000)
        let third = WebhookDispatch.settle(second.delivery, .init(status: nil, error: "connection refused", durationMs: 0), now: 15_000, schedule: schedule)
        #expect(third.delivery.nextAttemptAt == 19_000 && third.delivery.lastError == "connection refused" && third.delivery.lastResponseStatus == nil)
        #expect(third.attempt.error == "connection refused" && !third.attempt.succeeded)
        let last = WebhookDispatch.settle(third.delivery, .init(status: 503, error: nil, durationMs: 0), now: 19_000, schedule: schedule)
        #expect(last.delivery.status == .failed && last.delivery.attempts == 4 && last.attempt.nextAttemptAt == nil)
    }

    @Test func schedulesAndDurationsParse() throws {
        #expect(try WebhookRetrySchedule.parseDelays("250ms, 5s,1m,2h,3d,1.5s").map(\.milliseconds) == [250, 5_000, 60_000, 7_200_000, 259_200_000, 1_500])
        for bad in ["", "5", "5x", "-1s", "s", "1e12d", "nans"] {
            #expect(throws: DurationText.Invalid.self) { try WebhookRetrySchedule.parseDelays(bad) }
        }
        let standard = WebhookRetrySchedule.standard
        #expect(standard.window == .seconds(259_200))
        // The last retry of the standard schedule still falls inside the three days.
        var at: Int64 = 0
        var failures: Int64 = 0
        while let next = standard.nextAttempt(afterFailures: failures + 1, now: at, since: 0) { at = next; failures += 1 }
        #expect(failures == 12 && at <= 259_200_000 && at > 259_200_000 - 36_000_000)
    }

    @Test func theLeaseIsTakenOverOnlyFromADeadProcessOfThisMachine() {
        #expect(DeliveryLease.abandoned("box 42 abcdef", host: "box", isRunning: { _ in false }))
        #expect(!DeliveryLease.abandoned("box 42 abcdef", host: "box", isRunning: { $0 == 42 }))
        #expect(!DeliveryLease.abandoned("other 42 abcdef", host: "box", isRunning: { _ in false }))
        #expect(!DeliveryLease.abandoned("garbage", host: "box", isRunning: { _ in false }))

        var lease = DeliveryLease(host: "box", pid: 7, ttl: .seconds(30))
        #expect(lease.holder.hasPrefix("box 7 ") && lease.needsRenewal(now: 0) && !lease.covers(.seconds(1), now: 0))
        lease.renewed(current: lease.holder, at: 1_000)
        #expect(lease.heldUntil == 31_000 && !lease.needsRenewal(now: 15_000) && lease.needsRenewal(now: 17_000))
        #expect(lease.covers(.seconds(11), now: 19_000) && !lease.covers(.seconds(11), now: 20_000))
        lease.renewed(current: "box 8 zzzzzz", at: 2_000)
        #expect(lease.heldUntil == 0)
    }
}
