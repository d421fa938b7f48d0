import Foundation

/// Turns the events a step decided into rows of the same transaction as the step's other writes: the outbox. An
/// event is never written without its change, nor a change without its event; deliveries read the rows later.
enum EventOutbox {
    /// The rows of `drafts`, stamped with the API request being handled (its `Request-Id` and `Idempotency-Key`).
    static func writes(_ drafts: [EventDraft], now: Int64) -> [StoreWrite] {
        drafts.map { draft in
            .insert(EventRecord(id: ObjectID.make("evt"), type: draft.type, created: now, objectId: draft.object.id,
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
}

extension IntentTransition {
    /// Everything the step commits: its writes and its events' rows.
    func rows(now: Date) -> [StoreWrite] {
        writes + EventOutbox.writes(events, now: Int64(now.timeIntervalSince1970))
    }
}
