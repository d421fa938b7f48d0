import CardReaders
import EMV
import Foundation
import Logging
import PaymentCore
import Scenarios
import TerminalEngine
import TerminalUI

/// Runs scenarios (docs/scenarios.md) on real terminals in this process: each a `TerminalSession` — journal, engine,
/// simulated reader, emulated network, reader registration — on its own data directory, driven through the same
/// control requests `vtpe sale`, `vtpe tap`, `vtpe network` … send over the socket. Parsing and checking are the
/// pure `Scenarios` module's; this only performs the steps and gathers what the checks read.
struct ScenarioRunner: Sendable {
    let gateway: GatewayEndpoint
    /// Reads gateway objects for `expect: gateway:` (straight to the gateway, not through the emulated network).
    let inspector: HTTPGatewayClient
    /// Where fresh data directories go.
    let workDirectory: URL
    /// Overrides every scenario's seed.
    let seed: UInt64?
    let logger: Logger
    /// The longest any step may take.
    static let stepTimeout: Duration = .seconds(60)

    /// A scenario's terminal, ready to run its steps.
    final class Run: @unchecked Sendable {
        // Only the task running the scenario touches it.
        let scenario: Scenario
        let terminal: Int?
        let directory: URL
        let fresh: Bool
        var session: TerminalSession
        var lastSTAN: UInt32?
        var saved: [String: UInt32] = [:]
        /// Transactions finished when the transaction in progress started: its result is the next one.
        var startCount = 0

        init(scenario: Scenario, terminal: Int?, directory: URL, fresh: Bool, session: TerminalSession) {
            self.scenario = scenario
            self.terminal = terminal
            self.directory = directory
            self.fresh = fresh
            self.session = session
        }
    }

    struct StepError: Error, CustomStringConvertible {
        let description: String
        init(_ text: String) { description = text }
    }

    // MARK: Opening a terminal

    /// Opens the scenario's terminal (a fresh data directory unless the file names one) and waits for its keys.
    func open(_ scenario: Scenario, terminal: Int?) async throws -> Run {
        let profile = try FirmwareProfile.load(named: Self.profileName(scenario))
        let fresh = scenario.dataDirectory == nil
        let directory: URL
        if let dir = scenario.dataDirectory {
            let base = URL(fileURLWithPath: scenario.file).deletingLastPathComponent()
            directory = dir.hasPrefix("/") ? URL(fileURLWithPath: dir) : base.appendingPathComponent(dir)
            if let terminal, terminal > 1 { throw StepError("data_dir cannot be shared by \(terminal) terminals: leave it out with --terminals") }
        } else {
            directory = workDirectory.appendingPathComponent("\(Self.slug(scenario.name))-\(UUID().uuidString.prefix(8))\(terminal.map { "-t\($0)" } ?? "")")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let session = try await openSession(profile: profile, directory: directory, scenario: scenario)
        return Run(scenario: scenario, terminal: terminal, directory: directory, fresh: fresh, session: session)
    }

    private func openSession(profile: FirmwareProfile, directory: URL, scenario: Scenario) async throws -> TerminalSession {
        let session = try TerminalSession(profile: profile, dataDirectory: directory, gateway: gateway, gatewayTimeout: scenario.gatewayTimeout ?? 5,
                                          location: nil, networkSeed: seed ?? scenario.seed, logger: logger)
        guard await session.waitForKeys(timeout: .seconds(20)) else {
            await session.stop()
            throw StepError("the terminal got no DUKPT keys from the gateway at \(gateway.label) within 20 s (is it a vtpe gateway?)")
        }
        return session
    }

    // MARK: Running

    /// Runs the steps in order; a step that fails to run does not stop the next ones (their failures say more).
    func steps(of run: Run) async -> [StepOutcome] {
        var outcomes: [StepOutcome] = []
        for step in run.scenario.steps {
            let clock = ContinuousClock()
            let start = clock.now
            var outcome = StepOutcome(line: step.line, summary: step.summary, seconds: 0)
            for repetition in 1...step.repeatCount {
                let began = clock.now
                var failures: [ExpectationFailure] = []
                do {
                    var reply = try await within(Self.limit(step.action)) { Reply(object: try await self.perform(step, run)) }.object
                    if Self.isTransaction(step.action), reply["stan"] != nil { outcome.transactionSeconds.append(began.duration(to: clock.now).seconds) }
                    if let stan = reply["stan"] as? Int, reply["kind"] != nil {
                        // The CVM the journal recorded (the result JSON does not carry it).
                        reply["cvm"] = await run.session.engine.journal.entry(UInt32(stan))?.emv.map { Self.cvm($0.verification) } ?? "none"
                        run.lastSTAN = UInt32(stan)
                        if let name = step.saveAs { run.saved[name] = UInt32(stan) }
                    }
                    failures = try await check(step.expect, reply: reply, run)
                    if !failures.isEmpty || outcome.answer == nil {
                        outcome.answer = (reply["line"] ?? reply["error"] ?? reply["reason"] ?? reply["state"]).map { "\($0)" }
                    }
                } catch {
                    outcome.error = outcome.error ?? (step.repeatCount > 1 ? "repetition \(repetition): \(error)" : "\(error)")
                }
                // A repeated step lists the failures of its first five failing repetitions.
                if outcome.failures.count < 5 * max(1, step.expect.fieldCount) {
                    outcome.failures += step.repeatCount > 1
                        ? failures.map { ExpectationFailure(field: "repetition \(repetition): \($0.field)", expected: $0.expected, actual: $0.actual) } : failures
                }
            }
            outcome.seconds = start.duration(to: clock.now).seconds
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// Stops the terminal; a fresh data directory goes unless `keep`.
    func close(_ run: Run, keep: Bool) async {
        await run.session.stop()
        if run.fresh, !keep { try? FileManager.default.removeItem(at: run.directory) }
    }

    /// How long a step may take: 60 s, or longer for a wait that says so.
    static func limit(_ action: Action) -> Duration {
        switch action {
        case .waitOfflineQueue(let timeout), .pause(let timeout): .milliseconds(Int64(max(60, timeout + 10) * 1000))
        default: stepTimeout
        }
    }

    static func isTransaction(_ action: Action) -> Bool {
        switch action {
        case .transaction, .complete, .void, .present, .keypad, .waitResult: true
        default: false
        }
    }

    private func perform(_ step: Step, _ run: Run) async throws -> [String: Any] {
        let engine = run.session.engine
        let control = run.session.control
        switch step.action {
        case .transaction(let verb, let amount, let card, let tip, let offline, let of, let kill):
            var words = [verb, amount]
            if let tip { words.append("tip=\(tip)") }
            if let offline { words.append("offline=\(offline)") }
            if let of { words.append("of=\(try stan(of, run))") }
            if let card { words += presentationWords(card) }
            run.startCount = await engine.finishedCount
            if let kill {
                // Armed before the card is presented, so the kill strikes at that point and no later.
                await engine.halt(when: Self.killCondition(kill, after: run.startCount))
                let reply = try object(await control.object(for: words.joined(separator: " ")))
                guard reply["result"] as? String != "ERROR" else { return reply }
                let stan = Self.stan(of: await engine.snapshot.phase)
                await engine.waitForHalt()
                try await restart(run)
                return ["result": "OK", "killed": kill.rawValue, "kind": verb, "stan": stan.map { Int($0) as Any } ?? NSNull(),
                        "line": "killed when \(kill.rawValue); restarted\(run.session.recovered.map { ": " + $0 }.joined(separator: ";"))"]
            }
            if card != nil { words.append("wait") }
            return try object(await control.object(for: words.joined(separator: " ")))
        case .complete(let ref, let amount):
            run.startCount = await engine.finishedCount
            return try object(await control.object(for: (["complete", try stan(ref, run)] + (amount.map { [$0] } ?? []) + ["wait"]).joined(separator: " ")))
        case .void(let ref):
            run.startCount = await engine.finishedCount
            return try object(await control.object(for: "void \(try stan(ref, run)) wait"))
        case .present(let p):
            let mode = EntryMode(word: p.mode).map(\.rawValue) ?? p.mode
            let extra = presentationWords(p).filter { !$0.hasPrefix("card=") && !$0.hasPrefix("mode=") }
            let reply = await control.handle((["tap", p.card, mode] + extra + ["wait"]).joined(separator: " "))
            if reply.hasPrefix("error ") { return ["result": "ERROR", "error": String(reply.dropFirst(6))] }
            return await resultOrState(run)
        case .keypad(let keys, let wait):
            let reply = await control.handle("keys \(keys)")
            if reply.hasPrefix("error ") { return ["result": "ERROR", "error": String(reply.dropFirst(6))] }
            guard wait else { return ["result": "OK", "state": String(reply.dropFirst(3))] }
            guard let result = await engine.result(after: run.startCount) else { throw StepError("the terminal stopped") }
            return TerminalControl.result(result)
        case .waitResult:
            return await resultOrState(run)
        case .removeCard:
            // The reader loses the card: its chip stops answering, and the engine hears of it.
            run.session.reader.remove()
            _ = await engine.waitUntil { $0.snapshot.notice != nil || $0.finishedCount > run.startCount }
            return ["result": "OK"]
        case .network(let state, let latency, let jitter, let loss):
            var words = ["network", state]
            if let latency { words.append("latency=\(latency)") }
            if let jitter { words.append("jitter=\(jitter)") }
            if let loss { words.append("loss=\(loss)") }
            return line(await control.handle(words.joined(separator: " ")))
        case .battery(let level):
            return line(await control.handle("battery \(level)"))
        case .printer(let state):
            return line(await control.handle("printer \(state)"))
        case .restart:
            try await restart(run)
            return ["result": "OK"]
        case .waitOfflineQueue(let timeout):
            let drained = try? await within(.milliseconds(Int64(timeout * 1000))) {
                await engine.waitUntil { $0.snapshot.offlineQueue.count == 0 }
            }
            guard drained == true else {
                throw StepError("the offline queue still holds \(await engine.snapshot.offlineQueue.count) after \(timeout) s")
            }
            return ["result": "OK"]
        case .pause(let seconds):
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return ["result": "OK"]
        case .batch(let close):
            return try object(await control.object(for: close ? "batch close" : "batch report"))
        case .reprint(let ref, let copy):
            let words = ["reprint"] + (try ref.map { [try stan($0, run)] } ?? []) + ["copy=\(copy)"]
            return try object(await control.object(for: words.joined(separator: " ")))
        case .status:
            return try object(await control.object(for: "status json"))
        case .inspect(let ref):
            let stan = try stan(ref, run)
            guard let entry = await engine.journal.entry(UInt32(stan)!) else { throw StepError("no transaction \(stan) in the open batch") }
            return Self.inspection(entry)
        }
    }

    /// A journal entry as `inspect` answers it: the result words of a transaction's JSON.
    static func inspection(_ e: JournalEntry) -> [String: Any] {
        let result = switch e.status {
        case .approved, .completed: "APPROVED"
        case .declined: "DECLINED"
        case .failed, .voided, .inDoubt: "FAILED"
        }
        var out: [String: Any] = [
            "result": result, "status": e.status.rawValue, "stan": Int(e.stan), "amount": e.amount.minorUnits, "id": (e.gatewayID.map { $0 as Any } ?? NSNull()),
            "card": ["brand": e.brand.rawValue, "last4": e.last4, "entry_mode": e.entryMode], "auth_code": (e.authorizationCode.map { $0 as Any } ?? NSNull()),
            "line": "\(e.kind.rawValue) STAN \(String(format: "%06u", e.stan)) \(e.status.rawValue)\(e.offline.map { " offline \($0.rawValue)" } ?? "")",
        ]
        if let offline = e.offline { out["offline"] = true; out["offline_state"] = offline.rawValue }
        return out
    }

    private func presentationWords(_ p: Presentation) -> [String] {
        var words = ["card=\(p.card)", "mode=\(p.mode)"]
        if let pin = p.pin { words.append("pin=\(pin)") }
        if let app = p.application { words.append("app=\(app)") }
        return words
    }

    /// The transaction's result once it has one, or where it waits (the PIN pad, the application choice).
    private func resultOrState(_ run: Run) async -> [String: Any] {
        let engine = run.session.engine
        if let result = await engine.resultOrPINPad(after: run.startCount) { return TerminalControl.result(result) }
        let phase = await engine.snapshot.phase
        let state: String = switch phase {
        case .pinEntry: "PIN_ENTRY"
        case .selectingApplication: "SELECT_APPLICATION"
        default: "FAILED"
        }
        return ["result": state, "state": HeadlessLine.describe(await engine.snapshot)]
    }

    static func cvm(_ v: CardholderVerification) -> String {
        switch v {
        case .noneRequired: "none"
        case .offlinePIN: "offline_pin"
        case .offlinePINAndSignature: "offline_pin_and_signature"
        case .onlinePIN: "online_pin"
        case .signature: "signature"
        case .consumerDevice: "consumer_device"
        case .failed: "failed"
        default: v.rawValue
        }
    }

    /// Where `kill_when` strikes: at that phase, or when the transaction ends if it never gets there.
    static func killCondition(_ point: KillPoint, after start: Int) -> @Sendable (TerminalEngine.Progress) -> Bool {
        { p in
            if p.finishedCount > start { return true }
            switch (point, p.snapshot.phase) {
            case (.readingCard, .readingCard), (.pinEntry, .pinEntry), (.authorizing, .authorizing): return true
            default: return false
            }
        }
    }

    /// The STAN of the transaction in progress (or just finished).
    static func stan(of phase: TransactionPhase) -> UInt32? {
        switch phase {
        case .readingCard(_, _, let stan), .authorizing(_, _, let stan): stan
        case .pinEntry(_, _, let stan, _, _): stan
        case .finished(let result): result.stan
        default: nil
        }
    }

    /// The terminal dies (nothing more written) and a new one opens on the same data directory, recovering.
    private func restart(_ run: Run) async throws {
        await run.session.kill()
        let profile = run.session.profile
        run.session = try await openSession(profile: profile, directory: run.directory, scenario: run.scenario)
    }

    private func stan(_ ref: STANReference, _ run: Run) throws -> String {
        let value: UInt32? = switch ref {
        case .number(let n): n
        case .last: run.lastSTAN
        case .named(let name): run.saved[name]
        }
        guard let value else { throw StepError("no transaction yet for stan: \(ref == .last ? "last" : "the saved one")") }
        return String(format: "%06u", value)
    }

    /// The object of a `json {…}` request (the transactions, `status json`), taken without the JSON in between.
    private func object(_ reply: [String: Any]?) throws -> [String: Any] {
        guard let reply else { throw StepError("the terminal has no object reply for this request") }
        return reply
    }

    /// `ok …` / `error …` replies of device and network requests.
    private func line(_ reply: String) -> [String: Any] {
        reply.hasPrefix("error ") ? ["result": "ERROR", "error": String(reply.dropFirst(6))] : ["result": "OK", "state": String(reply.dropFirst(3))]
    }

    // MARK: Checking

    private func check(_ e: Expectations, reply: [String: Any], _ run: Run) async throws -> [ExpectationFailure] {
        guard !e.isEmpty else {
            // No expectation: a refusal is still a failure, so a typo'd card does not pass silently.
            if reply["result"] as? String == "ERROR" { return [.init(field: "result", expected: "no refusal", actual: "ERROR: \(reply["error"] ?? "")")] }
            return []
        }
        var status: [String: Any]?
        if e.offlineQueue != nil || e.reversalsPending != nil || (e.batchTotals != nil && reply["totals"] == nil) {
            status = try object(await run.session.control.object(for: "status json"))
        }
        var object: [String: Any]?
        if !e.gateway.isEmpty { object = try await gatewayObject(for: reply, run) }
        return ExpectationCheck(reply: reply, status: status, gatewayObject: object, cvm: reply["cvm"] as? String).failures(e)
    }

    /// The gateway's object for a step's transaction: its payment intent (latest charge expanded) or refund; for a
    /// payment approved offline, the intent it was forwarded as.
    private func gatewayObject(for reply: [String: Any], _ run: Run) async throws -> [String: Any]? {
        var id = reply["id"] as? String
        if id == nil, let stan = reply["stan"] as? Int { id = await run.session.engine.journal.entry(UInt32(stan))?.gatewayID }
        guard let id else { return nil }
        let path = id.hasPrefix("re_") ? "/v1/refunds/\(id)" : "/v1/payment_intents/\(id)?expand[]=latest_charge"
        let (status, body) = try await inspector.get(path)
        guard status == 200 else { throw StepError("the gateway answered \(status) for \(id)") }
        return try JSONSerialization.jsonObject(with: body) as? [String: Any]
    }

    /// A profile id, or a YAML path relative to the scenario's file (else to the working directory).
    static func profileName(_ scenario: Scenario) -> String {
        let name = scenario.profile
        guard name.hasSuffix(".yaml") || name.hasSuffix(".yml"), !name.hasPrefix("/") else { return name }
        let beside = URL(fileURLWithPath: scenario.file).deletingLastPathComponent().appendingPathComponent(name).path
        return FileManager.default.fileExists(atPath: beside) ? beside : name
    }

    static func slug(_ name: String) -> String {
        String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
    }
}

/// A JSON object crossing a task boundary (it is built and read by one task at a time).
struct Reply: @unchecked Sendable {
    let object: [String: Any]
}

/// Runs `body`, failing after `limit`.
func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(for: limit); return nil }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ScenarioRunner.StepError("timed out after \(limit.seconds) s")
        }
        return value
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
