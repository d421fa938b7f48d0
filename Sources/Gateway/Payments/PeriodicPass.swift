import Foundation
import Logging
import ServiceLifecycle

/// Work the gateway process does by itself every second, as a service: the banks' answers to SEPA debits that are
/// due on the bank clock (`PaymentIntents.answerDueDebits`), and the billing pass of the subscriptions on the
/// gateway's own clock (`Subscriptions.runDue`: renewals, retries, payments that ended, first invoices that
/// expired; subscriptions on a test clock move only when it is advanced). Several processes on one database may all
/// run them: each step is guarded, and the second to try it finds it done.
public struct PeriodicPass: Service, CustomStringConvertible {
    let name: String
    let logger: Logger
    let interval: Duration
    /// One pass: how many things it did.
    let pass: @Sendable () async throws -> Int

    /// What ServiceLifecycle logs at start: not the intents' test card catalog (its balances are keyed by card number).
    public var description: String { "PeriodicPass(\(name), every \(interval))" }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    let done = try await pass()
                    if done > 0 { logger.info("\(name): \(done) done") }
                } catch {
                    logger.warning("\(name) failed: \(error); trying again in \(interval)")
                }
            }
        }
    }

    static func bankDebits(_ intents: PaymentIntents, logger: Logger, interval: Duration = .seconds(1)) -> PeriodicPass {
        PeriodicPass(name: "SEPA debits answered by the bank", logger: logger, interval: interval) {
            let bankNow = try await BankClock(store: intents.store, clock: intents.clock).now()
            return try await intents.answerDueDebits(bankNow: bankNow, now: Date())
        }
    }

    static func billing(_ subscriptions: Subscriptions, logger: Logger, interval: Duration = .seconds(1)) -> PeriodicPass {
        PeriodicPass(name: "subscription and invoice steps", logger: logger, interval: interval) {
            try await subscriptions.runDue(testClock: nil, now: Int64(subscriptions.intents.clock.now().timeIntervalSince1970))
        }
    }
}
