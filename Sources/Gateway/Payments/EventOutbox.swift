import Foundation

/// Turns the events a step decided into rows of the same transaction as the step's other writes: the outbox. An
/// event is never written without its change, nor a change without its event; deliveries read the rows later.
enum EventOutbox {
    /// The rows of `drafts`, stamped with the API request being handled (its `Request-Id` and `Idempotency-Key`).
    /// Within a request an event carries the request's wall-clock time, as Stripe's do, even when the object it
    /// carries lives on a test clock (its `created` is the clock's time): the stream stays in the order things
    /// happened, and a client paging with `ending_before` never skips one. Outside a request, `now`.
    static func writes(_ drafts: [EventDraft], now: Int64) -> [StoreWrite] {
        let created = RequestScope.time ?? now
        return drafts.map { draft in
            .insert(EventRecord(id: ObjectID.make("evt"), type: draft.type, created: created, objectId: draft.object.id,
                                data: JSONValue.object([("object", Render.eventObject(draft.object))]).compactText,
                                requestId: RequestScope.id, idempotencyKey: IdempotencyScope.key))
        }
    }

    /// The row of one event, for the routes that change an object without a lifecycle step.
    static func write(_ type: EventType, _ object: EventObject, now: Date = Date()) -> [StoreWrite] {
        writes([EventDraft(type: type, object: object)], now: Int64(now.timeIntervalSince1970))
    }
}

/// The API request being handled, for the records it leaves (events name the request that caused them).
enum RequestScope {
    /// The `Request-Id` the gateway answers with.
    @TaskLocal static var id: String?
    /// When it came (Unix seconds, the machine's clock).
    @TaskLocal static var time: Int64?
}

extension IntentTransition {
    /// Everything the step commits: its writes and its events' rows.
    func rows(now: Date) -> [StoreWrite] {
        writes + EventOutbox.writes(events, now: Int64(now.timeIntervalSince1970))
    }
}
