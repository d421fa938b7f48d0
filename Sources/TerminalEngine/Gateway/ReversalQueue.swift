import Foundation
import Logging

/// Transactions whose answer was lost, kept until the gateway says what became of them — and undone when they went
/// through but the terminal could not complete them (the card declined after the approval, the card was pulled, the
/// answer never came, the terminal was killed mid-transaction). Kept in the journal database's `reversals` table
/// (idempotency keys and payment intent ids only, never card data), written before the transaction's journal entry,
/// so a terminal that dies mid-transaction still reverses after a restart.
public actor ReversalQueue {
    public struct Entry: Codable, Sendable, Equatable {
        /// The transaction's idempotency key (terminal id + STAN).
        public var key: String
        /// The approved payment to undo, once known.
        public var paymentIntent: String?
        public var reason: String
        public var created: Date
        public var attempts: Int
    }

    private let database: TerminalDatabase
    private let logger: Logger
    private let clock: any TerminalClock
    /// Told what became of a refund (or follow-up) whose answer was lost: its key and the object made, or nil.
    private var refundSettled: (@Sendable (String, String?) async -> Void)?
    /// A status inquiry that keeps answering "never arrived" for this long ends the entry.
    public static let inquiryWindow: TimeInterval = 120

    public init(database: TerminalDatabase, clock: any TerminalClock = SystemClock(), logger: Logger) {
        self.database = database
        self.logger = logger
        self.clock = clock
    }

    /// What is owed, oldest first.
    public var entries: [Entry] {
        do { return try database.reversals() } catch {
            logger.error("cannot read the reversal queue", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Who hears of lost refund answers found out (the engine, which updates its journal).
    public func onRefundSettled(_ listener: @escaping @Sendable (_ key: String, _ refundID: String?) async -> Void) {
        refundSettled = listener
    }

    /// Remembers a transaction to settle: with the intent to undo, or (answer lost) only its key. The engine writes
    /// it to the journal itself before the transaction's entry (`TerminalDatabase.addReversal`); this is for callers
    /// without the journal at hand.
    public func add(key: String, paymentIntent: String?, reason: String) {
        do { try database.addReversal(key: key, paymentIntent: paymentIntent, reason: reason, created: clock.now()) } catch {
            logger.error("cannot save a reversal", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    /// One pass: inquire, reverse, drop what is settled. Returns the entries left.
    @discardableResult
    public func settle(with gateway: any GatewayClient) async -> Int {
        let now = clock.now()
        for entry in entries {
            if await settled(entry, with: gateway, now: now) {
                do { try database.removeReversal(key: entry.key) } catch {
                    logger.error("cannot update the reversal queue", metadata: ["key": "\(entry.key)", "error": "\(error)"])
                }
            }
        }
        return entries.count
    }

    /// One entry: true when nothing more is owed for it.
    private func settled(_ entry: Entry, with gateway: any GatewayClient, now: Date) async -> Bool {
        var found: String?
        let inquiryOnly = entry.reason == TransactionStateMachine.refundInquiry
        if entry.paymentIntent == nil {
            switch try? await gateway.status(idempotencyKey: entry.key) {
            case .completed(let answer)?:
                guard case .approved(let id, _) = answer.result else {
                    logger.info("lost answer settled: the payment was not approved", metadata: ["key": "\(entry.key)"])
                    if inquiryOnly { await refundSettled?(entry.key, nil) }
                    return true
                }
                if inquiryOnly {
                    // A refund is not undone: the journal takes it as made (the batch report shows it).
                    logger.notice("lost refund answer settled: the refund went through", metadata: ["key": "\(entry.key)", "refund": "\(id)"])
                    await refundSettled?(entry.key, id)
                    return true
                }
                found = id
            case .unknown?:
                if now.timeIntervalSince(entry.created) > Self.inquiryWindow {
                    logger.info("lost answer settled: the gateway never received the payment", metadata: ["key": "\(entry.key)"])
                    if inquiryOnly { await refundSettled?(entry.key, nil) }
                    return true
                }
                attempted(entry.key, nil)
                return false
            case .inProgress?, nil:
                attempted(entry.key, nil)
                return false
            }
        }
        guard let id = entry.paymentIntent ?? found else { return false }
        if await gateway.reverse(paymentIntentID: id, idempotencyKey: entry.key + "-reversal") {
            logger.notice("payment reversed", metadata: ["key": "\(entry.key)", "payment_intent": "\(id)"])
            return true
        }
        attempted(entry.key, id)
        return false
    }

    private func attempted(_ key: String, _ paymentIntent: String?) {
        do { try database.attemptedReversal(key: key, paymentIntent: paymentIntent) } catch {
            logger.error("cannot update the reversal queue", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    /// Settles every `interval` until cancelled.
    public func run(with gateway: any GatewayClient, interval: Duration = .seconds(2)) async {
        while !Task.isCancelled {
            if !entries.isEmpty { await settle(with: gateway) }
            try? await clock.sleep(for: interval)
        }
    }
}
