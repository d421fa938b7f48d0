import CardReaders
import CardReadersUSB
import EMV
import Foundation
import PaymentCore
import PaymentCrypto
import Testing
import TestSupport
@testable import TerminalEngine
import Logging

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
            case .failed, .approvedOffline: "05"
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

    // The terminal as a reader: an in-memory gateway that records what it was told.
    private(set) var registrations: [ReaderRegistration] = []
    private(set) var heartbeats = 0
    private(set) var actionResults: [ReaderActionResult] = []
    private(set) var tips: [(String, Money)] = []
    var knownReader = true
    var intentAmounts: [String: Money] = [:]
    var polls: [ReaderActionPoll] = []

    func set(intent: String, amount: Money) { intentAmounts[intent] = amount }
    func forgetReader() { knownReader = false }
    func queue(_ poll: ReaderActionPoll) { polls.append(poll) }

    func firstLocation() async throws(GatewayFailure) -> String? { "tml_1" }
    func createLocation(displayName: String, city: String, country: String) async throws(GatewayFailure) -> String { "tml_new" }
    func registerReader(_ registration: ReaderRegistration) async throws(GatewayFailure) -> String {
        registrations.append(registration)
        knownReader = true
        return "tmr_\(registrations.count)"
    }
    func heartbeat(readerID: String, _ report: ReaderHeartbeat) async throws(GatewayFailure) -> HeartbeatAnswer {
        heartbeats += 1
        return knownReader ? .accepted : .unknownReader
    }
    func injectKeys(readerID: String, scheme: DUKPTScheme) async throws(GatewayFailure) -> InjectedKeys {
        throw .rejected("no keys in this fake")
    }
    func readerAction(readerID: String, after version: Int64, wait seconds: Int) async throws(GatewayFailure) -> ReaderActionPoll {
        if polls.isEmpty {
            try? await Task.sleep(for: .milliseconds(20))
            return ReaderActionPoll(version: version, action: nil)
        }
        return polls.removeFirst()
    }
    func reportActionResult(readerID: String, _ result: ReaderActionResult) async throws(GatewayFailure) { actionResults.append(result) }
    func paymentIntent(_ id: String) async throws(GatewayFailure) -> PaymentIntentSummary {
        guard let amount = intentAmounts[id] else { throw .rejected("No such payment_intent: '\(id)'") }
        return PaymentIntentSummary(amount: amount, receiptEmail: "client@example.com")
    }
    func addTip(paymentIntent: String, newAmount: Money, tip: Money) async throws(GatewayFailure) { tips.append((paymentIntent, tip)) }

    private(set) var followUps: [FollowUpRequest] = []
    var gatewayTotals: [BatchTotal]?
    func set(gatewayTotals: [BatchTotal]?) { self.gatewayTotals = gatewayTotals }
    func followUp(_ request: FollowUpRequest) async -> AuthorizationResult {
        followUps.append(request)
        if case .void(let captured?) = request.operation, captured.minorUnits > 0 { return .approved(paymentIntentID: "re_\(request.stan)", authorizationCode: nil) }
        return .approved(paymentIntentID: request.paymentIntent, authorizationCode: "777777")
    }
    func batch(terminalID: String, number: Int, close terminalTotals: [BatchTotal]?) async throws(GatewayFailure) -> GatewayBatch {
        guard let gatewayTotals else { throw .unreachable("connection refused") }
        return GatewayBatch(totals: gatewayTotals, reconciliation: nil)
    }
}

@Suite struct TerminalEngineTests {
    func engine(_ gateway: RecordingGateway, in dir: URL, stan: UInt32 = 5, clock: any TerminalClock = SystemClock()) throws -> (TerminalEngine, SimulatedCardReader) {
        let reader = SimulatedCardReader()
        let engine = TerminalEngine(profile: try countertop(), identity: TerminalIdentity(terminalID: "87654321", nextSTAN: stan),
                                    database: try TerminalDatabase(dataDirectory: dir, profileID: "countertop"), gateway: gateway, dataDirectory: dir, readerName: reader.name, clock: clock, presentedCards: { pan, mode in
            try? reader.presentation(of: reader.card(for: pan.revealDigits()), mode: mode, pin: try? PINEntry("1234"))
        }, logger: .init(label: "t"))
        return (engine, reader)
    }

    /// The next result, failing the test after 10 s.
    func result(_ engine: TerminalEngine, after count: Int) async throws -> TransactionResult {
        let found: TransactionResult? = try await within { await engine.result(after: count) }
        guard let result = found else { throw TimedOut() }
        return result
    }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Waits (failing after 10 s) until the kernel has asked for a PIN.
    func waitForPINPad(_ engine: TerminalEngine) async throws {
        _ = try await within("the PIN pad") {
            await engine.waitUntil { if case .pinEntry = $0.snapshot.phase { true } else { false } }
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
        let result = try await result(engine, after: before)
        #expect(result.outcome == .approved(paymentIntentID: "pi_9", authorizationCode: "000111"))
        #expect(result.amount == Money(minorUnits: 6000, currency: .eur) && result.stan == 5)
        #expect(result.card.brand == .visa && result.card.last4 == "4242" && result.card.entryMode == .contact)
        // What a till is told of the card read in this session (the journal keeps only brand and last four).
        #expect(result.card.maskedPAN == "424242******4242" && result.card.expiry == "3012" && result.card.aid == "A0000000031010")
        let sent = await gateway.requests
        #expect(sent.map(\.idempotencyKey) == ["87654321-000005"])
        guard case .chip(let online)? = sent.first?.card else { Issue.record("not a chip request"); return }
        #expect(online.onlinePIN == (try PINEntry("1234")))
        #expect(online.values[.terminalCountryCode] == [0x02, 0x50], "France, from the profile")
        #expect(online.values[.transactionCurrencyCode] == [0x09, 0x78], "EUR")
        // The card accepted the issuer's ARPC: TSI says issuer authentication was performed, TVR has no failure.
        #expect(result.merchantReceipt?.lines.contains { $0.hasPrefix("TVR ") && $0.contains("TSI 78") } == true)
        #expect(result.receipt.lines.contains { $0.contains("PIN VERIFIED") })
        #expect(try TerminalDatabase(dataDirectory: dir, profileID: "countertop").identity().nextSTAN == 6)
        let receipts = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("receipts").path)
        #expect(receipts.count == 2, "the merchant and the customer copy: \(receipts)")
        let text = try String(contentsOf: dir.appendingPathComponent("receipts").appendingPathComponent(receipts.sorted()[0]), encoding: .utf8)
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
            #expect(try await result(engine, after: before).outcome == .failed(.cancelled))
            #expect(await gateway.requests.isEmpty)
            return
        }
        for d in [1, 2, 3, 4] { await engine.send(.keyPressed(.digit(d))) }
        await engine.send(.keyPressed(.enter))
        #expect(try await result(engine, after: before).outcome.isApproved)
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
        let result = try await result(engine, after: before)
        // Contact: the second GENERATE AC never happened, so the sale is not complete and the approval is undone.
        guard case .failed(.cardProblem) = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(await engine.reversals.entries.map(\.paymentIntent) == ["pi_gone"])
        #expect(await engine.reversals.settle(with: gateway) == 0)
        #expect(await gateway.reversed == ["pi_gone"])
    }

    /// A chip sale through a USB CCID reader (the real driver over an emulated contact reader), the reader pulled out
    /// while the gateway approves: the second GENERATE AC cannot happen, the sale ends not completed, the approval is
    /// reversed, and the terminal goes on (the reader is looked for again).
    @Test func aUSBReaderPulledOutMidSaleEndsItCleanlyAndReversesTheApproval() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_usb", authorizationCode: "1"))
        let (engine, _) = try engine(gateway, in: dir)
        let slot = EmulatedCCIDReader(.plain)
        let usb = USBCardReader(name: "CCID reader", driver: .ccid(.contact), poll: .milliseconds(20), retry: .milliseconds(50)) { () throws(ReaderError) -> any USBTransport in
            slot
        }
        defer { usb.stop() }
        await gateway.set(whileAuthorizing: { await slot.unplug() })
        await engine.attach(usb)
        await enter(engine, "6000")
        let before = await engine.finishedCount
        let card = CardProfile.virtualCard(for: try PAN("4242424242424242"), name: "visa", expiry: try Expiry(month: 12, year: 2030))
        await slot.place(VirtualCardChannel(card: VirtualCard(profile: card), interface: .contact))
        try await waitForPINPad(engine)
        await enter(engine, "1234")
        let result = try await result(engine, after: before)
        guard case .failed(.cardProblem) = result.outcome else { Issue.record("\(result.outcome)"); return }
        #expect(result.card.entryMode == .contact)
        #expect(await engine.reversals.entries.map(\.paymentIntent) == ["pi_usb"])
        // The screen said the reader went.
        _ = try await within("the unplug on the screen") {
            await engine.waitUntil { !$0.snapshot.readerConnected }
        }
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
        let result = try await result(engine, after: before)
        #expect(!result.outcome.isApproved, "no answer: never shown as approved")
        let queued = await engine.reversals.entries
        #expect(queued.map(\.key) == ["87654321-000005"] && queued.first?.paymentIntent == nil)
        // Still unknown to the gateway: kept for the next pass.
        #expect(await engine.reversals.settle(with: gateway) == 1)
        // The gateway says it went through: the terminal reverses it, once.
        await gateway.set(statusAnswer: .completed(GatewayAnswer(result: .approved(paymentIntentID: "pi_late", authorizationCode: "1"))))
        #expect(await engine.reversals.settle(with: gateway) == 0)
        #expect(await gateway.reversed == ["pi_late"])
        // The queue is in the journal (nothing left here).
        #expect(try TerminalDatabase(dataDirectory: dir, profileID: "countertop").reversals().isEmpty)
    }

    /// A chip card swiped is refused ("use chip"): nothing reaches the gateway.
    @Test func chipCardSwipedIsRefused() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_2"))
        let (engine, reader) = try engine(gateway, in: dir)
        await enter(engine, "250")
        await engine.send(.cardPresented(try reader.presentation(of: reader.card(for: "visa_insufficient_funds"), mode: .magstripe)))
        #expect(await engine.snapshot.notice == "Chip card: insert it (use chip)")
        #expect(await gateway.requests.isEmpty)
        // Swiped without a chip (a stripe-only card): straight to the gateway.
        let before = await engine.finishedCount
        await engine.send(.cardPresented(try card("4000000000009995", .magstripe, chip: false)))
        let result = try await result(engine, after: before)
        #expect(result.outcome == .declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_2"))
        guard case .magstripe(let track)? = await gateway.requests.first?.card else { Issue.record("not a swipe"); return }
        #expect(track.pan.last4 == "9995")
    }

    /// A refund whose answer was lost and that went through is reported, never "reversed".
    @Test func lostRefundAnswerIsAskedAboutNotUndone() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "re_1", authorizationCode: nil))
        let queue = ReversalQueue(database: try TerminalDatabase(dataDirectory: dir, profileID: "countertop"), logger: .init(label: "t"))
        await queue.add(key: "87654321-000007", paymentIntent: nil, reason: TransactionStateMachine.refundInquiry)
        await gateway.set(statusAnswer: .completed(GatewayAnswer(result: .approved(paymentIntentID: "re_1", authorizationCode: nil))))
        let heard = Heard()
        await queue.onRefundSettled { key, refund in await heard.add("\(key) \(refund ?? "-")") }
        #expect(await queue.settle(with: gateway) == 0)
        #expect(await gateway.reversed.isEmpty)
        #expect(await heard.items == ["87654321-000007 re_1"])
    }

    actor Heard {
        var items: [String] = []
        func add(_ item: String) { items.append(item) }
    }

    /// The PIN pad's time-out runs on the injected clock: moving it 60 s cancels the sale, with nothing sent.
    @Test func pinPadTimesOutOnTheTerminalClock() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_1", authorizationCode: "1"))
        let clock = ManualClock()
        let (engine, reader) = try engine(gateway, in: dir, clock: clock)
        await engine.attach(reader)
        await enter(engine, "7000")
        let before = await engine.finishedCount
        try reader.present("online_pin", mode: .contact)
        try await waitForPINPad(engine)
        _ = try await within("the PIN timer") { while clock.sleeperCount == 0 { await Task.yield() } }
        clock.advance(by: .seconds(59))
        #expect(await engine.finishedCount == before)
        clock.advance(by: .seconds(1))
        let result = try await result(engine, after: before)
        #expect(result.outcome == .failed(.cancelled) && result.date == clock.now())
        #expect(await gateway.requests.isEmpty)
    }

    /// The server-driven flow through the engine: the intent's amount is read, the tip added, the presented card
    /// read by the simulator, the intent confirmed and the result reported — all against a fake gateway.
    @Test func serverDrivenSaleAgainstAFakeGateway() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_srv", authorizationCode: "42"))
        await gateway.set(intent: "pi_srv", amount: Money(minorUnits: 2000, currency: .eur))
        let (engine, _) = try engine(gateway, in: dir)
        let action = ReaderAction(readerID: "tmr_1", kind: .processPaymentIntent(paymentIntent: "pi_srv"), status: .inProgress)
        await engine.send(.readerActionChanged(action))
        _ = try await within("the server sale") { await engine.waitUntil { $0.snapshot.serverPaymentIntent == "pi_srv" } }
        var presented = action
        presented.presentedCard = try PAN("5555555555554444")
        presented.tipMinorUnits = 150
        let before = await engine.finishedCount
        await engine.send(.readerActionChanged(presented))
        let result = try await result(engine, after: before)
        #expect(result.outcome == .approved(paymentIntentID: "pi_srv", authorizationCode: "42"))
        #expect(result.amount == Money(minorUnits: 2150, currency: .eur) && result.card.entryMode == .contactless)
        #expect(await gateway.requests.map(\.paymentIntent) == ["pi_srv"])
        #expect(await gateway.tips.map(\.1) == [Money(minorUnits: 150, currency: .eur)])
        _ = try await within("the report") { while await gateway.actionResults.isEmpty { await Task.yield() } }
        #expect(await gateway.actionResults == [.succeeded])
    }

    /// The presence registers at the gateway's first location, beats, and registers again when the gateway forgot it.
    @Test func readerPresenceRegistersAndRecovers() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_1", authorizationCode: "1"))
        let presence = ReaderPresence(gateway: gateway, gatewayName: "fake", profile: try countertop(), terminalID: "87654321", locationID: nil,
                                      dataDirectory: dir, logger: .init(label: "t"))
        await presence.beat()
        #expect(await presence.readerID == "tmr_1")
        #expect(await gateway.registrations.map(\.registrationCode) == ["vtpe-countertop-87654321"])
        #expect(await gateway.registrations.first?.location == "tml_1")
        await gateway.forgetReader()
        await presence.beat()
        #expect(await presence.readerID == "tmr_2")
        #expect(await gateway.heartbeats == 2)
        // The reader id is kept for this gateway across restarts.
        let again = ReaderPresence(gateway: gateway, gatewayName: "fake", profile: try countertop(), terminalID: "87654321", locationID: nil,
                                   dataDirectory: dir, logger: .init(label: "t"))
        let task = Task { await again.run() }
        _ = try await within("the heartbeat") { while await gateway.heartbeats < 3 { await Task.yield() } }
        task.cancel()
        #expect(await gateway.registrations.count == 2)
    }
}
