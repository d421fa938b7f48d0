import Foundation
import Logging
import ServiceLifecycle

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

/// The banks' answers to SEPA debits as a service of the gateway process: every second, the debits due by the bank
/// clock are answered (`PaymentIntents.answerDueDebits`). Several processes on one database may all run it.
public struct BankDebitSettlement: Service, CustomStringConvertible {
    let intents: PaymentIntents
    let logger: Logger
    let interval: Duration

    init(intents: PaymentIntents, logger: Logger, interval: Duration = .seconds(1)) {
        self.intents = intents
        self.logger = logger
        self.interval = interval
    }

    /// What ServiceLifecycle logs at start: not the intents' test card catalog (its balances are keyed by card number).
    public var description: String { "BankDebitSettlement(every \(interval))" }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    let bankNow = try await BankClock(store: intents.store, clock: intents.clock).now()
                    let answered = try await intents.answerDueDebits(bankNow: bankNow, now: Date())
                    if answered > 0 { logger.info("SEPA debits answered by the bank: \(answered)") }
                } catch {
                    logger.warning("answering SEPA debits failed: \(error); trying again in \(interval)")
                }
            }
        }
    }
}
