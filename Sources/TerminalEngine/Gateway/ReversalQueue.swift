import Foundation
import Logging

/// Transactions whose answer was lost, kept until the gateway says what became of them — and undone when they went
/// through but the terminal could not complete them (the card declined after the approval, the card was pulled, the
/// answer never came). Kept in `<data-dir>/reversals-<profile>.json` (idempotency keys and payment intent ids only,
/// never card data), so a terminal that dies mid-transaction still reverses after a restart.
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

    private let file: URL
    private let logger: Logger
    private let clock: any TerminalClock
    public private(set) var entries: [Entry]
    /// Told what became of a refund whose answer was lost: its key and the refund made, or nil when none was.
    private var refundSettled: (@Sendable (String, String?) async -> Void)?
    /// A status inquiry that keeps answering "never arrived" for this long ends the entry.
    public static let inquiryWindow: TimeInterval = 120

    public init(dataDirectory: URL, profileID: String, clock: any TerminalClock = SystemClock(), logger: Logger) {
        file = dataDirectory.appendingPathComponent("reversals-\(profileID).json")
        self.logger = logger
        self.clock = clock
        entries = (try? JSONDecoder().decode([Entry].self, from: Data(contentsOf: file))) ?? []
    }

    /// Who hears of lost refund answers found out (the engine, which updates its journal).
    public func onRefundSettled(_ listener: @escaping @Sendable (_ key: String, _ refundID: String?) async -> Void) {
        refundSettled = listener
    }

    /// Remembers a transaction to settle: with the intent to undo, or (answer lost) only its key.
    public func add(key: String, paymentIntent: String?, reason: String) {
        if let i = entries.firstIndex(where: { $0.key == key }) {
            entries[i].paymentIntent = entries[i].paymentIntent ?? paymentIntent
        } else {
            entries.append(Entry(key: key, paymentIntent: paymentIntent, reason: reason, created: clock.now(), attempts: 0))
        }
        save()
        logger.notice("reversal queued", metadata: ["key": "\(key)", "payment_intent": "\(paymentIntent ?? "-")", "reason": "\(reason)"])
    }

    /// One pass: inquire, reverse, drop what is settled. Returns the entries left.
    @discardableResult
    public func settle(with gateway: any GatewayClient) async -> Int {
        let now = clock.now()
        var kept: [Entry] = []
        let original = entries
        for var entry in original {
            entry.attempts += 1
            if entry.paymentIntent == nil {
                switch try? await gateway.status(idempotencyKey: entry.key) {
                case .completed(let answer)?:
                    guard case .approved(let id, _) = answer.result else {
                        logger.info("lost answer settled: the payment was not approved", metadata: ["key": "\(entry.key)"])
                        if entry.reason == TransactionStateMachine.refundInquiry { await refundSettled?(entry.key, nil) }
                        continue
                    }
                    if entry.reason == TransactionStateMachine.refundInquiry {
                        // A refund is not undone: the journal takes it as made (the batch report shows it).
                        logger.notice("lost refund answer settled: the refund went through", metadata: ["key": "\(entry.key)", "refund": "\(id)"])
                        await refundSettled?(entry.key, id)
                        continue
                    }
                    entry.paymentIntent = id
                case .unknown?:
                    if now.timeIntervalSince(entry.created) > Self.inquiryWindow {
                        logger.info("lost answer settled: the gateway never received the payment", metadata: ["key": "\(entry.key)"])
                        if entry.reason == TransactionStateMachine.refundInquiry { await refundSettled?(entry.key, nil) }
                        continue
                    }
                    kept.append(entry)
                    continue
                case .inProgress?, nil:
                    kept.append(entry)
                    continue
                }
            }
            if let id = entry.paymentIntent {
                if await gateway.reverse(paymentIntentID: id, idempotencyKey: entry.key + "-reversal") {
                    logger.notice("payment reversed", metadata: ["key": "\(entry.key)", "payment_intent": "\(id)"])
                    continue
                }
                kept.append(entry)
            }
        }
        // Entries added (or given their intent) while this pass awaited the gateway are kept too.
        let seen = Set(original.map(\.key))
        let current = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        kept = kept.map { entry in
            var e = entry
            e.paymentIntent = e.paymentIntent ?? current[e.key]?.paymentIntent
            return e
        }
        entries = kept + entries.filter { !seen.contains($0.key) }
        save()
        return entries.count
    }

    /// Settles every `interval` until cancelled.
    public func run(with gateway: any GatewayClient, interval: Duration = .seconds(2)) async {
        while !Task.isCancelled {
            if !entries.isEmpty { await settle(with: gateway) }
            try? await clock.sleep(for: interval)
        }
    }

    private func save() {
        do {
            try JSONEncoder().encode(entries).write(to: file, options: .atomic)
        } catch {
            logger.error("cannot save the reversal queue", metadata: ["error": "\(error)"])
        }
    }
}
