import Foundation
import Logging
import ServiceLifecycle

/// Runs the settlement `PayoutSettlement` plans: reads the unsettled available balance, commits each currency's
/// payout with the claim of its transactions, and plans again when another settlement got there first.
struct Payouts {
    let store: any PaymentStore

    /// Pays out every currency's available balance at `now`; answers the payouts made.
    func settle(now: Date) async throws -> [PayoutRecord] {
        let at = Int64(now.timeIntervalSince1970)
        // Every currency's payout in one transaction: a concurrent settlement fails it whole, and the plan made
        // again on what is left answers exactly the payouts this call made.
        return try await store.retryingConflicts {
            let writes = PayoutSettlement.plan(try await store.unsettledBalance(availableBy: at), availableBy: at).flatMap { $0 }
            if !writes.isEmpty { try await store.commit(writes) }
            return writes.compactMap { if case .insert(let payout as PayoutRecord) = $0 { payout } else { nil } }
        }
    }
}

/// When the daily settlement runs (`vtpe gateway --payout-time`, `--no-payouts`).
public struct PayoutSettings: Sendable, Equatable {
    public var hour: Int
    public var minute: Int
    public var enabled: Bool

    public init(hour: Int = 0, minute: Int = 0, enabled: Bool = true) {
        self.hour = hour
        self.minute = minute
        self.enabled = enabled
    }
}

/// The daily settlement as a service of the gateway process: asleep until the next settlement time (UTC), then
/// pays out. Several processes on one database may all run it: the claim's guard lets one of them pay.
public struct PayoutScheduler: Service {
    let store: any PaymentStore
    let settings: PayoutSettings
    let logger: Logger
    let clock: any GatewayClock

    public init(store: any PaymentStore, settings: PayoutSettings, logger: Logger, clock: any GatewayClock = SystemClock()) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = clock.now()
                let next = PayoutSettlement.next(after: now, hour: settings.hour, minute: settings.minute)
                do { try await Task.sleep(for: .seconds(next.timeIntervalSince(now))) } catch { return }
                do {
                    let made = try await Payouts(store: store).settle(now: clock.now())
                    for payout in made { logger.info("payout \(payout.id): \(payout.amount) \(payout.currency)") }
                } catch {
                    logger.warning("the daily payout failed: \(error); it runs again tomorrow")
                }
            }
        }
    }
}
