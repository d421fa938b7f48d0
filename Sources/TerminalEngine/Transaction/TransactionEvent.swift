import CardReaders
import EMV
import PaymentCore

/// Something that happened to the terminal: keys, cards, the kernel, the gateway, timers and the server.
public enum TransactionEvent: Sendable, Equatable {
    case keyPressed(TerminalKey)
    /// The merchant or a script asks for a transaction, a reprint or the end of day.
    case operationRequested(TerminalOperation)
    /// Who asked for the transaction just requested (a cash register over Caisse-AP): kept on its payment as
    /// metadata, e.g. `caisse_ap_till`.
    case requestedBy([String: String])
    /// The gateway answered a completion or a void (transaction `stan`).
    case followUpAnswered(stan: UInt32, AuthorizationResult)
    /// The gateway answered a batch report or close.
    case batchAnswered(number: Int, Result<GatewayBatch, GatewayFailure>)
    case cardPresented(CardPresentation)
    case cardRemoved
    case readerFailed(String)
    /// The reader was plugged in or unplugged (USB readers).
    case readerConnectionChanged(connected: Bool, message: String)
    /// The terminal could not save its STAN counter: what the action list still held was not performed.
    case storageFailed(String)

    // The chip dialogue, as the kernel asks for things.
    /// The card has several applications (or one to confirm): the cardholder chooses.
    case applicationChoiceRequested([Candidate])
    /// The kernel asks for a PIN.
    case pinRequested(PINPrompt)
    /// The kernel read the card and must go online.
    case onlineRequested(OnlineRequest)
    /// The chip dialogue ended (transaction `stan`).
    case kernelCompleted(stan: UInt32, KernelOutcome)

    /// The gateway answered the authorization of transaction `stan`.
    case authorizationAnswered(stan: UInt32, GatewayAnswer)
    /// The reversal queue found out what became of a refund whose answer was lost (`idempotencyKey`): approved as
    /// refund `refundID`, or nil when the gateway never made it.
    case refundInquiryAnswered(idempotencyKey: String, refundID: String?)
    /// Time passed, a level was set or the charger plugged in (portable and mobile terminals).
    case battery(BatteryChange)
    /// The printer ran out of paper, its cover opened, or it is ready again.
    case printerChanged(PrinterState)
    /// The engine kept the payment approved offline (`stan`) in the offline store — or could not (`failure`);
    /// `queue` is what the store holds now.
    case offlineStored(stan: UInt32, failure: String?, queue: OfflinePolicy.Queue)
    /// Stored payments were forwarded: the gateway's answers (STAN, result), oldest first, and what the store still
    /// holds.
    case offlineForwarded([OfflineAnswer], queue: OfflinePolicy.Queue)
    /// What the offline store holds (at start).
    case offlineQueueChanged(OfflinePolicy.Queue)
    /// The customer's answer to "customer receipt?" (the control socket's `receipt`, the address typed on the screen).
    case receiptChosen(ReceiptAnswer)
    /// A timer the machine set went off.
    case timerFired(TimerID)

    // The server-driven flow.
    /// The reader's action on the gateway, as the long poll last reported it (nil: no action).
    case readerActionChanged(ReaderAction?)
    /// The amount of a payment intent the terminal was asked to process (nil: it could not be read).
    case paymentIntentFetched(id: String, amount: Money?, receiptEmail: String? = nil)
    /// The tip was added to the intent (nil), or could not be (the gateway's message).
    case tipApplied(paymentIntent: String, failure: String?)
    /// The card presented through the API, as the simulator reads it (nil: no such card for this terminal).
    case presentedCardRead(CardPresentation?)
}

/// A timer of the state machine, told apart by what it guards and a counter.
public enum TimerID: Sendable, Equatable, Hashable {
    /// The PIN pad waits for the cardholder (the n-th PIN pad of this terminal).
    case pinEntry(Int)
    /// "Customer receipt?" waits for an answer (the n-th question).
    case receiptChoice(Int)
}

/// The gateway's answer to one forwarded offline payment.
public struct OfflineAnswer: Sendable, Equatable {
    public var stan: UInt32
    public var result: AuthorizationResult

    public init(stan: UInt32, _ result: AuthorizationResult) {
        self.stan = stan
        self.result = result
    }
}
