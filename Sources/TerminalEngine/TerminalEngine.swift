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
}

/// The terminal: owns the transaction state machine and performs its actions — the EMV dialogue with the card
/// (through the kernel), the gateway, STAN, reversals and receipts.
public actor TerminalEngine {
    private var machine: TransactionStateMachine
    private let gateway: any GatewayClient
    private let dataDirectory: URL
    private let readerName: String
    private let logger: Logger
    private let continuation: AsyncStream<TerminalSnapshot>.Continuation
    private let emvConfiguration: TerminalConfiguration
    /// Payments to undo or settle after a lost answer; the engine feeds it, `runBackgroundWork` drains it.
    public nonisolated let reversals: ReversalQueue
    /// Every snapshot, newest last; the UI reads it.
    public nonisolated let snapshots: AsyncStream<TerminalSnapshot>
    private var waiters: [CheckedContinuation<TransactionResult, Never>] = []
    /// Waiting for the next result, or for the PIN pad to open (nil).
    private var resultOrPINWaiters: [CheckedContinuation<TransactionResult?, Never>] = []
    /// How many transactions have finished since start, and the last one.
    public private(set) var finishedCount = 0
    public private(set) var lastResult: TransactionResult?

    // The chip transaction in progress.
    private var chipTask: Task<Void, Never>?
    private var pinRequest: (id: Int, continuation: CheckedContinuation<PINEntry?, Never>)?
    private var pinRequestCount = 0
    private var chipAnswer: GatewayAnswer?
    /// How long the PIN pad waits for the cardholder before the sale is cancelled.
    public var pinTimeout: Duration = .seconds(60)

    public init(profile: FirmwareProfile, identity: TerminalIdentity, gateway: any GatewayClient,
                dataDirectory: URL, readerName: String, logger: Logger) {
        machine = TransactionStateMachine(profile: profile, terminalID: identity.terminalID, nextSTAN: identity.nextSTAN)
        self.gateway = gateway
        self.dataDirectory = dataDirectory
        self.readerName = readerName
        self.logger = logger
        emvConfiguration = profile.emvConfiguration(terminalID: identity.terminalID)
        reversals = ReversalQueue(dataDirectory: dataDirectory, profileID: profile.id, logger: logger)
        (snapshots, continuation) = AsyncStream.makeStream(of: TerminalSnapshot.self, bufferingPolicy: .bufferingNewest(1))
        continuation.yield(TerminalSnapshot(phase: machine.phase, notice: nil, profile: profile, terminalID: identity.terminalID,
                                            gatewayLabel: gateway.label, readerName: readerName))
    }

    public var snapshot: TerminalSnapshot { snapshotNow }

    private var snapshotNow: TerminalSnapshot {
        TerminalSnapshot(phase: machine.phase, notice: machine.notice, profile: machine.profile,
                         terminalID: machine.terminalID, gatewayLabel: gateway.label, readerName: readerName,
                         serverPaymentIntent: machine.serverIntent, cart: machine.cart)
    }

    /// Settles lost answers and reversals until cancelled.
    public func runBackgroundWork() async {
        await reversals.run(with: gateway)
    }

    /// Feeds one event and performs the resulting actions.
    public func send(_ event: TransactionEvent) {
        let actions = machine.handle(event, now: Date())
        continuation.yield(snapshotNow)
        for action in actions { perform(action) }
        let completes: Bool = switch event {
        case .authorizationCompleted, .chipCompleted: true
        default: false
        }
        if case .finished(let result) = machine.phase, completes {
            finishedCount += 1
            lastResult = result
            let w = waiters
            waiters = []
            for c in w { c.resume(returning: result) }
            let other = resultOrPINWaiters
            resultOrPINWaiters = []
            for c in other { c.resume(returning: result) }
        } else if case .pinEntry = machine.phase, case .pinRequested = event {
            let other = resultOrPINWaiters
            resultOrPINWaiters = []
            for c in other { c.resume(returning: nil) }
        }
    }

    /// Waits until more than `count` transactions have finished (the latest result), or until the PIN pad opens
    /// for someone to type (nil) — for `vtpe tap --wait`, which cannot type.
    public func resultOrPINPad(after count: Int) async -> TransactionResult? {
        if finishedCount > count, let lastResult { return lastResult }
        if case .pinEntry = machine.phase { return nil }
        return await withCheckedContinuation { resultOrPINWaiters.append($0) }
    }

    /// Waits until more than `count` transactions have finished and returns the latest
    /// (for `vtpe tap --wait` and tests; pass the `finishedCount` read before acting, so no result is missed).
    public func result(after count: Int) async -> TransactionResult {
        if finishedCount > count, let lastResult { return lastResult }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Consumes a reader's events until it ends.
    public func attach(_ reader: any CardReader) {
        Task {
            for await event in reader.events {
                switch event {
                case .cardPresented(let card): self.send(.cardPresented(card))
                case .cardRemoved: self.send(.cardRemoved)
                case .readerFailed(let m): self.send(.readerFailed(m))
                }
            }
        }
    }

    private func perform(_ action: TransactionAction) {
        switch action {
        case .persistSTAN(let next):
            do {
                try TerminalIdentity(terminalID: machine.terminalID, nextSTAN: next).save(in: dataDirectory, profileID: machine.profile.id)
            } catch {
                logger.error("cannot save the STAN counter", metadata: ["error": "\(error)"])
            }
        case .requestAuthorization(let request):
            let gateway = self.gateway
            Task {
                let answer = await gateway.authorize(request)
                self.logger.info("authorization answered", metadata: ["stan": "\(request.stan)", "approved": "\(answer.result.isApproved)"])
                if !answer.outcomeKnown {
                    await self.reversals.add(key: request.idempotencyKey, paymentIntent: nil, reason: "answer lost")
                }
                self.send(.authorizationCompleted(answer.result))
            }
        case .startChip(let transaction):
            chipAnswer = nil
            chipTask = Task { await self.runChip(transaction) }
        case .answerPIN(let pin):
            answerPIN(pin)
        case .cancelChip:
            chipTask?.cancel()
            answerPIN(nil)
        case .printReceipt(let receipt):
            let dir = dataDirectory.appendingPathComponent("receipts")
            let name = "receipt-\(machine.terminalID)-\(Int(Date().timeIntervalSince1970)).txt"
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try Data(receipt.text.utf8).write(to: dir.appendingPathComponent(name), options: .atomic)
            } catch {
                logger.warning("cannot write the receipt file", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: The chip dialogue

    private func runChip(_ tx: ChipTransaction) async {
        let interface = tx.card.entryMode.chipInterface ?? .contact
        let runner = KernelRunner(
            configuration: emvConfiguration,
            channel: tx.chip.channel,
            // The highest-priority application; a cardholder choice on screen is not there yet.
            chooseApplication: { _ in 0 },
            readPIN: { prompt in await self.readPIN(prompt, typedAhead: tx.card.pin) },
            authorize: { request in await self.goOnline(request, tx) },
            observe: nil
        )
        let date = (try? TransactionDate(Date())) ?? (try! TransactionDate(year: 2026, month: 1, day: 1))
        let transaction = Transaction(amount: tx.amount, date: date, unpredictableNumber: UInt32.random(in: 0...UInt32.max),
                                      entryMode: interface, sequenceCounter: tx.stan)
        let outcome = await runner.run(transaction)
        let completion = await settle(outcome, tx)
        logger.info("chip transaction ended", metadata: ["stan": "\(tx.stan)", "outcome": "\(outcome)"])
        chipTask = nil
        send(.chipCompleted(completion))
    }

    private func readPIN(_ request: PINRequest, typedAhead: PINEntry?) async -> PINEntry? {
        if let typedAhead { return typedAhead }
        let prompt: PINPrompt = switch request {
        case .online: .online
        case .offline(let tries): .offline(triesLeft: tries)
        }
        send(.pinRequested(prompt))
        guard case .pinEntry = machine.phase else { return nil }
        pinRequestCount += 1
        let id = pinRequestCount
        let timeout = pinTimeout
        Task {
            try? await Task.sleep(for: timeout)
            await self.pinTimedOut(id)
        }
        return await withCheckedContinuation { pinRequest = (id, $0) }
    }

    private func answerPIN(_ pin: PINEntry?) {
        let request = pinRequest
        pinRequest = nil
        request?.continuation.resume(returning: pin)
    }

    private func pinTimedOut(_ id: Int) {
        guard let request = pinRequest, request.id == id else { return }
        logger.info("PIN entry timed out")
        chipTask?.cancel()
        answerPIN(nil)
    }

    private func goOnline(_ request: OnlineRequest, _ tx: ChipTransaction) async -> OnlineResponse {
        send(.chipWentOnline(CardSummary(pan: request.pan, entryMode: tx.card.entryMode)))
        let authorization = AuthorizationRequest(amount: tx.amount, entryMode: tx.card.entryMode, card: .chip(request),
                                                 terminalID: tx.terminalID, stan: tx.stan, paymentIntent: tx.paymentIntent)
        let answer = await gateway.authorize(authorization)
        chipAnswer = answer
        let arc = answer.issuerResponse.first { $0.tag == .authorisationResponseCode }.map { String(decoding: $0.value, as: UTF8.self) }
        let issuerData = answer.issuerResponse.first { $0.tag == .issuerAuthenticationData }?.value
        switch answer.result {
        case .approved:
            return .received(authorisationResponseCode: arc ?? "00", issuerAuthenticationData: issuerData)
        case .declined(let code, _, _):
            return .received(authorisationResponseCode: arc ?? code.isoResponseCode, issuerAuthenticationData: issuerData)
        case .failed:
            return .unableToGoOnline
        }
    }

    /// The transaction's result from the kernel's outcome and the gateway's answer; queues a reversal when the
    /// gateway approved a payment the card or the terminal did not complete, or when the answer was lost.
    private func settle(_ outcome: KernelOutcome, _ tx: ChipTransaction) async -> ChipCompletion {
        let answer = chipAnswer
        chipAnswer = nil
        let key = AuthorizationRequest.idempotencyKey(terminalID: tx.terminalID, stan: tx.stan)
        let card = outcome.pan.map { CardSummary(pan: $0, entryMode: tx.card.entryMode) }
        let emv = EMVReceiptData(applicationLabel: outcome.applicationLabel, aid: outcome.applicationIdentifier.map(HexCoding.encode),
                                 tvr: outcome.tvr.hex, tsi: outcome.tsi.hex, arc: outcome.authorisationResponseCode,
                                 cryptogram: outcome.applicationCryptogram.map(HexCoding.encode), verification: outcome.cardholderVerification)
        var approvedID: String?
        if case .approved(let id, _)? = answer?.result { approvedID = id }
        let gatewayFailure: GatewayFailure? = if case .failed(let f)? = answer?.result { f } else { nil }
        let result: AuthorizationResult
        switch outcome.decision {
        case .approvedOnline:
            result = answer?.result ?? .failed(.rejected("approved without a gateway answer"))
        case .declinedOnline:
            if let answer, case .declined = answer.result { result = answer.result } else {
                let code = outcome.authorisationResponseCode.flatMap(DeclineCode.from(isoResponseCode:)) ?? .genericDecline
                result = .declined(code, message: code.message, paymentIntentID: nil)
            }
        case .approvedOffline, .approvedUnableToGoOnline:
            // Offline approvals need the store-and-forward queue, which this terminal does not have yet: no sale.
            result = .failed(gatewayFailure ?? .unreachable("the card approved offline; offline payments are not kept yet"))
        case .declinedOffline:
            // The card's own refusal; the TVR tells the usual reasons apart.
            let code: DeclineCode = outcome.tvr.contains(.expiredApplication) ? .expiredCard
                : outcome.tvr.contains(.pinTryLimitExceeded) ? .pinTryExceeded
                : outcome.tvr.contains(.serviceNotAllowed) ? .transactionNotAllowed : .genericDecline
            result = .declined(code, message: "The card declined the payment: \(code.message)", paymentIntentID: nil)
        case .declinedUnableToGoOnline:
            result = .failed(gatewayFailure ?? .unreachable("no answer from the gateway"))
        case .declinedByCardAfterOnlineApproval:
            result = .declined(.genericDecline, message: "The card refused the issuer's approval; the payment is reversed.", paymentIntentID: approvedID)
        case .terminated(let reason):
            switch reason {
            case .cancelled: result = .failed(.cancelled)
            default: result = .failed(.cardProblem(reason.description))
            }
        }
        if let approvedID, !result.isApproved {
            await reversals.add(key: key, paymentIntent: approvedID, reason: "\(outcome.decision)")
        } else if answer?.outcomeKnown == false {
            await reversals.add(key: key, paymentIntent: nil, reason: "answer lost")
        }
        return ChipCompletion(card: card, outcome: result, emv: emv)
    }
}
