import CardReaders
import Foundation
import Logging

/// What the screen shows, published after every event.
public struct TerminalSnapshot: Sendable, Equatable {
    public var phase: TransactionPhase
    public var notice: String?
    public var profile: FirmwareProfile
    public var terminalID: String
    public var gatewayLabel: String
    public var readerName: String
}

/// The terminal: owns the transaction state machine and performs its actions (gateway, STAN, receipts).
public actor TerminalEngine {
    private var machine: TransactionStateMachine
    private let gateway: any GatewayClient
    private let dataDirectory: URL
    private let readerName: String
    private let logger: Logger
    private let continuation: AsyncStream<TerminalSnapshot>.Continuation
    /// Every snapshot, newest last; the UI reads it.
    public nonisolated let snapshots: AsyncStream<TerminalSnapshot>
    private var waiters: [CheckedContinuation<TransactionResult, Never>] = []
    /// How many transactions have finished since start, and the last one.
    public private(set) var finishedCount = 0
    public private(set) var lastResult: TransactionResult?

    public init(profile: FirmwareProfile, identity: TerminalIdentity, gateway: any GatewayClient,
                dataDirectory: URL, readerName: String, logger: Logger) {
        machine = TransactionStateMachine(profile: profile, terminalID: identity.terminalID, nextSTAN: identity.nextSTAN)
        self.gateway = gateway
        self.dataDirectory = dataDirectory
        self.readerName = readerName
        self.logger = logger
        (snapshots, continuation) = AsyncStream.makeStream(of: TerminalSnapshot.self, bufferingPolicy: .bufferingNewest(1))
        continuation.yield(TerminalSnapshot(phase: machine.phase, notice: nil, profile: profile, terminalID: identity.terminalID,
                                            gatewayLabel: gateway.label, readerName: readerName))
    }

    public var snapshot: TerminalSnapshot { snapshotNow }

    private var snapshotNow: TerminalSnapshot {
        TerminalSnapshot(phase: machine.phase, notice: machine.notice, profile: machine.profile,
                         terminalID: machine.terminalID, gatewayLabel: gateway.label, readerName: readerName)
    }

    /// Feeds one event and performs the resulting actions.
    public func send(_ event: TransactionEvent) {
        let actions = machine.handle(event, now: Date())
        continuation.yield(snapshotNow)
        for action in actions { perform(action) }
        if case .finished(let result) = machine.phase, case .authorizationCompleted = event {
            finishedCount += 1
            lastResult = result
            let w = waiters
            waiters = []
            for c in w { c.resume(returning: result) }
        }
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
                let result = await gateway.authorize(request)
                self.logger.info("authorization answered", metadata: ["stan": "\(request.stan)", "approved": "\(result.isApproved)"])
                self.send(.authorizationCompleted(result))
            }
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
}
