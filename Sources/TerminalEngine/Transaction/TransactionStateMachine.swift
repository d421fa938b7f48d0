import CardReaders
import EMV
import Foundation
import PaymentCore

/// A finished transaction.
public struct TransactionResult: Sendable, Equatable {
    public var amount: Money
    public var card: CardSummary
    public var stan: UInt32
    public var outcome: AuthorizationResult
    public var date: Date
    /// The customer copy (what the screen shows).
    public var receipt: Receipt
    public var kind: TransactionKind = .sale
    /// The merchant copy.
    public var merchantReceipt: Receipt? = nil
    /// The transaction this one acted on (completion, void, referenced refund).
    public var reference: UInt32? = nil
}

/// An entry of the terminal's menu.
public enum MenuItem: String, Sendable, Equatable, CaseIterable {
    case sale, preauthorization, completion, void, refund, reprint, report, close
    /// What the terminal is: its profile, terminal ID, gateway, reader and language.
    case settings
}

/// What a typed STAN is for.
public enum ReferencePurpose: String, Sendable, Equatable {
    case completion, void, refund, reprint
}

/// Where the sale is.
public enum TransactionPhase: Sendable, Equatable {
    case amountEntry(digits: String)
    case waitingForCard(amount: Money)
    /// The EMV dialogue with the card runs (before it goes online).
    case readingCard(amount: Money, entryMode: EntryMode, stan: UInt32)
    /// The card has several applications: the cardholder picks one (labels in the card's priority order).
    case selectingApplication(amount: Money, entryMode: EntryMode, stan: UInt32, labels: [String])
    /// The PIN pad is up; `digits` counts what is typed (the digits themselves are never in a snapshot).
    case pinEntry(amount: Money, entryMode: EntryMode, stan: UInt32, prompt: PINPrompt, digits: Int)
    case authorizing(amount: Money, card: CardSummary, stan: UInt32)
    case finished(TransactionResult)
    /// The menu: the transactions the profile enables, reprint and the end of day, numbered from 1.
    case menu(items: [MenuItem])
    /// Typing the STAN of the transaction to complete, void, refund or reprint.
    case referenceEntry(purpose: ReferencePurpose, digits: String)
    /// The tip for a sale of `amount`: a percentage key (prompt) or typed digits (typed).
    case tipEntry(amount: Money, digits: String)
    /// A completion, void or batch request is with the gateway.
    case processing(title: String)
    /// The X report or the Z close.
    case batchReport(BatchReport)
    /// The terminal's settings (the profile, the gateway, the reader), from the menu.
    case settings

    /// The result is on screen.
    public var isFinished: Bool {
        if case .finished = self { true } else { false }
    }
}

/// The sale, as a pure state machine: events in, actions out. No I/O and no clock of its own: the time of an event
/// comes with it (`now`), and timers are actions the engine performs on its clock.
///
/// It decides everything about a transaction — amount entry, which cards it takes, the chip dialogue's PIN pad and
/// application choice, what the kernel is told of the gateway's answer, the result and the reversal owed when an
/// approval did not complete — and the server-driven flow (see `TransactionStateMachine+Server.swift`).
public struct TransactionStateMachine: Sendable, Equatable {
    public let profile: FirmwareProfile
    public let terminalID: String
    /// How long the PIN pad waits for the cardholder before the sale is cancelled.
    public let pinTimeout: Duration
    public internal(set) var phase: TransactionPhase = .amountEntry(digits: "")
    /// A one-line message for the user (a refused key, a refused card); cleared by the next accepted event.
    public internal(set) var notice: String?
    public private(set) var nextSTAN: UInt32
    /// The payment intent a server-driven sale confirms (nil for a sale keyed in at the terminal).
    public internal(set) var serverIntent: String?
    /// The cart on screen, until the next sale ends or the point of sale clears it.
    public internal(set) var cart: CartDisplay?
    /// The PIN being typed: held only until Enter hands it to the kernel.
    private var pinDigits: [Int] = []
    /// How many PIN pads have opened (names the PIN time-out timer).
    private var pinPads = 0
    /// The card transaction in progress (chip or swipe), from the card's arrival to the result.
    var current: CurrentTransaction?
    /// The server-driven flow's state.
    var server = ServerFlow()
    /// The last chip read of this sale failed (the card or the reader): a swipe of that chip card is the fallback.
    var chipReadFailed = false
    /// Counts finished transactions (the engine tells a new result from the one still on screen).
    public internal(set) var finishedTransactions = 0
    /// What the card (or the amount being typed) is for.
    public internal(set) var kind: TransactionKind = .sale
    /// The transaction the current one acts on (completion, referenced refund).
    public internal(set) var reference: UInt32?
    /// The tip chosen on the terminal for the current sale.
    var terminalTip: Money?
    /// Where the current transaction's e-receipt goes (`receipt_email`, `vtpe sale --email`).
    var receiptEmail: String?
    /// Who asked for the transaction in progress (`TransactionEvent.requestedBy`), for its payment's metadata.
    var requestedBy: [String: String] = [:]
    /// How the current sale treats a gateway it cannot reach (`vtpe sale --offline-behavior`).
    var saleOffline: OfflineBehavior = .preferOnline
    /// What the offline store holds, as the engine last told.
    public internal(set) var offlineQueue: OfflinePolicy.Queue = .empty
    /// The open batch.
    public internal(set) var journal: BatchJournal
    /// "Customer receipt?" while the result of a payment whose profile prints that copy on request is on screen.
    public internal(set) var receiptOffer: ReceiptOffer?
    /// How many receipt questions were asked (names their time-out timer).
    var receiptOffers = 0
    /// An inserted card is still in the slot (from its insertion to its removal): the screen says to remove it.
    public internal(set) var cardInSlot = false
    /// The card reader is there (a USB reader unplugged is not; the simulator always is).
    public internal(set) var readerConnected = true
    /// The last receipt printed (or written as an e-receipt), for scripts.
    public internal(set) var lastPrinted: [Receipt] = []
    /// The battery (nil on mains power): drained by each finished transaction and by the minutes the engine counts.
    public internal(set) var batteryGauge: BatteryGauge?
    public var battery: BatteryReading? { batteryGauge?.reading }
    /// The receipt printer; receipts made while it cannot print wait in `heldReceipts`.
    public internal(set) var printer: PrinterState = .ready
    public internal(set) var heldReceipts: [Receipt] = []
    /// Counts batch reports (the engine tells a new one from the one on screen).
    public internal(set) var reportsMade = 0
    /// Why the last requested operation was refused (nil when it started).
    public internal(set) var refusal: String?
    /// Counts reprints (scripts wait for one).
    public internal(set) var reprints = 0
    /// The batch request with the gateway: a close (true) or a report.
    var pendingBatchClose: Bool?
    /// The completion or void with the gateway.
    var followUp: PendingFollowUp?

    struct CurrentTransaction: Sendable, Equatable {
        var stan: UInt32
        var amount: Money
        var entryMode: EntryMode
        var isChip: Bool
        /// A PIN typed ahead (`vtpe tap --pin`, the server-driven flow): used for the first PIN request only.
        var typedPIN: PINEntry?
        /// The application chosen ahead (`vtpe tap --app`): a label or a 1-based position.
        var typedApplication: String?
        /// The card, once read.
        var card: CardSummary?
        /// The gateway's answer, once it came.
        var answer: GatewayAnswer?
        /// An authorization was sent and has not been answered.
        var awaitingAnswer = false
        /// The kernel's online request (a tap's ARQC is what a deferred authorization keeps).
        var onlineRequest: OnlineRequest?
        /// The terminal approves it offline once the kernel has finished (store-and-forward).
        var offline = false
        /// Why a sale that had to be offline was not taken (force_offline beyond the policy).
        var offlineRefusal: String?
        /// The payment approved offline waits for the store: the card and receipt data to finish with.
        var awaitingStore: AwaitingStore?
    }

    struct AwaitingStore: Sendable, Equatable {
        var card: CardSummary
        var emv: EMVReceiptData
    }

    public init(profile: FirmwareProfile, terminalID: String, nextSTAN: UInt32, pinTimeout: Duration = .seconds(60), journal: BatchJournal = BatchJournal()) {
        self.profile = profile
        self.terminalID = terminalID
        self.nextSTAN = max(1, nextSTAN)
        self.pinTimeout = pinTimeout
        self.journal = journal
        batteryGauge = profile.batteryModel.map { BatteryGauge(model: $0) }
    }

    /// The reversal queue's reason for a refund whose answer was lost: it is asked about and reported, never undone.
    public static let refundInquiry = "refund answer lost"

    /// Takes the next STAN (1–999999, then 1 again).
    mutating func allocateSTAN() -> UInt32 {
        let stan = nextSTAN
        nextSTAN = stan >= 999_999 ? 1 : stan + 1
        return stan
    }

    public mutating func handle(_ event: TransactionEvent, now: Date) -> [TransactionAction] {
        switch event {
        case .cardPresented(let card) where card.entryMode == .contact: cardInSlot = true
        case .cardRemoved: cardInSlot = false
        default: break
        }
        let actions = handleEvent(event, now: now)
        // The receipt question belongs to the result on screen: it lapses when anything else comes up.
        if !phase.isFinished { receiptOffer = nil }
        return actions
    }

    private mutating func handleEvent(_ event: TransactionEvent, now: Date) -> [TransactionAction] {
        // The device's own events leave the screen's message alone unless they have one to show.
        switch event {
        case .battery(let change): return batteryChanged(change)
        case .printerChanged(let state): return printerChanged(state)
        case .offlineQueueChanged(let queue):
            offlineQueue = queue
            return []
        case .offlineForwarded(let answers, let queue): return offlineForwarded(answers, queue: queue)
        case .readerConnectionChanged(let connected, let message):
            readerConnected = connected
            notice = "Reader: \(message)"
            return []
        case .requestedBy(let origin):
            requestedBy = origin
            return []
        default: break
        }
        notice = nil
        switch event {
        case .readerActionChanged(let action): return readerActionChanged(action)
        case .paymentIntentFetched(let id, let amount, let email): return paymentIntentFetched(id, amount: amount, receiptEmail: email)
        case .tipApplied(let intent, let failure): return tipApplied(intent, failure: failure)
        case .presentedCardRead(let card): return presentedCardRead(card, now: now)
        case .authorizationAnswered(let stan, let answer): return authorizationAnswered(stan: stan, answer, now: now)
        case .storageFailed(let message):
            return storageFailed(message, now: now)
        case .operationRequested(let operation):
            let (before, reprinted) = (phase, reprints)
            let actions = begin(operation, now: now)
            refusal = actions.isEmpty && phase == before && reprints == reprinted ? (notice ?? "refused") : nil
            return actions
        case .followUpAnswered(let stan, let result): return followUpAnswered(stan: stan, result, now: now)
        case .batchAnswered(let number, let answer): return batchAnswered(number: number, answer, now: now)
        case .kernelCompleted(let stan, let outcome): return kernelCompleted(stan: stan, outcome, now: now)
        case .refundInquiryAnswered(let key, let refundID): return refundInquiryAnswered(key: key, refundID: refundID)
        case .offlineStored(let stan, let failure, let queue): return offlineStored(stan: stan, failure: failure, queue: queue, now: now)
        case .timerFired(.receiptChoice(let n)): return receiptChoiceTimedOut(n)
        case .receiptChosen(let answer):
            guard let offer = receiptOffer else {
                notice = "No receipt question is on screen"
                return []
            }
            return receiptAnswered(answer, offer: offer)
        case .timerFired(.pinEntry(let n)):
            guard n == pinPads, case .pinEntry(let amount, let mode, let stan, _, _) = phase else { return [] }
            pinDigits = []
            phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
            notice = "PIN entry timed out"
            return [.cancelChip]
        case .cardRemoved:
            // The inserted card pulled out while the PIN pad waits: the dialogue cannot go on (the card is gone).
            guard case .pinEntry(let amount, .contact, let stan, _, _) = phase else { break }
            pinDigits = []
            phase = .readingCard(amount: amount, entryMode: .contact, stan: stan)
            notice = "Card removed"
            return [.cancelChip]
        default: break
        }
        switch (phase, event) {
        case (.amountEntry(""), .keyPressed(.menu)), (.finished, .keyPressed(.menu)), (.batchReport, .keyPressed(.menu)):
            return openMenu()
        case (.finished, .keyPressed(let key)) where receiptOffer != nil:
            return receiptKey(key, offer: receiptOffer!)
        case (.settings, .keyPressed(.menu)):
            return openMenu()
        case (.settings, .keyPressed):
            phase = .amountEntry(digits: "")
            return []
        case (.amountEntry(let digits), .keyPressed(let key)):
            return handleAmountKey(key, digits: digits, now: now)
        case (.menu(let items), .keyPressed(let key)):
            return menuKey(key, items: items, now: now)
        case (.referenceEntry(let purpose, let digits), .keyPressed(let key)):
            return referenceKey(key, purpose: purpose, digits: digits, now: now)
        case (.tipEntry(let amount, let digits), .keyPressed(let key)):
            return tipKey(key, amount: amount, digits: digits)
        case (.batchReport, .keyPressed(.enter)), (.batchReport, .keyPressed(.cancel)):
            phase = .amountEntry(digits: "")
            return []
        case (.batchReport, .keyPressed(.digit(let d))):
            phase = .amountEntry(digits: "")
            return handleAmountKey(.digit(d), digits: "", now: now)
        case (.waitingForCard, .keyPressed(.cancel)), (.waitingForCard, .keyPressed(.backspace)):
            phase = .amountEntry(digits: "")
            notice = "\(kind == .sale ? "Sale" : ReceiptFormatter.englishName(kind).capitalized) cancelled"
            resetKind()
            return cancelServerSale(code: "customer_canceled", message: "The sale was cancelled on the terminal.")
        case (.waitingForCard(let amount), .cardPresented(let card)):
            return present(card, amount: amount)

        // The chip dialogue.
        case (.readingCard(let amount, let mode, let stan), .applicationChoiceRequested(let candidates)):
            // The cardholder chooses between brands (EU Regulation 2015/751 art. 8: co-badged cards); one brand's
            // applications (Mastercard and Maestro share a RID) are taken in the card's priority order.
            let brands = Set(candidates.map { $0.aid.prefix(5) })
            if brands.count == 1, !candidates[0].requiresConfirmation { return [.answerApplication(0)] }
            if let chosen = current?.typedApplication {
                current?.typedApplication = nil
                if let n = Int(chosen), candidates.indices.contains(n - 1) { return [.answerApplication(n - 1)] }
                if let i = candidates.firstIndex(where: { $0.label.uppercased().contains(chosen.uppercased()) }) { return [.answerApplication(i)] }
                notice = "No application '\(chosen)' on this card: choose on the terminal"
            }
            phase = .selectingApplication(amount: amount, entryMode: mode, stan: stan, labels: candidates.map(\.label))
            return []
        case (.selectingApplication(let amount, let mode, let stan, let labels), .keyPressed(let key)):
            switch key {
            case .digit(let d) where (1...labels.count).contains(d):
                phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
                return [.answerApplication(d - 1)]
            case .enter:
                phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
                return [.answerApplication(0)]
            case .cancel:
                phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
                notice = "Cancelling…"
                return [.answerApplication(nil)]
            default:
                notice = "Choose the application with 1-\(labels.count) (Enter: the first)"
                return []
            }
        case (.readingCard(let amount, let mode, let stan), .pinRequested(let prompt)):
            if let pin = current?.typedPIN {
                current?.typedPIN = nil
                return [.answerPIN(pin)]
            }
            pinDigits = []
            pinPads += 1
            phase = .pinEntry(amount: amount, entryMode: mode, stan: stan, prompt: prompt, digits: 0)
            return [.startTimer(.pinEntry(pinPads), pinTimeout)]
        case (.pinEntry(let amount, let mode, let stan, let prompt, _), .keyPressed(let key)):
            return handlePINKey(key, amount: amount, mode: mode, stan: stan, prompt: prompt)
        case (.readingCard(let amount, _, let stan), .onlineRequested(let request)), (.pinEntry(let amount, _, let stan, _, _), .onlineRequested(let request)):
            guard let tx = current, tx.stan == stan else { return [.answerKernel(.unableToGoOnline)] }
            let card = CardSummary(pan: request.pan, entryMode: tx.entryMode, expiry: request.track2?.expiry, aid: request.applicationIdentifier)
            current?.card = card
            current?.onlineRequest = request
            phase = .authorizing(amount: amount, card: card, stan: stan)
            if kind == .sale, saleOffline == .forceOffline {
                // Not even tried online: stored within the policy, refused beyond it.
                if let refusal = offlineRefusal(amount: amount, request: request, now: now) { current?.offlineRefusal = refusal } else { current?.offline = true }
                return [.answerKernel(.unableToGoOnline)]
            }
            current?.awaitingAnswer = true
            return [.requestAuthorization(authorizationRequest(amount: amount, entryMode: tx.entryMode, card: .chip(request), stan: stan))]
        case (.readingCard, .keyPressed(.cancel)):
            notice = "Cancelling…"
            return [.cancelChip]
        case (.readingCard, .keyPressed), (.readingCard, .cardPresented), (.selectingApplication, .cardPresented):
            notice = "Please wait: reading the card"
            return []
        case (.authorizing, .keyPressed):
            // The request is out: cancelling now would leave the gateway's answer unowned. The result decides.
            notice = "Please wait: authorizing"
            return []
        case (.finished, .keyPressed(.enter)), (.finished, .keyPressed(.cancel)):
            phase = .amountEntry(digits: "")
            return []
        case (.finished, .keyPressed(.digit(let d))):
            phase = .amountEntry(digits: "")
            return handleAmountKey(.digit(d), digits: "", now: now)
        case (.processing, .keyPressed):
            notice = "Please wait: the gateway is answering"
            return []
        case (_, .readerFailed(let message)):
            notice = "Reader: \(message)"
            return []
        case (.amountEntry, .cardPresented), (.finished, .cardPresented), (.menu, .cardPresented), (.referenceEntry, .cardPresented),
             (.tipEntry, .cardPresented), (.batchReport, .cardPresented), (.processing, .cardPresented), (.settings, .cardPresented):
            notice = "Enter the amount first, then present the card"
            return []
        case (.authorizing, .cardPresented), (.pinEntry, .cardPresented):
            notice = "Please wait: a card is being processed"
            return []
        case (_, .onlineRequested):
            return [.answerKernel(.unableToGoOnline)]
        case (_, .applicationChoiceRequested):
            return [.answerApplication(nil)]
        case (_, .pinRequested):
            return [.answerPIN(nil)]
        default:
            // Keys a phase has no use for, and the events handled before this switch (answers, timers, the server's,
            // the devices'). A `default` because the compiler cannot check this switch's exhaustiveness in reasonable
            // time since the settings phase and the receipt answer came.
            return []
        }
    }

    // MARK: Answers and results

    /// The STAN could not be saved: nothing may leave under it. The transaction ends not completed.
    private mutating func storageFailed(_ message: String, now: Date) -> [TransactionAction] {
        notice = "Terminal storage failed: \(message)"
        if let pending = followUp {
            followUp = nil
            guard let original = journal.entry(pending.reference) else { phase = .amountEntry(digits: ""); return [] }
            let entry = JournalEntry(transaction: pending.kind, amount: pending.amount, card: original.card, stan: pending.request.stan,
                                     outcome: .failed(.rejected("the terminal could not save its STAN")), emv: nil, date: now, reference: pending.reference)
            return showResult(entry, outcome: .failed(.rejected("the terminal could not save its STAN")), now: now)
        }
        guard let tx = current else { return [] }
        current = nil
        var actions: [TransactionAction] = tx.isChip ? [.cancelChip] : []
        actions += finish(amount: tx.amount, card: tx.card ?? CardSummary(brand: .unknown, last4: "????", entryMode: tx.entryMode), stan: tx.stan,
                          outcome: .failed(.rejected("the terminal could not save its STAN: \(message)")), emv: nil, now: now)
        return actions
    }

    private mutating func authorizationAnswered(stan: UInt32, _ answer: GatewayAnswer, now: Date) -> [TransactionAction] {
        let key = AuthorizationRequest.idempotencyKey(terminalID: terminalID, stan: stan)
        guard var tx = current, tx.stan == stan, tx.awaitingAnswer else {
            // The answer of a transaction that has already ended: an approval nobody completed is undone.
            if case .approved(let id, _) = answer.result { return [.queueReversal(key: key, paymentIntent: id, reason: "late answer")] }
            return answer.outcomeKnown ? [] : [.queueReversal(key: key, paymentIntent: nil, reason: "answer lost")]
        }
        tx.awaitingAnswer = false
        tx.answer = answer
        if tx.isChip, kind == .sale, saleOffline == .preferOnline, answer.outcomeKnown, case .failed(.unreachable) = answer.result,
           let request = tx.onlineRequest, profile.offline.enabled {
            // The gateway provably did not get it: approved offline (the card's TC, or a tap's ARQC kept) — or said why not.
            if let refusal = offlineRefusal(amount: tx.amount, request: request, now: now) { tx.offlineRefusal = refusal } else { tx.offline = true }
        }
        current = tx
        if tx.isChip { return [.answerKernel(ChipSettlement.onlineResponse(for: answer))] }
        // A swipe ends with the gateway's answer; a lost one is asked about (a refund's is only asked about, never undone).
        let reversal: [TransactionAction] = answer.outcomeKnown ? []
            : [.queueReversal(key: key, paymentIntent: nil, reason: kind == .refund ? Self.refundInquiry : "answer lost")]
        let card = tx.card ?? CardSummary(brand: .unknown, last4: "????", entryMode: .magstripe)
        return reversal + finish(amount: tx.amount, card: card, stan: stan, outcome: answer.result, emv: nil, now: now,
                                 inDoubt: kind == .refund && !answer.outcomeKnown)
    }

    private mutating func kernelCompleted(stan: UInt32, _ outcome: KernelOutcome, now: Date) -> [TransactionAction] {
        guard let tx = current, tx.stan == stan, tx.isChip else { return [] }
        var settlement = ChipSettlement.settle(outcome, answer: tx.answer, entryMode: tx.entryMode)
        chipReadFailed = false
        if case .terminated(let reason) = outcome.decision, tx.entryMode == .contact, tx.answer == nil, !tx.awaitingAnswer,
           serverIntent == nil, profile.interfaces.contains(.magstripe) {
            switch reason {
            case .communicationFailed, .malformedResponse, .missingData, .unexpectedStatus, .noCommonApplication:
                // EMV fallback: the chip could not be read, so the same sale takes the stripe.
                chipReadFailed = true
                current = nil
                phase = .waitingForCard(amount: tx.amount)
                notice = "Chip read failed: swipe the card"
                return []
            default: break
            }
        }
        if tx.offline, let offline = offlineApproval(outcome, tx: tx, settlement: settlement, now: now) { return offline }
        if let refusal = tx.offlineRefusal {
            let reason = if case .failed(.unreachable(let why)) = settlement.result, saleOffline == .preferOnline { "\(why) — " } else { "" }
            settlement.result = .failed(.unreachable("\(reason)not taken offline: \(refusal)"))
        }
        var actions: [TransactionAction] = []
        let key = AuthorizationRequest.idempotencyKey(terminalID: terminalID, stan: stan)
        if kind == .refund {
            // A refund's result is the gateway's: the card was read to prove it is there, whatever it then said. A
            // lost answer is asked about, never undone.
            if let answer = tx.answer { settlement.result = answer.result }
            settlement.reversal = nil
            if tx.answer?.outcomeKnown == false || tx.awaitingAnswer {
                actions.append(.queueReversal(key: key, paymentIntent: nil, reason: Self.refundInquiry))
                let card = Self.card(settlement.card, tx.card, entryMode: tx.entryMode)
                return actions + finish(amount: tx.amount, card: card, stan: stan, outcome: settlement.result, emv: settlement.emv, now: now, inDoubt: true)
            }
        } else if let reversal = settlement.reversal {
            actions.append(.queueReversal(key: key, paymentIntent: reversal.paymentIntent, reason: reversal.reason))
        } else if tx.awaitingAnswer, kind != .refund {
            // The dialogue ended while the authorization was out: its answer is asked about, and undone if approved.
            actions.append(.queueReversal(key: key, paymentIntent: nil, reason: "ended while authorizing"))
        }
        let card = Self.card(settlement.card, tx.card, entryMode: tx.entryMode)
        return actions + finish(amount: tx.amount, card: card, stan: stan, outcome: settlement.result, emv: settlement.emv, now: now)
    }

    /// The card of a chip transaction: as the kernel ended (with its AID), with the expiry the online request gave.
    static func card(_ settled: CardSummary?, _ read: CardSummary?, entryMode: EntryMode) -> CardSummary {
        guard var card = settled ?? read else { return CardSummary(brand: .unknown, last4: "????", entryMode: entryMode) }
        if card.expiry == nil { card.expiry = read?.expiry }
        if card.aid == nil { card.aid = read?.aid }
        return card
    }

    /// Ends the transaction: its journal entry (`inDoubt` for a refund whose answer was lost), the result shown.
    mutating func finish(amount: Money, card: CardSummary, stan: UInt32, outcome: AuthorizationResult, emv: EMVReceiptData?, now: Date,
                                 inDoubt: Bool = false) -> [TransactionAction] {
        var entry = JournalEntry(transaction: kind, amount: amount, card: card, stan: stan, outcome: outcome, emv: emv, date: now, reference: reference)
        if inDoubt, entry.status == .failed { entry.status = .inDoubt }
        journal.add(entry)
        if kind == .refund, case .approved = outcome, let reference {
            journal.update(reference) { $0.refunded += amount.minorUnits }
        }
        var actions: [TransactionAction] = [.saveJournal(journal)]
        actions += showResult(entry, outcome: outcome, now: now, card: card)
        current = nil
        pinDigits = []
        cart = nil
        actions += serverSaleFinished(outcome)
        resetKind()
        return actions
    }

    /// A lost refund answer found out (or a refund, completion or void a restart interrupted): the in-doubt entry
    /// becomes what the gateway made (counted against the transaction it acts on) or a failure; the journal is
    /// saved, the screen left as it is.
    private mutating func refundInquiryAnswered(key: String, refundID: String?) -> [TransactionAction] {
        guard let entry = journal.entries.last(where: {
            $0.status == .inDoubt && AuthorizationRequest.idempotencyKey(terminalID: terminalID, stan: $0.stan) == key
        }) else { return [] }
        journal.update(entry.stan) { e in
            if let refundID {
                e.status = .approved
                e.gatewayID = entry.kind == .void ? nil : refundID
                e.outcomeText = nil
            } else {
                e.status = .failed
                e.outcomeText = "not made by the gateway"
            }
        }
        // What it did to the transaction it acts on (a completion or void interrupted by a restart, a refund).
        if refundID != nil, let reference = entry.reference {
            switch entry.kind {
            case .refund: journal.update(reference) { $0.refunded += entry.amount.minorUnits }
            case .completion: journal.update(reference) { $0.status = .completed; $0.captured = entry.amount }
            case .void: journal.update(reference) { $0.status = .voided }
            case .sale, .preauthorization: break
            }
        }
        let name = entry.kind == .refund ? "Refund" : entry.kind == .completion ? "Completion" : entry.kind == .void ? "Void" : "Transaction"
        notice = "\(name) \(ReceiptFormatter.stan(entry.stan)) \(refundID != nil ? "went through" : "was not made")"
        return [.saveJournal(journal)]
    }

    /// Shows a finished journal entry and prints the copies the profile prints at once (the others on request).
    /// `card`: the card as read in this session (its masked number, expiry and AID for a till), when it is at hand;
    /// the journal keeps only its brand and last four.
    mutating func showResult(_ entry: JournalEntry, outcome: AuthorizationResult, now: Date, card: CardSummary? = nil) -> [TransactionAction] {
        let formatter = ReceiptFormatter(profile: profile, terminalID: terminalID)
        let customer = formatter.receipt(for: entry, copy: .customer, batch: journal.number)
        let merchant = formatter.receipt(for: entry, copy: .merchant, batch: journal.number)
        phase = .finished(TransactionResult(amount: entry.amount, card: card ?? entry.card, stan: entry.stan, outcome: outcome, date: now,
                                            receipt: customer, kind: entry.kind, merchantReceipt: merchant, reference: entry.reference))
        finishedTransactions += 1
        _ = batteryChanged(.transactionFinished)
        var printed: [Receipt] = []
        if profile.receipt.merchantCopy == .always { printed.append(merchant) }
        if profile.receipt.customerCopy == .always { printed.append(customer) }
        var actions = printOrHold(printed)
        if profile.receipt.email, let address = receiptEmail { actions.append(.emailReceipt(to: address, customer)) }
        return actions + offerReceipt(receiptOffer(for: customer, outcome: outcome, emailSent: profile.receipt.email && receiptEmail != nil))
    }

    /// Back to a plain sale: nothing of the last transaction (its kind, reference, tip, e-mail, failed chip read)
    /// carries into the next.
    mutating func resetKind() {
        kind = .sale
        reference = nil
        terminalTip = nil
        receiptEmail = nil
        saleOffline = .preferOnline
        chipReadFailed = false
        requestedBy = [:]
    }

    /// The authorization of the card transaction in progress.
    func authorizationRequest(amount: Money, entryMode: EntryMode, card: AuthorizationCardData, stan: UInt32) -> AuthorizationRequest {
        let authorizationKind: AuthorizationKind = switch kind {
        case .preauthorization: .preauthorization(incremental: profile.incrementalAuthorization)
        case .refund: .refund(paymentIntent: reference.flatMap { journal.entry($0)?.gatewayID } ?? server.refundTarget)
        default: .sale
        }
        var request = AuthorizationRequest(amount: amount, entryMode: entryMode, card: card, terminalID: terminalID, stan: stan,
                                           paymentIntent: kind == .sale ? serverIntent : nil, kind: authorizationKind, batch: journal.number)
        request.tip = terminalTip
        request.requestedBy = requestedBy
        return request
    }

    // MARK: Keys

    private mutating func handlePINKey(_ key: TerminalKey, amount: Money, mode: EntryMode, stan: UInt32, prompt: PINPrompt) -> [TransactionAction] {
        func show() { phase = .pinEntry(amount: amount, entryMode: mode, stan: stan, prompt: prompt, digits: pinDigits.count) }
        switch key {
        case .digit(let d):
            guard (0...9).contains(d) else { return [] }
            guard pinDigits.count < 12 else { notice = "A PIN has at most 12 digits"; return [] }
            pinDigits.append(d)
            show()
            return []
        case .backspace:
            pinDigits = pinDigits.dropLast()
            show()
            return []
        case .enter:
            if pinDigits.isEmpty {
                // Enter on an empty PIN pad bypasses PIN entry (EMV allows it; the card's rules decide what follows).
                phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
                return [.answerPIN(nil)]
            }
            guard pinDigits.count >= 4, let pin = try? PINEntry(pinDigits.map(String.init).joined()) else {
                notice = "A PIN has 4 to 12 digits"
                return []
            }
            pinDigits = []
            phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
            return [.answerPIN(pin)]
        case .cancel:
            pinDigits = []
            phase = .readingCard(amount: amount, entryMode: mode, stan: stan)
            notice = "Cancelling…"
            return [.cancelChip]
        case .other, .menu:
            notice = "Type the PIN with 0-9, then Enter"
            return []
        }
    }

    private mutating func handleAmountKey(_ key: TerminalKey, digits: String, now: Date) -> [TransactionAction] {
        let currency = profile.currency
        switch key {
        case .digit(let d):
            guard (0...9).contains(d) else { return [] }
            if digits.isEmpty && d == 0 { phase = .amountEntry(digits: ""); return [] }
            let candidate = digits + String(d)
            guard let money = try? Money.fromDigits(candidate, currency: currency),
                  money.minorUnits <= profile.limits.maxAmount.minorUnits else {
                notice = "Maximum amount is \(profile.limits.maxAmount.formatted(withCode: true))"
                return []
            }
            phase = .amountEntry(digits: candidate)
        case .backspace:
            phase = .amountEntry(digits: String(digits.dropLast()))
        case .cancel:
            phase = .amountEntry(digits: "")
            resetKind()
        case .enter:
            guard !digits.isEmpty, let money = try? Money.fromDigits(digits, currency: currency), money.minorUnits > 0 else {
                notice = "Enter an amount first"
                return []
            }
            return amountEntered(money, now: now)
        case .menu:
            notice = "Clear the amount first (Esc), then open the menu"
        case .other(let c):
            notice = "Key '\(c)' is not used here: type the amount with 0-9"
        }
        return []
    }

    // MARK: Cards

    mutating func present(_ card: CardPresentation, amount: Money) -> [TransactionAction] {
        let interface: FirmwareProfile.CardInterface = switch card.entryMode {
        case .contactless: .contactless
        case .contact: .contact
        case .magstripe: .magstripe
        }
        guard profile.interfaces.contains(interface) else {
            notice = "This terminal does not accept \(card.entryMode.verb.lowercased()) cards"
            return []
        }
        if card.entryMode == .contactless, amount.minorUnits > profile.limits.contactlessTransactionLimit.minorUnits {
            notice = "Over the contactless limit: insert the card"
            return []
        }
        if card.entryMode == .magstripe, case .magstripe(let track) = card.medium, track.serviceCode.isChipCard,
           profile.interfaces.contains(.contact), !chipReadFailed {
            // A chip card is read by its chip; the stripe only after a failed chip read (fallback).
            notice = "Chip card: insert it (use chip)"
            return []
        }
        let stan = allocateSTAN()
        switch card.medium {
        case .chip(let chip):
            current = CurrentTransaction(stan: stan, amount: amount, entryMode: card.entryMode, isChip: true, typedPIN: card.pin,
                                         typedApplication: card.application)
            phase = .readingCard(amount: amount, entryMode: card.entryMode, stan: stan)
            return [
                .persistSTAN(next: nextSTAN),
                .startChip(ChipTransaction(amount: amount, card: card, chip: chip, terminalID: terminalID, stan: stan, paymentIntent: serverIntent, kind: kind)),
            ]
        case .magstripe(let track):
            if track.serviceCode.isChipCard, profile.interfaces.contains(.contact) {
                // After a failed chip read the stripe is the fallback; the gateway is told so.
                notice = "Chip card swiped after a failed chip read: magnetic stripe fallback"
            }
            chipReadFailed = false
            let summary = CardSummary(pan: track.pan, entryMode: .magstripe, expiry: track.expiry)
            current = CurrentTransaction(stan: stan, amount: amount, entryMode: .magstripe, isChip: false, card: summary, awaitingAnswer: true)
            phase = .authorizing(amount: amount, card: summary, stan: stan)
            return [
                .persistSTAN(next: nextSTAN),
                .requestAuthorization(authorizationRequest(amount: amount, entryMode: .magstripe, card: .magstripe(track), stan: stan)),
            ]
        }
    }

    /// The journal database has saved the batch: what it holds is no longer unsaved.
    public mutating func journalSaved() { journal.markSaved() }

    /// True while a card transaction runs (from the card's arrival to its result).
    var transactionInProgress: Bool { current != nil }
}
