import Foundation
import PaymentCore

/// Runs the bank transfer steps of payment intents (`PaymentIntentLifecycle+BankTransfer`): reads the customer's
/// cash balance and the intents waiting for their transfers, lets the lifecycle decide and commits its rows, guarded
/// by the balance and the remaining amounts as read.
extension PaymentIntents {
    /// A confirmation paid by bank transfer: the instructions, after the customer's cash balance is applied.
    func requestTransfer(_ intent: PaymentIntentRecord, method: PaymentMethodRecord, options: ConfirmOptions, now: Date,
                         intentWrite: (PaymentIntentRecord) -> StoreWrite) async throws -> IntentTransition {
        try PaymentIntentLifecycle.checkBankTransfer(intent, request: options.bankTransfer)
        guard let request = options.bankTransfer, let customer = intent.customer else { throw IntentRefusal.missingPaymentMethod }
        if let open = try await store.find(BankTransferRecord.self, id: intent.id), open.status == .open {
            throw IntentRefusal.invalidParameter(
                message: "This PaymentIntent waits for a bank transfer already (reference \(open.reference)); its next_action has the instructions.",
                param: "payment_method")
        }
        let balance = try await store.find(CashBalanceRecord.self, id: CashBalanceRecord.id(customer: customer, currency: intent.currency))
        return lifecycle.transferRequested(intent, method: method, request: request, reference: ObjectID.random(length: 12).uppercased(),
                                           balance: balance, now: Int64(now.timeIntervalSince1970), intentWrite: intentWrite)
    }

    /// A bank transfer received from the customer (`POST /v1/test_helpers/customers/:id/fund_cash_balance`): into
    /// their cash balance, applied to the intents waiting for it. Answers the `funded` cash transaction.
    func receiveTransfer(customer: String, currency: String, amount: Int64, reference: String?, now: Date) async throws -> CashBalanceTransactionRecord {
        try await store.retryingConflicts {
            let balance = try await store.find(CashBalanceRecord.self, id: CashBalanceRecord.id(customer: customer, currency: currency))
            let open = try await store.list(BankTransferRecord.self, PageRequest(limit: 100, filters: ["customer": customer, "currency": currency, "status": BankTransferStatus.open.rawValue]))
            var waiting: [(transfer: BankTransferRecord, intent: PaymentIntentRecord, method: PaymentMethodRecord)] = []
            for transfer in open.items {
                guard let intent = try await store.find(PaymentIntentRecord.self, id: transfer.id), let methodID = intent.paymentMethod,
                      let method = try await store.find(PaymentMethodRecord.self, id: methodID) else { continue }
                waiting.append((transfer, intent, method))
            }
            let step = lifecycle.transferReceived(customer: customer, currency: currency, amount: amount, reference: reference, balance: balance,
                                                  waiting: waiting, now: Int64(now.timeIntervalSince1970))
            try await store.commit(step.writes + EventOutbox.writes(step.events, now: Int64(now.timeIntervalSince1970)))
            return step.funded
        }
    }

    /// What canceling `intent` adds when it waits for a bank transfer: the transfer closed, its money back in the
    /// customer's cash balance.
    func transferCancellation(of intent: PaymentIntentRecord, now: Int64) async throws -> (writes: [StoreWrite], events: [EventDraft]) {
        guard intent.status == .requiresAction, let transfer = try await store.find(BankTransferRecord.self, id: intent.id),
              transfer.status == .open else { return ([], []) }
        let balance = try await store.find(CashBalanceRecord.self, id: CashBalanceRecord.id(customer: transfer.customer, currency: transfer.currency))
        return PaymentIntentLifecycle.transferCanceled(transfer, intent: intent, balance: balance, now: now)
    }
}
