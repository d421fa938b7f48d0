import Foundation

/// The time the simulated banks see: the machine's clock plus an offset kept in the store (`BankClockRecord`), so
/// every gateway process sharing a database sees the same bank time and a restart keeps it. Tests move it forward
/// (`POST /v1/vtpe/test_helpers/bank_clock/advance`) to have a SEPA debit answered days early.
struct BankClock {
    let store: any PaymentStore
    let clock: any GatewayClock
    static let rowID = "bank"

    func offset() async throws -> Int64 {
        try await store.find(BankClockRecord.self, id: Self.rowID)?.offsetSeconds ?? 0
    }

    /// The bank time (Unix seconds).
    func now() async throws -> Int64 {
        Int64(clock.now().timeIntervalSince1970) + (try await offset())
    }

    /// Moves the bank clock `seconds` forward; answers the new offset. Concurrent advances add up.
    func advance(by seconds: Int64) async throws -> Int64 {
        try await store.retryingConflicts {
            if let row = try await store.find(BankClockRecord.self, id: Self.rowID) {
                let moved = BankClockRecord(id: Self.rowID, offsetSeconds: row.offsetSeconds + seconds)
                try await store.commit([.update(moved, expecting: .init(column: "offset_seconds", value: .integer(row.offsetSeconds)))])
                return moved.offsetSeconds
            }
            try await store.commit([.insertUnique(BankClockRecord(id: Self.rowID, offsetSeconds: seconds))])
            return seconds
        }
    }
}
