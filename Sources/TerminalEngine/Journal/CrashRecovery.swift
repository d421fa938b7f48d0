import CardReaders
import Foundation
import PaymentCore

/// What a terminal does at start with what its journal says it left unfinished (pure: the journal database applies
/// the plan in one SQLite transaction). Every open step is a transaction that was killed between writing the step
/// and saving its journal entry:
///
/// - a payment the offline store holds is an offline approval: the journal takes it (and the forwarding goes on);
/// - a payment about to be stored offline that is not in the store was never approved: nothing was taken;
/// - a sale or pre-authorization whose request may have left is ended not approved — the customer never saw an
///   approval — and its idempotency key goes to the reversal queue, which asks the gateway and reverses it if it
///   went through (the EMV "power failure" reversal);
/// - a refund, completion or void whose request may have left is kept `in_doubt` and asked about by its key: the
///   gateway's answer makes it the operation made, or a failure (a refund is never undone).
///
/// It also brings the journal's offline entries up to what the store says (forwarded, declined), in case the
/// terminal died between the two.
public enum CrashRecovery {
    public struct Plan: Sendable, Equatable {
        public var journal: BatchJournal
        /// Idempotency keys to settle with the gateway, and why.
        public var inquiries: [Inquiry]
        /// What the merchant is told (one line per transaction resolved).
        public var notes: [String]
        public var changed: Bool { !notes.isEmpty }
    }

    public struct Inquiry: Sendable, Equatable {
        public var key: String
        public var reason: String
    }

    /// A row of the offline store, as recovery reads it.
    public struct StoredPayment: Sendable, Equatable {
        public var stan: UInt32
        public var idempotencyKey: String
        public var status: OfflineStore.Status
        public var paymentIntent: String?
        public var declineCode: String?
        public var amount: Money
        public var card: CardSummary
        public var storedAt: Date
    }

    public static let interruptedSale = "terminal restarted mid-transaction"

    public static func plan(openSteps: [JournalStep], journal: BatchJournal, offline: [StoredPayment], now: Date) -> Plan {
        var plan = Plan(journal: journal, inquiries: [], notes: [])
        let stored = Dictionary(offline.map { ($0.idempotencyKey, $0) }, uniquingKeysWith: { a, _ in a })
        // The latest step of each unfinished transaction, in the order they were written.
        var latest: [String: JournalStep] = [:]
        var order: [String] = []
        for step in openSteps {
            if latest[step.idempotencyKey] == nil { order.append(step.idempotencyKey) }
            latest[step.idempotencyKey] = step
        }
        for key in order {
            guard let step = latest[key], plan.journal.entry(step.stan) == nil else { continue }
            let card = step.card ?? CardSummary(brand: .unknown, last4: "????", entryMode: .contact)
            let stan = ReceiptFormatter.stan(step.stan)
            if let payment = stored[key] {
                plan.journal.add(offlineEntry(payment, kind: step.kind))
                plan.notes.append("STAN \(stan): approved offline before the restart; kept for forwarding")
                continue
            }
            var entry = JournalEntry(transaction: step.kind, amount: step.amount, card: card, stan: step.stan,
                                     outcome: .failed(.rejected("interrupted: the terminal restarted")), emv: nil, date: now, reference: step.reference)
            switch (step.action, step.kind) {
            case (.storingOffline, _):
                entry.outcomeText = "interrupted before it was kept offline: nothing was taken"
                plan.notes.append("STAN \(stan): interrupted before it was kept offline; nothing was taken")
            case (.authorizing, .sale), (.authorizing, .preauthorization):
                entry.outcomeText = "interrupted: the terminal restarted; reversed if the gateway approved it"
                plan.inquiries.append(Inquiry(key: key, reason: interruptedSale))
                plan.notes.append("STAN \(stan): interrupted while authorizing; the gateway is asked and any approval reversed")
            default:
                // A refund, completion or void: what the gateway made of it decides.
                entry.status = .inDoubt
                entry.outcomeText = "interrupted: the terminal restarted; the gateway is asked"
                plan.inquiries.append(Inquiry(key: key, reason: TransactionStateMachine.refundInquiry))
                plan.notes.append("STAN \(stan): \(step.kind.rawValue) interrupted; the gateway is asked what became of it")
            }
            plan.journal.add(entry)
        }
        // Offline payments the journal has not heard the end of.
        for payment in offline {
            guard let entry = plan.journal.entry(payment.stan), entry.offline == .stored, payment.status != .pending else { continue }
            plan.journal.update(payment.stan) { settle(&$0, as: payment) }
            plan.notes.append("STAN \(ReceiptFormatter.stan(payment.stan)): offline payment \(payment.status == .declined ? "declined by the bank" : "forwarded")")
        }
        return plan
    }

    /// The journal entry of a payment the offline store holds.
    static func offlineEntry(_ payment: StoredPayment, kind: TransactionKind) -> JournalEntry {
        var entry = JournalEntry(transaction: kind, amount: payment.amount, card: payment.card, stan: payment.stan,
                                 outcome: .approvedOffline(authorizationCode: "Y3"), emv: nil, date: payment.storedAt, reference: nil)
        settle(&entry, as: payment)
        return entry
    }

    /// An offline entry as the store says its forwarding ended (nothing while pending).
    static func settle(_ entry: inout JournalEntry, as payment: StoredPayment) {
        switch payment.status {
        case .pending: return
        case .forwarded: entry.offline = .forwarded
        case .declined:
            entry.offline = .declined
            entry.status = .declined
            entry.outcomeText = payment.declineCode.flatMap(DeclineCode.init(rawValue:))?.terminalText ?? payment.declineCode
            entry.captured = nil
        }
        entry.gatewayID = payment.paymentIntent
    }
}
