import Foundation

/// The deliverer's decisions, pure: which endpoints get an event, which deliveries go next, and what an answer
/// makes of a delivery. `WebhookDeliverer` only reads, sends and commits what these return.
enum WebhookDispatch {
    /// The deliveries of `events` (oldest first): one per enabled endpoint that takes the event's type and existed
    /// when the event happened, due at once.
    static func fanOut(_ events: [EventHeader], to endpoints: [WebhookEndpointRecord], now: Int64) -> [WebhookDeliveryRecord] {
        let live = endpoints.filter { $0.status == .enabled && !$0.deleted }
        var out: [WebhookDeliveryRecord] = []
        for event in events {
            for endpoint in live where endpoint.receives(event.type) && event.created >= endpoint.created {
                out.append(WebhookDeliveryRecord(
                    id: ObjectID.make("whdel"), endpointId: endpoint.id, eventId: event.id, eventType: event.type,
                    objectId: event.objectId, status: .pending, attempts: 0, nextAttemptAt: now,
                    lastResponseStatus: nil, lastError: nil, created: now / 1000))
            }
        }
        return out
    }

    /// Where the fan-out starts reading: no event older than the oldest endpoint goes anywhere (a minute earlier, for
    /// events whose commit was slower than the endpoint's creation); nil when there is no endpoint — nothing to do.
    static func floor(for endpoints: [WebhookEndpointRecord]) -> String? {
        guard let oldest = endpoints.filter({ !$0.deleted }).map(\.created).min() else { return nil }
        return ObjectID.floor("evt", atMillis: (oldest - 60) * 1000)
    }

    /// What the receiver did with one POST.
    struct Answer: Sendable, Equatable {
        var status: Int?
        var error: String?
        var durationMs: Int64

        var succeeded: Bool { status.map { (200..<300).contains($0) } ?? false }
    }

    /// The delivery after an attempt answered at `now` (ms), and the attempt's record.
    static func settle(_ delivery: WebhookDeliveryRecord, _ answer: Answer, now: Int64,
                       schedule: WebhookRetrySchedule) -> (delivery: WebhookDeliveryRecord, attempt: WebhookAttemptRecord) {
        var next = delivery
        next.attempts += 1
        next.lastResponseStatus = answer.status.map(Int64.init)
        next.lastError = answer.error
        var retryAt: Int64?
        if answer.succeeded {
            next.status = .succeeded
        } else if let at = schedule.nextAttempt(afterFailures: next.attempts, now: now, since: delivery.created * 1000) {
            next.nextAttemptAt = at
            retryAt = at
        } else {
            next.status = .failed
        }
        let attempt = WebhookAttemptRecord(
            id: ObjectID.make("whatt"), deliveryId: delivery.id, endpointId: delivery.endpointId, eventId: delivery.eventId,
            eventType: delivery.eventType, attempt: next.attempts, created: now / 1000, durationMs: answer.durationMs,
            responseStatus: next.lastResponseStatus, error: answer.error, succeeded: answer.succeeded, nextAttemptAt: retryAt)
        return (next, attempt)
    }
}

/// One endpoint's pending deliveries in event order, as read, and what is due next. A delivery goes only when
/// every earlier delivery of its object has settled (succeeded or given up): one object's events arrive in order.
struct DeliveryQueue: Sendable {
    private(set) var pending: [WebhookDeliveryRecord]

    init(_ pending: [WebhookDeliveryRecord]) {
        self.pending = pending.sorted { $0.eventId < $1.eventId }
    }

    /// Each object's oldest pending delivery, oldest first: the only ones that may go.
    private var heads: [WebhookDeliveryRecord] {
        var seen = Set<String>()
        return pending.filter { seen.insert($0.objectId).inserted }
    }

    /// The heads of at most `max` objects that are due at `now` (ms), oldest first.
    func wave(max: Int, now: Int64) -> [WebhookDeliveryRecord] {
        Array(heads.lazy.filter { $0.nextAttemptAt <= now }.prefix(max))
    }

    /// When the earliest head not yet due will be (ms); nil when nothing waits.
    var nextDue: Int64? { heads.map(\.nextAttemptAt).min() }

    /// Takes in a delivery after its attempt: kept while still pending, dropped once settled.
    mutating func update(_ delivery: WebhookDeliveryRecord) {
        guard let index = pending.firstIndex(where: { $0.id == delivery.id }) else { return }
        if delivery.status == .pending { pending[index] = delivery } else { pending.remove(at: index) }
    }
}
