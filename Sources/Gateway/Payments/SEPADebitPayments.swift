import Foundation
import PaymentCore

/// Runs the SEPA Direct Debit steps of payment intents: reads the mandate and the bank clock, lets the lifecycle
/// decide (`PaymentIntentLifecycle+SEPADebit`) and commits its rows; and applies the banks' answers that are due.
extension PaymentIntents {
    /// The debit of a confirmation paid by bank account, under the mandate its confirmation gives or names, or the
    /// method's active one.
    func submitDebit(_ intent: PaymentIntentRecord, account: ResolvedBankAccount, options: ConfirmOptions, now: Date,
                     intentWrite: (PaymentIntentRecord) -> StoreWrite) async throws -> IntentTransition {
        try PaymentIntentLifecycle.checkDebit(intent, method: account.method)
        let active = account.isNew ? nil : try await activeMandate(of: account.method.id)
        let named = try await options.mandate.asyncMap { try await store.find(MandateRecord.self, id: $0) } ?? nil
        let at = Int64(now.timeIntervalSince1970)
        let mandate = try PaymentIntentLifecycle.mandate(
            for: account.method, customer: intent.customer, options: options, existing: active, named: named,
            id: ObjectID.make("mandate"), reference: ObjectID.random(length: 16).uppercased(), now: at)
        let bankNow = try await BankClock(store: store, clock: clock).now()
        return lifecycle.debitSubmitted(intent, account: account, mandate: mandate, answer: SEPABank.answer(for: account.iban),
                                        bankNow: bankNow, now: at, intentWrite: intentWrite)
    }

    /// The method's newest active mandate.
    func activeMandate(of methodID: String) async throws -> MandateRecord? {
        try await store.list(MandateRecord.self, PageRequest(limit: 1, filters: ["payment_method": methodID, "status": MandateStatus.active.rawValue])).items.first
    }

    /// Applies every bank answer due by `bankNow` (the bank clock); answers how many debits it closed. Another
    /// gateway process answering the same debit makes this one's guarded commit fail: it reads the debit again and
    /// finds it answered.
    func answerDueDebits(bankNow: Int64, now: Date) async throws -> Int {
        var answered = 0
        while true {
            let due = try await store.dueBankDebits(by: bankNow, limit: 100)
            if due.isEmpty { return answered }
            for listed in due {
                let closed = try await store.retryingConflicts {
                    guard let debit = try await store.find(BankDebitRecord.self, id: listed.id),
                          debit.status == .pending else { return false }
                    let intent = try await store.find(PaymentIntentRecord.self, id: debit.paymentIntent)
                    let charge = try await store.find(ChargeRecord.self, id: debit.id)
                    let at = Int64(now.timeIntervalSince1970)
                    if let step = lifecycle.debitAnswered(debit, intent: intent, charge: charge, now: at) {
                        try await store.commit(step.rows(now: now))
                    } else {
                        try await store.commit([PaymentIntentLifecycle.closing(debit)])
                    }
                    return true
                }
                if closed { answered += 1 }
            }
        }
    }
}
