import CaisseAP
import Foundation
import Logging
import NIOCore
import NIOPosix
import PaymentCore
import Synchronization
import TerminalEngine

/// `vtpe terminal --ecr caisse-ap[:HOST:PORT]`: the terminal side of Caisse-AP. A till connects, sends one request
/// and waits; the terminal runs the sale (or refund) as if the amount had been keyed — the customer presents the
/// card, enters the PIN — and answers once it ends. One transaction at a time: a request while one runs is refused
/// (`AF 05`) and the running one goes on untouched. What the answer says is decided by `CaisseAPTransaction`.
struct CaisseAPListener {
    let engine: TerminalEngine
    let logger: Logger
    /// How long a till has to send its whole request once connected.
    var requestTimeout: Duration = .seconds(10)
    /// How long the terminal waits for a card before it gives up (`AF 08`).
    var inputTimeout: Duration = .seconds(90)
    /// A transaction of a till is running (one at a time).
    private let running = Flag()

    init(engine: TerminalEngine, logger: Logger, inputTimeout: Duration = .seconds(90)) {
        self.engine = engine
        self.logger = logger
        self.inputTimeout = inputTimeout
    }

    /// `caisse-ap`, `caisse-ap:PORT` or `caisse-ap:HOST:PORT` (default 127.0.0.1:8888).
    static func address(_ spec: String) throws(CLIError) -> (host: String, port: Int) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == "caisse-ap", parts.count <= 3 else {
            throw CLIError("--ecr takes caisse-ap, caisse-ap:PORT or caisse-ap:HOST:PORT, not '\(spec.prefix(60))'", exitCode: 2)
        }
        let host = parts.count == 3 ? parts[1] : "127.0.0.1"
        let portText = parts.count >= 2 ? parts[parts.count - 1] : "8888"
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else {
            throw CLIError("--ecr \(spec.prefix(60)): the port is 1 to 65535 and the host not empty", exitCode: 2)
        }
        return (host, port)
    }

    typealias Server = NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>

    /// The listening socket (a port in use is an error here, before the terminal opens).
    func bind(host: String, port: Int) async throws -> Server {
        do {
            return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch {
            throw CLIError("--ecr: cannot listen on \(host):\(port): \(error)", exitCode: 2)
        }
    }

    /// Answers the tills until the task is cancelled.
    func serve(_ server: Server) async throws {
        logger.info("Caisse-AP: listening", metadata: ["address": "\(server.channel.localAddress.map { "\($0)" } ?? "?")"])
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await self.handle(connection) }
                }
            }
        }
    }

    private func handle(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress.map { "\($0)" } ?? "?"
        try? await connection.executeThenClose { inbound, outbound in
            let inbox = Inbox()
            let reader = Task {
                do { for try await chunk in inbound { await inbox.add(Array(chunk.readableBytesView)) } } catch {}
                await inbox.close()
            }
            defer { reader.cancel() }
            let answer: CaisseAPAnswer
            switch await inbox.request(within: requestTimeout) {
            case .timedOut, .closed:
                logger.notice("Caisse-AP: no whole request from the till", metadata: ["peer": "\(peer)"])
                return
            case .invalid(let error):
                logger.notice("Caisse-AP: malformed request: \(error)", metadata: ["peer": "\(peer)"])
                answer = CaisseAPAnswer(echoing: CaisseAPMessage(), status: .notDone, failure: .formatError)
            case .message(let message):
                answer = await run(message, inbox: inbox, peer: peer)
            }
            guard await !inbox.isClosed else {
                logger.warning("Caisse-AP: the till hung up before the answer", metadata: ["peer": "\(peer)", "answer": "\(answer.message)"])
                FileHandle.standardError.write(Data("vtpe: caisse-ap: the till (\(peer)) hung up before the answer; the transaction stays as it ended: \(answer.message)\n".utf8))
                return
            }
            do {
                try await outbound.write(ByteBuffer(bytes: try answer.message.encoded()))
            } catch {
                logger.error("Caisse-AP: the answer could not be sent: \(error)", metadata: ["peer": "\(peer)", "answer": "\(answer.message.fields)"])
            }
        }
    }

    /// One request, run on the terminal; its answer.
    private func run(_ message: CaisseAPMessage, inbox: Inbox, peer: String) async -> CaisseAPAnswer {
        let request: CaisseAPRequest
        do { request = try CaisseAPRequest.parse(message) } catch {
            logger.notice("Caisse-AP: refused: \(error)", metadata: ["peer": "\(peer)"])
            return CaisseAPAnswer(echoing: message, status: .notDone, failure: error.code)
        }
        if request.immediateAnswer {
            // BA=1 asks for "taken into account" now and the result later, on a second exchange vtpe does not offer.
            return CaisseAPAnswer(echoing: message, status: .notDone, failure: .forbidden)
        }
        let operation: TerminalOperation
        do { operation = try CaisseAPTransaction.operation(for: request, currency: await engine.snapshot.profile.currency) } catch {
            logger.notice("Caisse-AP: refused: \(error)", metadata: ["peer": "\(peer)"])
            return CaisseAPAnswer(echoing: message, status: .notDone, failure: error.code)
        }
        guard running.claim() else {
            logger.notice("Caisse-AP: refused, a transaction is running", metadata: ["peer": "\(peer)"])
            return CaisseAPTransaction.answer(to: request, .refused("a transaction is running"))
        }
        defer { running.release() }
        let ending = await perform(operation, requestedBy: ["caisse_ap_till": request.till, "caisse_ap_protocol_id": String(request.protocolID.prefix(40))])
        logger.info("Caisse-AP: \(request.operation == .debit ? "sale" : "refund") ended",
                    metadata: ["till": "\(request.till)", "amount": "\(request.amount)", "ending": "\(ending)"])
        return CaisseAPTransaction.answer(to: request, ending)
    }

    /// Runs `operation` as the keypad would start it and waits for its end; gives up (Cancel) when no card came in time.
    private func perform(_ operation: TerminalOperation, requestedBy origin: [String: String]) async -> CaisseAPTransaction.Ending {
        let snapshot = await engine.snapshot
        switch snapshot.phase {
        case .amountEntry, .finished: break
        default: return .refused("the terminal is busy")
        }
        if case .finished = snapshot.phase { await engine.send(.keyPressed(.enter)) }
        let before = await engine.finishedCount
        await engine.send(.operationRequested(operation))
        if let refusal = await engine.refusal { return .refused(refusal) }
        await engine.send(.requestedBy(origin))
        let gaveUp = Flag()
        let timer = Task { [engine, inputTimeout] in
            guard (try? await Task.sleep(for: inputTimeout)) != nil else { return }
            if case .waitingForCard = await engine.snapshot.phase {
                _ = gaveUp.claim()
                await engine.send(.keyPressed(.cancel))
            }
        }
        defer { timer.cancel() }
        await engine.waitUntil { progress in
            if progress.finishedCount > before { return true }
            if case .amountEntry = progress.snapshot.phase { return true }
            return false
        }
        if await engine.finishedCount > before, let result = await engine.lastResult { return .finished(result) }
        return gaveUp.isSet ? .inputTimeout : .operatorAbandon
    }
}

/// A flag several tasks set and read.
private final class Flag: Sendable {
    private let value = Mutex(false)

    /// Sets it; false when it was set already.
    func claim() -> Bool { value.withLock { set in if set { return false }; set = true; return true } }
    func release() { value.withLock { $0 = false } }
    var isSet: Bool { value.withLock { $0 } }
}

/// What a connection has brought so far: the request's bytes, and whether the till has closed its side.
private actor Inbox {
    enum Request {
        case message(CaisseAPMessage)
        case invalid(CaisseAPError)
        case timedOut
        case closed
    }

    private var bytes: [UInt8] = []
    private(set) var isClosed = false
    private var waiter: CheckedContinuation<Void, Never>?

    func add(_ chunk: [UInt8]) {
        bytes += chunk
        wake()
    }

    func close() {
        isClosed = true
        wake()
    }

    private func wake() {
        waiter?.resume()
        waiter = nil
    }

    /// The whole request, as soon as it is (slow and partial writes are fine), within `timeout`. Caisse-AP has no
    /// frame marker: bytes that end on a field boundary but lack a request's fields may be followed by more, so they
    /// are answered only after `quietGap` without anything new.
    func request(within timeout: Duration, quietGap: Duration = .milliseconds(500)) async -> Request {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch CaisseAPMessage.scan(bytes) {
            case .complete(let message):
                if (try? CaisseAPRequest.parse(message)) != nil || isClosed { return .message(message) }
                let count = bytes.count
                await wait(until: min(deadline, ContinuousClock.now + quietGap))
                if bytes.count == count, !isClosed { return .message(message) }
            case .invalid(let error):
                return .invalid(error)
            case .incomplete:
                if isClosed { return bytes.isEmpty ? .closed : .invalid(.truncated(offset: bytes.count)) }
                if ContinuousClock.now >= deadline { return .timedOut }
                await wait(until: deadline)
            }
        }
    }

    /// Until more bytes come, the till closes, or `instant`.
    private func wait(until instant: ContinuousClock.Instant) async {
        let alarm = Task { [weak self] in
            guard (try? await Task.sleep(until: instant)) != nil else { return }
            await self?.ring()
        }
        defer { alarm.cancel() }
        await withCheckedContinuation { waiter = $0 }
    }

    private func ring() { wake() }
}
