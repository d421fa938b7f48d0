import Foundation

/// The webhook objects as the API shows them: Stripe's `webhook_endpoint`, and our deliveries and attempts.
extension Render {
    /// `secret` only in the answer to the create (Stripe shows it once).
    static func webhookEndpoint(_ e: WebhookEndpointRecord, secret: String? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(e.id)),
            ("object", "webhook_endpoint"),
            ("api_version", .string(e.apiVersion)),
            ("application", .null),
            ("created", .int(e.created)),
            ("description", .string(e.description)),
            ("enabled_events", .array(e.eventTypes.map { .string($0) })),
            ("livemode", false),
            ("metadata", metadata(e.metadata)),
        ]
        if let secret { fields.append(("secret", .string(secret))) }
        fields += [("status", .string(e.status.rawValue)), ("url", .string(e.url))]
        return .object(fields)
    }

    static func deletedWebhookEndpoint(_ id: String) -> JSONValue {
        .object([("id", .string(id)), ("object", "webhook_endpoint"), ("deleted", true)])
    }

    /// vtpe: where one event stands for one endpoint.
    static func webhookDelivery(_ d: WebhookDeliveryRecord) -> JSONValue {
        .object([
            ("id", .string(d.id)),
            ("object", "vtpe.webhook_delivery"),
            ("attempts", .int(d.attempts)),
            ("created", .int(d.created)),
            ("event", .string(d.eventId)),
            ("event_type", .string(d.eventType.rawValue)),
            ("last_error", .string(d.lastError)),
            ("last_response_status", d.lastResponseStatus.map { .int($0) } ?? .null),
            ("next_attempt_at", d.status == .pending ? .int(seconds(d.nextAttemptAt)) : .null),
            ("object_id", .string(d.objectId)),
            ("status", .string(d.status.rawValue)),
            ("webhook_endpoint", .string(d.endpointId)),
        ])
    }

    /// vtpe: one POST of an event and what the receiver answered.
    static func webhookAttempt(_ a: WebhookAttemptRecord) -> JSONValue {
        .object([
            ("id", .string(a.id)),
            ("object", "vtpe.webhook_attempt"),
            ("attempt", .int(a.attempt)),
            ("created", .int(a.created)),
            ("delivery", .string(a.deliveryId)),
            ("duration_ms", .int(a.durationMs)),
            ("error", .string(a.error)),
            ("event", .string(a.eventId)),
            ("event_type", .string(a.eventType.rawValue)),
            ("next_attempt_at", a.nextAttemptAt.map { .int(seconds($0)) } ?? .null),
            ("response_status", a.responseStatus.map { .int($0) } ?? .null),
            ("succeeded", .bool(a.succeeded)),
            ("webhook_endpoint", .string(a.endpointId)),
        ])
    }

    /// Unix seconds of a millisecond time, rounded up (not before it).
    private static func seconds(_ ms: Int64) -> Int64 { (ms + 999) / 1000 }
}
