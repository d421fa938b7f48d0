import Foundation
import CardReaders
import EMV
import PaymentCore

/// Something the engine must do.
public enum TransactionAction: Sendable, Equatable {
    /// Persist the next STAN before the request leaves, so a crash never reuses one.
    case persistSTAN(next: UInt32)
    /// Send an authorization to the gateway; its answer comes back as `.authorizationAnswered`.
    case requestAuthorization(AuthorizationRequest)
    /// Complete or void an earlier transaction (answered by `.followUpAnswered`).
    case requestFollowUp(FollowUpRequest)
    /// Ask the gateway for the batch's totals, or close it with the terminal's (answered by `.batchAnswered`).
    case requestBatch(number: Int, close: [BatchTotal]?)
    /// Keep a payment approved offline in the offline store (card data enciphered, on disk before the approval
    /// shows); answered by `.offlineStored`.
    case storeOffline(AuthorizationRequest, storedAt: Date)
    /// Persist the open batch's journal.
    case saveJournal(BatchJournal)
    /// Run the EMV dialogue with the card.
    case startChip(ChipTransaction)
    /// Answer the kernel's application choice: the index of the candidate, or nil to cancel.
    case answerApplication(Int?)
    /// Answer the kernel's PIN request: the PIN, or nil when the cardholder bypasses PIN entry.
    case answerPIN(PINEntry?)
    /// Hand the issuer's answer (or its absence) to the kernel.
    case answerKernel(OnlineResponse)
    /// Stop the chip dialogue (cancel key, time-out, the point of sale cancelled).
    case cancelChip
    /// Keep the transaction in the reversal queue: it is asked about by its key and undone if it went through.
    case queueReversal(key: String, paymentIntent: String?, reason: String)
    case printReceipt(Receipt)
    /// Send the customer's e-receipt to this address (`receipt_email`, `vtpe sale --email`).
    case emailReceipt(to: String, Receipt)
    /// Fire `.timerFired(id)` after `duration` of the terminal's clock.
    case startTimer(TimerID, Duration)

    // The server-driven flow.
    /// Read the amount of this payment intent (answered by `.paymentIntentFetched`).
    case fetchPaymentIntent(String)
    /// Raise the intent's amount by the tip chosen on the reader (answered by `.tipApplied`).
    case addTip(paymentIntent: String, newAmount: Money, tip: Money)
    /// Read the card the API presented, preferably in this mode (answered by `.presentedCardRead`).
    case readPresentedCard(PAN, preferredMode: EntryMode)
    /// Tell the gateway how the reader's action ended.
    case reportActionResult(readerID: String, ReaderActionResult)
}
