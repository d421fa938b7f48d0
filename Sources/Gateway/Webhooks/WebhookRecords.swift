import Foundation

/// Whether an endpoint receives events (`disabled=true` on update stops it; its pending deliveries wait).
public enum WebhookEndpointStatus: String, TextColumn, CaseIterable {
    case enabled
    case disabled
}

/// A webhook endpoint as stored. The signing secret is sealed by the card vault: it is shown once, at creation,
/// and the deliverer opens it to sign.
public struct WebhookEndpointRecord: Sendable, Codable, Equatable {
    public var id: String
    public var url: String
    /// The event types it receives, comma-separated (`*` for all).
    public var enabledEvents: String
    public var description: String?
    public var metadata: String
    public var apiVersion: String?
    public var status: WebhookEndpointStatus
    public var sealedSecret: String
    public var created: Int64
    public var deleted: Bool

    public var eventTypes: [String] { enabledEvents.split(separator: ",").map(String.init) }

    /// Whether an event of `type` goes to this endpoint.
    func receives(_ type: EventType) -> Bool {
        let types = eventTypes
        return types.contains("*") || types.contains(type.rawValue)
    }

    /// The vault label the secret is sealed under (a sealed secret moved to another endpoint does not open).
    var secretLabel: String { "webhook_endpoint:" + id }
}

extension WebhookEndpointRecord: StoredRecord {
    public static let table = "webhook_endpoints"
    public static let objectName = "webhook_endpoint"
    public static var hidesDeleted: Bool { true }
    public var isDeleted: Bool { deleted }
}

/// Where one event stands for one endpoint.
public enum WebhookDeliveryStatus: String, TextColumn, CaseIterable {
    /// Not delivered yet: due at `next_attempt_at`.
    case pending
    /// A 2xx answer.
    case succeeded
    /// Every retry of the schedule failed: given up.
    case failed
}

/// One event to deliver to one endpoint: made when the deliverer fans the outbox out, settled by its attempts.
/// Deliveries of one object to one endpoint go in event order: a pending one holds back the later ones.
public struct WebhookDeliveryRecord: Sendable, Codable, Equatable {
    public var id: String
    public var endpointId: String
    public var eventId: String
    public var eventType: EventType
    public var objectId: String
    public var status: WebhookDeliveryStatus
    public var attempts: Int64
    /// Unix milliseconds.
    public var nextAttemptAt: Int64
    public var lastResponseStatus: Int64?
    public var lastError: String?
    /// Unix seconds (the retry window counts from here).
    public var created: Int64
}

extension WebhookDeliveryRecord: StoredRecord {
    public static let table = "webhook_deliveries"
    public static let objectName = "vtpe_webhook_delivery"
}

/// One POST of an event to an endpoint, kept so staff and QA can see what the receiver answered.
public struct WebhookAttemptRecord: Sendable, Codable, Equatable {
    public var id: String
    public var deliveryId: String
    public var endpointId: String
    public var eventId: String
    public var eventType: EventType
    /// 1 for the first attempt.
    public var attempt: Int64
    public var created: Int64
    public var durationMs: Int64
    public var responseStatus: Int64?
    /// Why there was no answer (refused, timed out …); nil when the receiver answered.
    public var error: String?
    public var succeeded: Bool
    /// When the next attempt is due (Unix milliseconds); nil when this one succeeded or was the last.
    public var nextAttemptAt: Int64?
}

extension WebhookAttemptRecord: StoredRecord {
    public static let table = "webhook_attempts"
    public static let objectName = "vtpe_webhook_attempt"
}
