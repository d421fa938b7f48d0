import Foundation
import SQLKit

/// The webhook deliverer's queries: the outbox's undispatched events, an endpoint's pending deliveries in event
/// order, and the lease that names the one delivering process.
extension SQLPaymentStore {
    public func undispatchedEvents(after floor: String, limit: Int) async throws -> [EventHeader] {
        try await sessions.withSession { db in
            try await db.select().columns("id", "type", "created", "object_id").from(EventRecord.table)
                .where("dispatched", .equal, SQLLiteral.numeric("0")).where("id", .greaterThanOrEqual, floor)
                .orderBy("id").limit(limit).all()
                .map { try $0.decode(model: EventHeader.self, keyDecodingStrategy: ColumnNames.decoding) }
        }
    }

    public func dispatch(events: [String], deliveries: [WebhookDeliveryRecord]) async throws {
        guard !events.isEmpty else { return }
        try await sessions.withSession { db in
            try await Self.inTransaction(db) { tx in
                try await Self.insertMerged(deliveries.map { .insert($0) }, on: tx)
                // 500 ids a statement: well inside SQLite's and PostgreSQL's limits on parameters.
                for start in stride(from: 0, to: events.count, by: 500) {
                    let chunk = events[start..<min(start + 500, events.count)]
                    try await tx.update(EventRecord.table).set("dispatched", to: SQLLiteral.numeric("1"))
                        .where("id", .in, SQLBind.group(chunk.map { $0 as any Encodable & Sendable })).run()
                }
            }
        }
    }

    public func pendingDeliveries(endpoint: String, limit: Int) async throws -> [WebhookDeliveryRecord] {
        try await sessions.withSession { db in
            try await db.select().column("*").from(WebhookDeliveryRecord.table)
                .where("endpoint_id", .equal, endpoint).where("status", .equal, WebhookDeliveryStatus.pending.rawValue)
                .orderBy("event_id").limit(limit).all()
                .map { try $0.decode(model: WebhookDeliveryRecord.self, keyDecodingStrategy: ColumnNames.decoding) }
        }
    }

    public func acquireLease(_ name: String, holder: String, now: Int64, expiresAt: Int64, replacing: String?) async throws -> String {
        try await sessions.withSession { db in
            // One statement, so two processes racing for a free or expired lease cannot both win: the row's
            // conflict serializes them and the second one's WHERE no longer holds.
            let taken = try await db.raw("""
                INSERT INTO leases (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: expiresAt))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at < \(bind: now) OR leases.holder = \(bind: replacing ?? "")
                RETURNING holder
                """).all()
            if let row = taken.first { return try row.decode(column: "holder", as: String.self) }
            guard let row = try await db.select().column("holder").from("leases").where("name", .equal, name).first() else {
                throw StoreConflict(table: "leases", id: name)
            }
            return try row.decode(column: "holder", as: String.self)
        }
    }

    public func waitForEvents(upTo timeout: Duration) async {
        await eventsCommitted.wait(upTo: timeout)
    }
}
