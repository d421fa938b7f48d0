import Foundation
import Logging

/// Idempotency keys whose gateway process died between the request's commit and the storing of its response
/// (SIGKILL, power loss). Without this they would answer 409 "in progress" for their whole life; a sweep at start
/// and every 30 seconds settles each key claimed more than a minute ago (no live request runs that long):
///
/// - its writes made an object (the marker `IdempotencyScope` committed with them): the key is completed with that
///   object as the response (status 200; a payment intent with its latest charge expanded), so a retry and a
///   status inquiry both learn what the request did;
/// - it committed nothing: the claim is released, and a retry runs the request afresh.
public enum InterruptedRequests {
    /// How old a claim without response must be before it counts as interrupted, in seconds.
    public static let age: Int64 = 60

    /// One sweep; returns the keys settled.
    @discardableResult
    public static func sweep(store: any PaymentStore, now: Int64 = Int64(Date().timeIntervalSince1970), logger: Logger) async throws -> [String] {
        var settled: [String] = []
        for interrupted in try await store.interruptedIdempotencyKeys(claimedBefore: now - age) {
            if let effect = interrupted.effect {
                let body = try await render(effect, store: store) ?? .object([("id", .string(effect.id)), ("object", .string(effect.table))])
                try await store.completeIdempotencyKey(interrupted.key, status: 200, body: String(decoding: body.data(), as: UTF8.self))
                logger.notice("interrupted request settled from what it committed", metadata: ["key": "\(interrupted.key)", "object": "\(effect.id)"])
            } else {
                try await store.releaseIdempotencyKey(interrupted.key)
                logger.notice("interrupted request released: it committed nothing", metadata: ["key": "\(interrupted.key)"])
            }
            settled.append(interrupted.key)
        }
        return settled
    }

    /// Sweeps now and every `interval` until cancelled.
    public static func run(store: any PaymentStore, interval: Duration = .seconds(30), logger: Logger) async {
        while !Task.isCancelled {
            do { try await sweep(store: store, logger: logger) } catch {
                logger.warning("cannot settle interrupted requests", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    private static func render(_ effect: (table: String, id: String), store: any PaymentStore) async throws -> JSONValue? {
        switch effect.table {
        case PaymentIntentRecord.table:
            guard let intent = try await store.find(PaymentIntentRecord.self, id: effect.id) else { return nil }
            return try await Expander(store: store).expand(Render.paymentIntent(intent), ["latest_charge"])
        case RefundRecord.table:
            return try await store.find(RefundRecord.self, id: effect.id).map(Render.refund)
        case CustomerRecord.table:
            return try await store.find(CustomerRecord.self, id: effect.id).map(Render.customer)
        case PaymentMethodRecord.table:
            return try await store.find(PaymentMethodRecord.self, id: effect.id).map(Render.paymentMethod)
        default:
            // Objects the sweep cannot render (a location, a reader, a closed batch): the key is completed with
            // their id, never released — a retry must not make a second one.
            return .object([("id", .string(effect.id)), ("object", .string(effect.table))])
        }
    }
}
