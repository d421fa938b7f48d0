import CardReaders
import EMV
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// A gateway double: answers every authorization with `answer` — and, for chip reads, the issuer's real ARPC, so
/// the virtual card accepts it — and records what it was asked.
actor RecordingGateway: GatewayClient {
    nonisolated let label = "fake"
    private(set) var requests: [AuthorizationRequest] = []
    private(set) var reversed: [String] = []
    let answer: AuthorizationResult
    /// The answer never comes back (the request did arrive).
    var loseAnswer = false
    /// Runs while the gateway "processes" a request (e.g. pulling the card out).
    var whileAuthorizing: (@Sendable () async -> Void)?
    var statusAnswer: TransactionStatus = .unknown

    init(answer: AuthorizationResult) { self.answer = answer }

    func set(loseAnswer: Bool = false, statusAnswer: TransactionStatus = .unknown, whileAuthorizing: (@Sendable () async -> Void)? = nil) {
        self.loseAnswer = loseAnswer
        self.statusAnswer = statusAnswer
        self.whileAuthorizing = whileAuthorizing
    }

    func authorize(_ request: AuthorizationRequest) async -> GatewayAnswer {
        requests.append(request)
        await whileAuthorizing?()
        if loseAnswer { return GatewayAnswer(result: .failed(.timeout), outcomeKnown: false) }
        var issuer: [TLV] = []
        if case .chip(let online) = request.card {
            let arc: String = switch answer {
            case .approved: "00"
            case .declined(let code, _, _): code.isoResponseCode
            case .failed: "05"
            }
            issuer = [TLV(tag: .authorisationResponseCode, value: Array(arc.utf8))]
            let values = online.values
            if let arqc = values[.applicationCryptogram], let atc = values[.applicationTransactionCounter],
               let data = try? TestIssuer.issuerAuthenticationData(arqc: arqc, arc: Array(arc.utf8), pan: online.pan,
                                                                   psn: online.panSequenceNumber ?? 0, atc: UInt16(atc[0]) << 8 | UInt16(atc[1])) {
                issuer.append(TLV(tag: .issuerAuthenticationData, value: data))
            }
        }
        return GatewayAnswer(result: answer, issuerResponse: issuer)
    }

    func status(idempotencyKey: String) async throws -> TransactionStatus { statusAnswer }

    func reverse(paymentIntentID: String, idempotencyKey: String) async -> Bool {
        reversed.append(paymentIntentID)
        return true
    }
}

@Suite struct TerminalEngineTests {
    func engine(_ gateway: RecordingGateway, in dir: URL, stan: UInt32 = 5) throws -> (TerminalEngine, SimulatedCardReader) {
        let reader = SimulatedCardReader()
        let engine = TerminalEngine(profile: try countertop(), identity: TerminalIdentity(terminalID: "87654321", nextSTAN: stan), gateway: gateway,
                                    dataDirectory: dir, readerName: reader.name, logger: .init(label: "t"))
        return (engine, reader)
    }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Waits (at most a second) until the kernel has asked for a PIN.
    func waitForPINPad(_ engine: TerminalEngine) async throws {
        for _ in 0..<200 {
            if case .pinEntry = await engine.snapshot.phase { return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func enter(_ engine: TerminalEngine, _ digits: String) async {
        for d in digits { await engine.send(.keyPressed(.digit(d.wholeNumberValue!))) }
        await engine.send(.keyPressed(.enter))
    }

    @Test func chipSaleThroughTheKernelWithPINTypedAhead() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_9", authorizationCode: "000111"))
        let (engine, reader) = try engine(gateway, in: dir)
        await engine.attach(reader)
        await enter(engine, "6000")
        let before = await engine.finishedCount
        try reader.present("visa", mode: .contact, pin: try PINEntry("1234"))
        let result = await engine.result(after: before)
        #expect(result.outcome == .approved(paymentIntentID: "pi_9", authorizationCode: "000111"))
        #expect(result.amount == Money(minorUnits: 6000, currency: .eur) && result.stan == 5)
        #expect(result.card == CardSummary(brand: .visa, last4: "4242", entryMode: .contact))
        let sent = await gateway.requests
        #expect(sent.map(\.idempotencyKey) == ["87654321-000005"])
        guard case .chip(let online)? = sent.first?.card else { Issue.record("not a chip request"); return }
        #expect(online.onlinePIN == (try PINEntry("1234")))
        #expect(online.values[.terminalCountryCode] == [0x02, 0x50], "France, from the profile")
        #expect(online.values[.transactionCurrencyCode] == [0x09, 0x78], "EUR")
        // The card accepted the issuer's ARPC: TSI says issuer authentication was performed, TVR has no failure.
        #expect(result.receipt.lines.contains { $0.hasPrefix("TVR ") && $0.contains("TSI 78") })
        #expect(result.receipt.lines.contains { $0.contains("PIN VERIFIED") })
        #expect(try TerminalIdentity.loadOrCreate(in: dir, profileID: "countertop").nextSTAN == 6)
        let receipts = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("receipts").path)
        #expect(receipts.count == 1)
        let text = try String(contentsOf: dir.appendingPathComponent("receipts").appendingPathComponent(receipts[0]), encoding: .utf8)
        #expect(text.contains("**** **** **** 4242") && !text.contains("4242424242424242"))
        #expect(await engine.reversals.entries.isEmpty)
    }

    /// The PIN pad: the cardholder types the PIN (approved, the PIN goes online), or cancels (no payment at all).
    @Test(arguments: [true, false]) func pinPad(typesThePIN: Bool) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_1", authorizationCode: "1"))
        let (engine, reader) = try engine(gateway, in: dir)
        await engine.attach(reader)
        await enter(engine, "7000")
        let before = await engine.finishedCount
        try reader.present("online_pin", mode: .contact)
        try await waitForPINPad(engine)
        guard case .pinEntry(_, _, _, .online, 0) = await engine.snapshot.phase else { Issue.record("no PIN pad: \(await engine.snapshot.phase)"); return }
        guard typesThePIN else {
            await engine.send(.keyPressed(.cancel))
            #expect(await engine.result(after: before).outcome == .failed(.cancelled))
            #expect(await gateway.requests.isEmpty)
            return
        }
        for d in [1, 2, 3, 4] { await engine.send(.keyPressed(.digit(d))) }
        await engine.send(.keyPressed(.enter))
        #expect(await engine.result(after: before).outcome.isApproved)
        guard case .chip(let online)? = await gateway.requests.first?.card else { Issue.record("not a chip request"); return }
        #expect(online.onlinePIN == (try PINEntry("1234")))
    }

    @Test func cardPulledAfterTheApprovalIsReversed() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_gone", authorizationCode: "1"))
        let (engine, reader) = try engine(gateway, in: dir)
        await gateway.set(whileAuthorizing: { reader.remove() })
        await engine.attach(reader)
        await enter(engine, "6000")
        let before = await engine.finishedCount
        try reader.present("visa", mode: .contact, pin: try PINEntry("1234"))
        let result = await engine.result(after: before)
        // Contact: the second GENERATE AC never happened, so the sale is not complete and the approval is undone.
        guard case .failed(.cardProblem) = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(await engine.reversals.entries.map(\.paymentIntent) == ["pi_gone"])
        #expect(await engine.reversals.settle(with: gateway) == 0)
        #expect(await gateway.reversed == ["pi_gone"])
    }

    @Test func lostAnswerIsAskedAboutAndReversedWhenItWentThrough() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_late", authorizationCode: "1"))
        await gateway.set(loseAnswer: true)
        let (engine, reader) = try engine(gateway, in: dir)
        await engine.attach(reader)
        await enter(engine, "1200")
        let before = await engine.finishedCount
        try reader.present("mastercard", mode: .contactless)
        let result = await engine.result(after: before)
        #expect(!result.outcome.isApproved, "no answer: never shown as approved")
        let queued = await engine.reversals.entries
        #expect(queued.map(\.key) == ["87654321-000005"] && queued.first?.paymentIntent == nil)
        // Still unknown to the gateway: kept for the next pass.
        #expect(await engine.reversals.settle(with: gateway) == 1)
        // The gateway says it went through: the terminal reverses it, once.
        await gateway.set(statusAnswer: .completed(GatewayAnswer(result: .approved(paymentIntentID: "pi_late", authorizationCode: "1"))))
        #expect(await engine.reversals.settle(with: gateway) == 0)
        #expect(await gateway.reversed == ["pi_late"])
        // The queue survives a restart (nothing left here) and holds no card data.
        let file = try String(contentsOf: dir.appendingPathComponent("reversals-countertop.json"), encoding: .utf8)
        #expect(file == "[]")
    }

    @Test func swipeGoesStraightToTheGateway() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_2"))
        let (engine, reader) = try engine(gateway, in: dir)
        await engine.attach(reader)
        await enter(engine, "250")
        let before = await engine.finishedCount
        try reader.present("visa_insufficient_funds", mode: .magstripe)
        let result = await engine.result(after: before)
        #expect(result.outcome == .declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_2"))
        guard case .magstripe(let track)? = await gateway.requests.first?.card else { Issue.record("not a swipe"); return }
        #expect(track.pan.last4 == "9995")
    }
}
