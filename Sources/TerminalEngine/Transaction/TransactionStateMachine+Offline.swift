import CardReaders
import EMV
import Foundation
import PaymentCore

/// Store-and-forward (docs/offline.md): a chip sale the gateway provably did not get (or one forced offline) is
/// approved by the terminal within the profile's offline policy — the card's TC on an insert, the tap's ARQC kept
/// for a deferred authorization — stored durably before the approval shows, and forwarded in order later.
extension TransactionStateMachine {
    /// Why this sale may not be approved offline now (nil: it may).
    func offlineRefusal(amount: Money, request: OnlineRequest, now: Date) -> String? {
        if serverIntent != nil { return "a sale the server started goes online" }
        if request.onlinePIN != nil { return "a PIN checked by the bank cannot be taken offline" }
        return profile.offline.refusal(for: amount, queue: offlineQueue, now: now)
    }

    /// The kernel finished a sale the terminal approves offline: what to store, or nil when the card declined it
    /// (an AAC: the usual decline).
    mutating func offlineApproval(_ outcome: KernelOutcome, tx: CurrentTransaction, settlement: ChipSettlement.Settlement, now: Date) -> [TransactionAction]? {
        let request: OnlineRequest?
        switch outcome.decision {
        case .approvedUnableToGoOnline, .approvedOffline:
            request = tx.entryMode.chipInterface.flatMap { outcome.forwardingRequest(entryMode: $0) }
        case .declinedUnableToGoOnline where tx.entryMode == .contactless:
            request = tx.onlineRequest
        default:
            request = nil
        }
        guard let request, let card = settlement.card ?? tx.card else { return nil }
        var emv = settlement.emv
        emv.arc = "Y3"
        current?.awaitingStore = AwaitingStore(card: card, emv: emv)
        phase = .authorizing(amount: tx.amount, card: card, stan: tx.stan)
        return [.storeOffline(authorizationRequest(amount: tx.amount, entryMode: tx.entryMode, card: .chip(request), stan: tx.stan), storedAt: now)]
    }

    /// The store kept it (the approval shows) or could not (no sale: nothing was taken).
    mutating func offlineStored(stan: UInt32, failure: String?, queue: OfflinePolicy.Queue, now: Date) -> [TransactionAction] {
        offlineQueue = queue
        guard let tx = current, tx.stan == stan, let waiting = tx.awaitingStore else { return [] }
        let outcome: AuthorizationResult = failure.map { .failed(.rejected("the payment could not be kept offline: \($0)")) }
            ?? .approvedOffline(authorizationCode: "Y3")
        return finish(amount: tx.amount, card: waiting.card, stan: stan, outcome: outcome, emv: waiting.emv, now: now)
    }

    /// Stored payments reached the gateway: the journal takes each one's intent, or its decline (the merchant's
    /// loss); one save for them all.
    mutating func offlineForwarded(_ answers: [OfflineAnswer], queue: OfflinePolicy.Queue) -> [TransactionAction] {
        offlineQueue = queue
        var changed = false
        for answer in answers {
            guard let entry = journal.entries.last(where: { $0.stan == answer.stan && $0.offline == .stored }) else { continue }
            switch answer.result {
            case .approved(let id, _):
                journal.update(entry.stan) { $0.gatewayID = id; $0.offline = .forwarded }
            case .declined(let code, _, let id):
                journal.update(entry.stan) { e in
                    e.status = .declined
                    e.offline = .declined
                    e.gatewayID = id
                    e.outcomeText = code.terminalText
                    e.captured = nil
                }
                notice = "Offline payment \(ReceiptFormatter.stan(answer.stan)) declined by the bank: \(code.terminalText)"
            case .failed, .approvedOffline:
                continue
            }
            changed = true
        }
        return changed ? [.saveJournal(journal)] : []
    }
}
