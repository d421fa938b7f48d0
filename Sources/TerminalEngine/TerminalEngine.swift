import CardReaders
import EMV
import Foundation
import Logging
import PaymentCore

/// What the screen shows, published after every event.
public struct TerminalSnapshot: Sendable, Equatable {
    public var phase: TransactionPhase
    public var notice: String?
    public var profile: FirmwareProfile
    public var terminalID: String
    public var gatewayLabel: String
    public var readerName: String
    /// The payment intent of a server-driven sale in progress (nil for a sale keyed in at the terminal).
    public var serverPaymentIntent: String? = nil
    /// The cart the point of sale shows (`set_reader_display`).
    public var cart: CartDisplay? = nil
    /// What the amount or the card is for.
    public var kind: TransactionKind = .sale
    /// The open batch's number and how many transactions it holds.
    public var batchNumber: Int = 1
    public var batchCount: Int = 0
    /// The receipts printed by the last transaction, reprint or report.
    public var printed: [Receipt] = []
    /// The battery (nil on mains power), the printer, and the receipts it holds until it can print.
    public var battery: BatteryReading? = nil
    public var printer: PrinterState = .ready
    public var heldReceipts: Int = 0
    /// What the offline store holds, waiting for the gateway.
    public var offlineQueue: OfflinePolicy.Queue = .empty
    /// "Customer receipt?" while the result is on screen (profiles that print the customer copy on request).
    public var receiptOffer: ReceiptOffer? = nil
    /// An inserted card is still in the slot.
    public var cardInSlot: Bool = false
    /// The card reader is there (a USB reader can be unplugged).
    public var readerConnected: Bool = true
}

/// Reads the card the API presented (`present_payment_method`): the simulator's card of that number, in the
/// preferred mode or, for a card without that interface, the other one.
public typealias PresentedCardReader = @Sendable (PAN, EntryMode) async -> CardPresentation?

/// The terminal: feeds every event to the transaction state machine and performs the actions it returns — the EMV
/// dialogue with the card (through the kernel), the gateway, STAN, timers, reversals, receipts and the reader's
/// server-driven actions. It decides nothing itself.
public actor TerminalEngine {
    private var machine: TransactionStateMachine
    private let gateway: any GatewayClient
    private let dataDirectory: URL
    private let readerName: String
    private let logger: Logger
    private let clock: any TerminalClock
    private let continuation: AsyncStream<TerminalSnapshot>.Continuation
    private let emvConfiguration: TerminalConfiguration
    private let presentedCards: PresentedCardReader?
    /// Payments to undo or settle after a lost answer; the engine feeds it, `runBackgroundWork` drains it.
    public nonisolated let reversals: ReversalQueue
    /// The forwarding pass running, if one is.
    private var forwardingPass: Task<Void, Never>?
    /// Payments approved offline, until forwarded.
    public nonisolated let offlineStore: OfflineStore
    /// The journal: STAN, open batch, steps, reversals and the offline store, in one SQLite file.
    public nonisolated let database: TerminalDatabase
    /// Every snapshot, newest last; the UI reads it.
    public nonisolated let snapshots: AsyncStream<TerminalSnapshot>
    /// How many transactions have finished since start, and the last one.
    public private(set) var finishedCount = 0
    public private(set) var lastResult: TransactionResult?
    private var watchers = Watchers()
    /// Set by `halt()`: the engine takes no event and performs nothing more, as a process killed at that instant.
    private var halted = false
    /// `haltWhen`'s condition, checked after every event's actions.
    private var haltCondition: (@Sendable (Progress) -> Bool)?
    /// The next STAN, saved with the next journal commit (see `journal(_:)`).
    private var pendingIdentity: TerminalIdentity?

    // The chip transaction in progress: the kernel's task and the questions it waits on.
    private var chipTask: Task<Void, Never>?
    private var pinAnswer: CheckedContinuation<PINEntry?, Never>?
    private var applicationAnswer: CheckedContinuation<Int?, Never>?
    private var kernelAnswer: CheckedContinuation<OnlineResponse, Never>?

    /// `journal` is the open batch the caller read from `database` (after `TerminalDatabase.recover`); nil reads it.
    public init(profile: FirmwareProfile, identity: TerminalIdentity, database: TerminalDatabase, gateway: any GatewayClient, dataDirectory: URL,
                readerName: String, clock: any TerminalClock = SystemClock(), pinTimeout: Duration = .seconds(60), journal: BatchJournal? = nil,
                presentedCards: PresentedCardReader? = nil, logger: Logger) {
        let journal = journal ?? (try? database.batch()) ?? BatchJournal()
        machine = TransactionStateMachine(profile: profile, terminalID: identity.terminalID, nextSTAN: identity.nextSTAN, pinTimeout: pinTimeout,
                                          journal: journal)
        self.gateway = gateway
        self.dataDirectory = dataDirectory
        self.readerName = readerName
        self.logger = logger
        self.clock = clock
        self.presentedCards = presentedCards
        emvConfiguration = profile.emvConfiguration(terminalID: identity.terminalID)
        self.database = database
        reversals = ReversalQueue(database: database, clock: clock, logger: logger)
        offlineStore = OfflineStore(database)
        if let queue = try? offlineStore.queue() { _ = machine.handle(.offlineQueueChanged(queue), now: clock.now()) }
        (snapshots, continuation) = AsyncStream.makeStream(of: TerminalSnapshot.self, bufferingPolicy: .bufferingNewest(1))
        continuation.yield(TerminalSnapshot(phase: machine.phase, notice: nil, profile: profile, terminalID: identity.terminalID,
                                            gatewayLabel: gateway.label, readerName: readerName))
    }

    public var snapshot: TerminalSnapshot { snapshotNow }

    private var snapshotNow: TerminalSnapshot {
        TerminalSnapshot(phase: machine.phase, notice: machine.notice, profile: machine.profile,
                         terminalID: machine.terminalID, gatewayLabel: gateway.label, readerName: readerName,
                         serverPaymentIntent: machine.serverIntent, cart: machine.cart, kind: machine.kind,
                         batchNumber: machine.journal.number, batchCount: machine.journal.entries.count, printed: machine.lastPrinted,
                         battery: machine.battery, printer: machine.printer, heldReceipts: machine.heldReceipts.count, offlineQueue: machine.offlineQueue,
                         receiptOffer: machine.receiptOffer, cardInSlot: machine.cardInSlot, readerConnected: machine.readerConnected)
    }

    /// Settles lost answers and reversals until cancelled.
    public func runBackgroundWork() async {
        await listenToReversals()
        async let drain: Void = drainBattery()
        async let forward: Void = forwardOfflineEvery(.seconds(2))
        await reversals.run(with: gateway)
        await drain
        await forward
    }

    private func forwardOfflineEvery(_ interval: Duration) async {
        while !Task.isCancelled {
            await forwardOffline()
            guard (try? await clock.sleep(for: interval)) != nil else { return }
        }
    }

    /// How many stored payments go to the gateway in one request (`/v1/vtpe/payment_intent_batches`, at most 100).
    static let forwardingBatch = 50

    /// One pass over the offline store: the pending payments, oldest first, forwarded in batches, each payment under
    /// its own idempotency key (a retry never pays twice); the pass stops at the first that gets no answer, so the
    /// order holds. One pass at a time: a caller while one runs (the batch report) waits for it, then runs its own.
    public func forwardOffline() async {
        while let running = forwardingPass { await running.value }
        let pass = Task { await self.runForwardingPass() }
        forwardingPass = pass
        await withTaskCancellationHandler { await pass.value } onCancel: { pass.cancel() }
    }

    /// The pass itself; it clears `forwardingPass` on the actor before it ends, so a waiter woken by its end never
    /// finds it again.
    private func runForwardingPass() async {
        await forwardPendingOffline()
        forwardingPass = nil
    }

    private func forwardPendingOffline() async {
        guard !halted else { return }
        let store = offlineStore
        guard let pending = try? store.pending(), !pending.isEmpty else { return }
        let chunks = stride(from: 0, to: pending.count, by: Self.forwardingBatch).map {
            Array(pending[$0..<min($0 + Self.forwardingBatch, pending.count)])
        }
        let gateway = self.gateway
        func forward(_ chunk: [OfflineStore.Payment]) -> Task<[AuthorizationResult], Never> {
            let forwards = chunk.map { OfflineForward(form: $0.form, storedAt: $0.storedAt, idempotencyKey: $0.idempotencyKey) }
            return Task { await gateway.forwardOffline(forwards) }
        }
        var inFlight = forward(chunks[0])
        for (n, chunk) in chunks.enumerated() {
            let results = await inFlight.value
            guard !halted else { return }
            let answered = zip(chunk, results).prefix { $0.1.isAnswer }
            // The gateway has answered this batch: the next one leaves while this one is written down (a restart
            // before that commit sends both again, and the gateway replays both). The order holds: the next batch
            // leaves only after this one's answer.
            if answered.count == chunk.count, n + 1 < chunks.count { inFlight = forward(chunks[n + 1]) }
            guard settle(answered) else { return }
            guard answered.count == chunk.count else {
                let stuck = chunk[answered.count]
                if let id = stuck.id {
                    do { try store.attempted(id: id) } catch {
                        logger.error("cannot count a forwarding attempt", metadata: ["stan": "\(stuck.stan)", "error": "\(error)"])
                    }
                }
                return
            }
        }
    }

    /// The gateway's answers to forwarded payments go to the store and the journal, in one commit: a restart before
    /// it forwards them again under their keys, and the gateway replays its answers. False when the journal could
    /// not be written (the pass stops).
    private func settle(_ answered: [(OfflineStore.Payment, AuthorizationResult)]) -> Bool {
        guard !answered.isEmpty else { return true }
        var settles: [TerminalDatabase.Write] = []
        for (payment, result) in answered {
            guard let id = payment.id else { continue }
            switch result {
            case .approved(let intent, _):
                settles.append(.offlineSettled(id: id, status: .forwarded, paymentIntent: intent, declineCode: nil))
            case .declined(let code, _, let intent):
                settles.append(.offlineSettled(id: id, status: .declined, paymentIntent: intent, declineCode: code.rawValue))
            case .failed, .approvedOffline:
                continue
            }
        }
        let answers = answered.map { OfflineAnswer(stan: UInt32($0.0.stan), $0.1) }
        let queue = (try? offlineStore.queue(settling: answered.map(\.0))) ?? .empty
        guard apply(.offlineForwarded(answers, queue: queue), writing: settles) else { return false }
        logger.notice("offline payments forwarded", metadata: [
            "count": "\(answers.count)", "approved": "\(answers.filter(\.result.isApproved).count)",
            "stans": "\(answers[0].stan)…\(answers[answers.count - 1].stan)",
        ])
        return true
    }

    /// Every idle minute on the terminal's clock drains the battery (nothing on mains power).
    private func drainBattery() async {
        guard machine.batteryGauge != nil else { return }
        while !Task.isCancelled {
            guard (try? await clock.sleep(for: .seconds(60))) != nil else { return }
            send(.battery(.minutesPassed(1)))
        }
    }

    /// Lost refund answers the reversal queue finds out go to the journal.
    private func listenToReversals() async {
        await reversals.onRefundSettled { [weak self] key, refundID in
            await self?.send(.refundInquiryAnswered(idempotencyKey: key, refundID: refundID))
        }
    }

    /// Stops the engine dead, as a SIGKILL would: no event is handled and no action performed after it — nothing more
    /// is written, shown or sent (requests already out still reach the gateway). What is on disk is what a restart
    /// finds. For `vtpe scenario`'s `restart` and `kill_when` (a test of crash safety in one process).
    public func halt() {
        halted = true
        chipTask?.cancel()
        watchers.cancelAll()
    }

    /// Halts the engine right after the event whose actions make `condition` true (the STAN, steps and journal
    /// written, the request sent, the screen shown) — a kill at an exact point of the transaction. Set it before
    /// the transaction starts; `waitForHalt` returns once it has struck.
    public func halt(when condition: @escaping @Sendable (Progress) -> Bool) {
        if condition(progressNow(snapshotNow)) { halt(); return }
        haltCondition = condition
    }

    /// Returns once the engine is halted (or the waiting task is cancelled).
    public func waitForHalt() async {
        _ = await waitUntil { _ in false }
    }

    /// Feeds one event and performs the resulting actions.
    public func send(_ event: TransactionEvent) {
        apply(event)
    }

    /// Handles an event; `writing` joins the journal commit of its actions (one transaction). False when the
    /// event was not applied: the engine is halted, or the journal could not be written.
    @discardableResult
    private func apply(_ event: TransactionEvent, writing extra: [TerminalDatabase.Write] = []) -> Bool {
        guard !halted else { return false }
        let before = machine.finishedTransactions
        let actions = machine.handle(event, now: clock.now())
        if machine.finishedTransactions != before, case .finished(let result) = machine.phase {
            finishedCount += 1
            lastResult = result
        }
        // The journal first: the STAN, the step about to be taken, the reversal owed and the journal entry are on
        // disk before anything leaves, shows or prints — a terminal killed at any instant finds them at restart. A
        // write that fails stops the actions: nothing leaves under a STAN or a step a restart would not know of.
        if let failure = journal(actions, writing: extra) {
            send(.storageFailed(failure))
            return false
        }
        let snapshot = snapshotNow
        continuation.yield(snapshot)
        for action in actions { perform(action) }
        let progress = progressNow(snapshot)
        if let condition = haltCondition, condition(progress) {
            haltCondition = nil
            halt()
            return true
        }
        watchers.notify(progress)
        return true
    }

    // MARK: Waiting for the engine (scripts, the control socket, tests)

    /// What a waiter looks at.
    public struct Progress: Sendable {
        public var snapshot: TerminalSnapshot
        public var finishedCount: Int
        public var lastResult: TransactionResult?
        /// Batch reports made, and reprints.
        public var reports: Int
        public var reprints: Int
    }

    /// Waits until `condition` holds after some event (or already holds); false when the waiting task is cancelled.
    @discardableResult
    public func waitUntil(_ condition: @escaping @Sendable (Progress) -> Bool) async -> Bool {
        if condition(progressNow(snapshotNow)) { return true }
        if halted { return false }
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume(returning: false); return }
                watchers.add(id, condition, continuation)
            }
        } onCancel: {
            Task { await self.cancelWatcher(id) }
        }
    }

    private func cancelWatcher(_ id: UUID) { watchers.cancel(id) }

    private func progressNow(_ snapshot: TerminalSnapshot) -> Progress {
        Progress(snapshot: snapshot, finishedCount: finishedCount, lastResult: lastResult, reports: machine.reportsMade, reprints: machine.reprints)
    }

    /// Counters scripts wait on.
    public var progress: Progress { progressNow(snapshotNow) }

    /// Waits for the next batch report after `count` of them (nil when the waiting task is cancelled).
    public func report(after count: Int) async -> BatchReport? {
        await waitUntil { $0.reports > count }
        if case .batchReport(let report) = machine.phase, machine.reportsMade > count { return report }
        return nil
    }

    /// Why the last requested operation was refused, if it was.
    public var refusal: String? { machine.refusal }

    /// The open batch (for `vtpe batch` and tests).
    public var journal: BatchJournal { machine.journal }

    /// Waits until more than `count` transactions have finished, or until the PIN pad or the application choice
    /// opens for someone to type (nil) — for `vtpe tap --wait`, which cannot type. Nil also when the waiting task is cancelled.
    public func resultOrPINPad(after count: Int) async -> TransactionResult? {
        await waitUntil { p in
            if p.finishedCount > count { return true }
            switch p.snapshot.phase {
            // Someone must type, or the transaction was given up (cancelled before any result).
            case .pinEntry, .selectingApplication, .amountEntry: return true
            default: return false
            }
        }
        return finishedCount > count ? lastResult : nil
    }

    /// Waits until more than `count` transactions have finished and returns the latest (pass the `finishedCount`
    /// read before acting, so no result is missed); nil when the waiting task is cancelled.
    public func result(after count: Int) async -> TransactionResult? {
        await waitUntil { $0.finishedCount > count }
        return finishedCount > count ? lastResult : nil
    }

    /// Consumes a reader's events until it ends.
    public func attach(_ reader: any CardReader) {
        Task {
            for await event in reader.events {
                switch event {
                case .cardPresented(let card): self.send(.cardPresented(card))
                case .cardRemoved: self.send(.cardRemoved)
                case .readerFailed(let m): self.send(.readerFailed(m))
                case .readerConnection(let connected, let m): self.send(.readerConnectionChanged(connected: connected, message: m))
                }
            }
        }
    }

    // MARK: Performing actions

    private func perform(_ action: TransactionAction) {
        switch action {
        case .persistSTAN, .saveJournal:
            break // written by `journal(_:)` before any action runs
        case .storeOffline(let request, let storedAt):
            let (gateway, store) = (self.gateway, offlineStore)
            Task {
                var failure: String?
                do {
                    let form = try await gateway.sealOffline(request)
                    try store.store(.init(stan: request.stan, idempotencyKey: request.idempotencyKey, amount: request.amount,
                                          brand: request.card.pan.brand.rawValue, last4: request.card.pan.last4,
                                          entryMode: request.entryMode.rawValue, storedAt: storedAt, form: form))
                    self.logger.notice("payment approved offline and stored", metadata: ["stan": "\(request.stan)", "amount": "\(request.amount)"])
                } catch {
                    failure = "\(error)"
                    self.logger.error("cannot store an offline payment", metadata: ["stan": "\(request.stan)", "error": "\(error)"])
                }
                await self.send(.offlineStored(stan: request.stan, failure: failure, queue: (try? store.queue()) ?? .empty))
            }
        case .requestAuthorization(let request):
            let gateway = self.gateway
            Task {
                let answer = await gateway.authorize(request)
                self.logger.info("authorization answered", metadata: ["stan": "\(request.stan)", "approved": "\(answer.result.isApproved)"])
                await self.send(.authorizationAnswered(stan: request.stan, answer))
            }
        case .startChip(let transaction):
            chipTask = Task { await self.runChip(transaction) }
        case .answerApplication(let index):
            applicationAnswer?.resume(returning: index)
            applicationAnswer = nil
        case .answerPIN(let pin):
            pinAnswer?.resume(returning: pin)
            pinAnswer = nil
        case .answerKernel(let response):
            kernelAnswer?.resume(returning: response)
            kernelAnswer = nil
        case .cancelChip:
            chipTask?.cancel()
            pinAnswer?.resume(returning: nil)
            pinAnswer = nil
            applicationAnswer?.resume(returning: nil)
            applicationAnswer = nil
            kernelAnswer?.resume(returning: .unableToGoOnline)
            kernelAnswer = nil
        case .queueReversal:
            break // written by `journal(_:)`; the queue's next pass settles it
        case .printReceipt(let receipt):
            writeReceipt(receipt)
        case .startTimer(let id, let duration):
            let clock = self.clock
            Task {
                guard (try? await clock.sleep(for: duration)) != nil else { return }
                await self.send(.timerFired(id))
            }
        case .fetchPaymentIntent(let id):
            let gateway = self.gateway
            Task {
                let intent: PaymentIntentSummary?
                do throws(GatewayFailure) { intent = try await gateway.paymentIntent(id) } catch {
                    self.logger.warning("cannot read \(id): \(error)")
                    intent = nil
                }
                await self.send(.paymentIntentFetched(id: id, amount: intent?.amount, receiptEmail: intent?.receiptEmail))
            }
        case .addTip(let intent, let newAmount, let tip):
            let gateway = self.gateway
            Task {
                var failure: String?
                do throws(GatewayFailure) { try await gateway.addTip(paymentIntent: intent, newAmount: newAmount, tip: tip) } catch {
                    failure = error.description
                }
                await self.send(.tipApplied(paymentIntent: intent, failure: failure))
            }
        case .readPresentedCard(let pan, let mode):
            let read = presentedCards
            Task {
                let card = await read?(pan, mode)
                await self.send(.presentedCardRead(card))
            }
        case .requestFollowUp(let request):
            let gateway = self.gateway
            Task {
                let result = await gateway.followUp(request)
                self.logger.info("follow-up answered", metadata: ["stan": "\(request.stan)", "approved": "\(result.isApproved)"])
                await self.send(.followUpAnswered(stan: request.stan, result))
            }
        case .requestBatch(let number, let close):
            let gateway = self.gateway
            let terminalID = machine.terminalID
            let reversals = self.reversals
            Task {
                // Offline payments are forwarded and reversals owed are done first, so the gateway's totals are the
                // terminal's.
                await self.forwardOffline()
                await self.listenToReversals()
                await reversals.settle(with: gateway)
                let answer: Result<GatewayBatch, GatewayFailure>
                do throws(GatewayFailure) { answer = .success(try await gateway.batch(terminalID: terminalID, number: number, close: close)) } catch {
                    answer = .failure(error)
                }
                await self.send(.batchAnswered(number: number, answer))
            }
        case .emailReceipt(let address, let receipt):
            writeEmail(receipt, to: address)
        case .reportActionResult(let reader, let result):
            let gateway = self.gateway
            Task {
                do throws(GatewayFailure) { try await gateway.reportActionResult(readerID: reader, result) } catch {
                    self.logger.warning("cannot report the reader action's result: \(error)")
                }
            }
        }
    }

    /// Commits what the actions need on disk before any of them runs (the write-ahead journal), in one SQLite
    /// transaction; the error's text when it cannot. The next STAN waits for the next commit when nothing leaves
    /// the terminal meanwhile (a card being read): it is on disk before a request, a receipt or a result goes out
    /// under it, one fsync fewer per sale.
    private func journal(_ actions: [TransactionAction], writing extra: [TerminalDatabase.Write] = []) -> String? {
        let now = clock.now()
        var writes = extra
        var leaves = false
        for action in actions {
            switch action {
            case .persistSTAN(let next):
                pendingIdentity = TerminalIdentity(terminalID: machine.terminalID, nextSTAN: next)
            case .requestAuthorization(let request):
                writes.append(.step(JournalStep(request, reference: machine.reference, at: now)))
            case .storeOffline(let request, _):
                writes.append(.step(JournalStep(request, offline: true, reference: nil, at: now)))
            case .requestFollowUp(let request):
                if let pending = machine.followUp {
                    writes.append(.step(JournalStep(request, reference: pending.reference, amount: pending.amount,
                                                    card: machine.journal.entry(pending.reference)?.card, at: now)))
                }
            case .queueReversal(let key, let intent, let reason):
                writes.append(.reversal(key: key, paymentIntent: intent, reason: reason, created: now))
            case .saveJournal(let journal):
                writes.append(.batch(journal))
            case .startChip, .startTimer, .answerPIN, .answerApplication, .answerKernel, .cancelChip:
                break // stays in the terminal
            default:
                leaves = true
            }
        }
        guard !writes.isEmpty || (leaves && pendingIdentity != nil) else { return nil }
        if let identity = pendingIdentity { writes.insert(.identity(identity), at: 0) }
        do {
            try database.commit(writes)
            pendingIdentity = nil
            if writes.contains(where: { if case .batch = $0 { true } else { false } }) { machine.journalSaved() }
            return nil
        } catch {
            logger.error("cannot write the journal", metadata: ["actions": "\(actions.count)", "error": "\(error)"])
            return "\(error)"
        }
    }

    /// Writes `<dir>/<base>.<ext>`, or `<base>-2.<ext>`, `-3` … when taken — never over another file — without
    /// syncing it: receipts and e-mails are the printer's output, not the journal (Foundation's `.withoutOverwriting`
    /// write fsyncs, and a stat before each create costs a syscall more). Returns the name written, without its
    /// extension. Paths are strings: `URL` path appends were 2 % of a sale's CPU.
    @discardableResult
    private static func writeNew(_ data: Data, in dir: String, base: String, extension ext: String) throws -> String {
        var n = 1
        var madeDirectory = false
        while true {
            let name = n == 1 ? base : "\(base)-\(n)"
            let path = "\(dir)/\(name).\(ext)"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd < 0 {
                let error = errno
                if error == EEXIST { n += 1; continue }
                if error == ENOENT, !madeDirectory {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    madeDirectory = true
                    continue
                }
                throw TerminalStateError(message: "cannot create \(path): \(String(cString: strerror(error)))")
            }
            defer { close(fd) }
            let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == data.count else { throw TerminalStateError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
            return name
        }
    }

    /// Receipts never overwrite each other: terminal id, STAN, copy and time name them, and a counter breaks ties.
    /// Devices without a printer write the e-receipt as text and JSON.
    private func writeReceipt(_ receipt: Receipt) {
        let dir = dataDirectory.path + "/receipts"
        let stamp = Int(clock.now().timeIntervalSince1970)
        let stan = receipt.stan == 0 ? "batch" : ReceiptFormatter.stan(receipt.stan)
        let base = "receipt-\(machine.terminalID)-\(stan)-\(receipt.copy.rawValue)\(receipt.duplicate ? "-duplicate" : "")-\(stamp)"
        do {
            let text = try Self.writeNew(Data(receipt.text.utf8), in: dir, base: base, extension: "txt")
            if machine.profile.printerColumns == nil {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                try Self.writeNew(encoder.encode(EReceipt(terminalID: machine.terminalID, profile: machine.profile.id, receipt: receipt,
                                                          entry: machine.journal.entry(receipt.stan))),
                                  in: dir, base: text, extension: "json")
            }
        } catch {
            logger.warning("cannot write the receipt file", metadata: ["error": "\(error)"])
        }
    }

    /// The e-receipt for `receipt_email`, as a message in `<data-dir>/outbox/` (vtpe sends no mail itself: a mailer
    /// of the shop's picks the files up, and tests read them).
    private func writeEmail(_ receipt: Receipt, to address: String) {
        let dir = dataDirectory.path + "/outbox"
        let date = clock.now()
        let stan = ReceiptFormatter.stan(receipt.stan)
        let message = """
        From: \(machine.profile.merchantName) <receipts@vtpe.invalid>\r
        To: <\(address)>\r
        Subject: Your receipt, STAN \(stan)\r
        Date: \(ReceiptFormatter.stamp(date, "EEE, dd MMM yyyy HH:mm:ss Z"))\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        \(receipt.lines.joined(separator: "\r\n"))\r

        """
        do {
            try Self.writeNew(Data(message.utf8), in: dir, base: "receipt-\(machine.terminalID)-\(stan)-\(Int(date.timeIntervalSince1970))",
                              extension: "eml")
        } catch {
            logger.warning("cannot write the e-mail receipt", metadata: ["error": "\(error)"])
        }
    }

    // MARK: The chip dialogue

    private func runChip(_ tx: ChipTransaction) async {
        let interface = tx.card.entryMode.chipInterface ?? .contact
        let runner = KernelRunner(
            configuration: emvConfiguration,
            channel: tx.chip.channel,
            chooseApplication: { candidates in await self.askApplication(candidates) },
            readPIN: { request in await self.askPIN(request) },
            authorize: { request in await self.askIssuer(request) },
            observe: nil
        )
        let date = (try? TransactionDate(clock.now())) ?? (try! TransactionDate(year: 2026, month: 1, day: 1))
        let transaction = Transaction(amount: tx.amount, date: date, unpredictableNumber: UInt32.random(in: 0...UInt32.max),
                                      entryMode: interface, sequenceCounter: tx.stan)
        let outcome = await runner.run(transaction)
        logger.info("chip transaction ended", metadata: ["stan": "\(tx.stan)", "outcome": "\(outcome)"])
        chipTask = nil
        send(.kernelCompleted(stan: tx.stan, outcome))
    }

    // The kernel's questions: each installs its continuation, then sends the event that asks it; the machine's
    // answer action resumes it (possibly at once, while the event is handled).

    private func askApplication(_ candidates: [Candidate]) async -> Int? {
        await withCheckedContinuation { applicationAnswer = $0; send(.applicationChoiceRequested(candidates)) }
    }

    private func askPIN(_ request: PINRequest) async -> PINEntry? {
        let prompt: PINPrompt = switch request {
        case .online: .online
        case .offline(let tries): .offline(triesLeft: tries)
        }
        return await withCheckedContinuation { pinAnswer = $0; send(.pinRequested(prompt)) }
    }

    private func askIssuer(_ request: OnlineRequest) async -> OnlineResponse {
        await withCheckedContinuation { kernelAnswer = $0; send(.onlineRequested(request)) }
    }
}

/// The engine's waiters: conditions over its progress, each resumed once.
private struct Watchers {
    private var entries: [UUID: (condition: @Sendable (TerminalEngine.Progress) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]

    mutating func add(_ id: UUID, _ condition: @escaping @Sendable (TerminalEngine.Progress) -> Bool, _ continuation: CheckedContinuation<Bool, Never>) {
        entries[id] = (condition, continuation)
    }

    mutating func notify(_ progress: TerminalEngine.Progress) {
        for (id, entry) in entries where entry.condition(progress) {
            entries.removeValue(forKey: id)
            entry.continuation.resume(returning: true)
        }
    }

    mutating func cancel(_ id: UUID) {
        entries.removeValue(forKey: id)?.continuation.resume(returning: false)
    }

    mutating func cancelAll() {
        let all = entries
        entries = [:]
        for entry in all.values { entry.continuation.resume(returning: false) }
    }
}

/// A printerless device's e-receipt as JSON: the ticket's lines and the transaction (masked card, no card data).
private struct EReceipt: Encodable {
    var terminalID: String
    var profile: String
    var receipt: Receipt
    var entry: JournalEntry?

    enum CodingKeys: String, CodingKey { case terminalID = "terminal_id", profile, receipt, entry = "transaction" }
}
