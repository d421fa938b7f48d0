import ArgumentParser
import Foundation
import Logging
import Scenarios
import TerminalEngine

/// `vtpe scenario FILE…`: scripted terminal sessions without a screen (docs/scenarios.md), one terminal per scenario
/// (or `--terminals N` at once, for load), against the embedded gateway or a remote one; exit 1 when any expectation
/// fails, each failure named by file, line, expected and actual.
struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run scripted terminal sessions (QA scenarios) and check their expectations.",
        discussion: """
        Each scenario runs on a terminal of its own, in a fresh data directory unless the file names one (data_dir).
        Exit status: 0 when every expectation holds, 1 when one fails, 2 when a file cannot be run (file:line says why).
        Examples: docs/scenarios/. Format: docs/scenarios.md.
        """
    )

    @Argument(help: ArgumentHelp("Scenario files (YAML).", valueName: "file")) var files: [String]
    @Option(help: ArgumentHelp("`embedded` (an in-process gateway on a fresh SQLite file) or a gateway URL.", valueName: "embedded|url"))
    var gateway = "embedded"
    @Option(name: .customLong("api-key"), help: ArgumentHelp("Secret key for a remote gateway (or VTPE_API_KEY).", valueName: "key"))
    var apiKey: String?
    @Option(name: .customLong("report"), help: ArgumentHelp("Write a report: junit:PATH (JUnit XML) or json:PATH; may be repeated.", valueName: "kind:path"))
    var reports: [String] = []
    @Option(help: ArgumentHelp("Seed of the emulated networks' randomness (overrides the files' seed).", valueName: "n"))
    var seed: UInt64?
    @Option(help: ArgumentHelp("Run every scenario on this many terminals at once (load), and report transactions/s and latency percentiles.", valueName: "n"))
    var terminals: Int = 1
    @Flag(name: .customLong("keep-data"), help: "Keep the fresh data directories (their paths are printed).")
    var keepData = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one scenario file") }
        guard (1...1000).contains(terminals) else { throw ValidationError("--terminals must be 1 to 1000") }
        if gateway != "embedded", !(gateway.hasPrefix("http://") || gateway.hasPrefix("https://")) {
            throw ValidationError("--gateway must be `embedded` or an http(s):// URL, not '\(gateway)'")
        }
        for report in reports {
            guard let colon = report.firstIndex(of: ":"), ["junit", "json"].contains(report[..<colon]), report.index(after: colon) < report.endIndex else {
                throw ValidationError("--report is junit:PATH or json:PATH, not '\(report)'")
            }
        }
    }

    func run() async throws {
        // Every file is read first: one that cannot be run runs nothing (each error names its file and line).
        var scenarios: [Scenario] = []
        var problems: [String] = []
        for file in files {
            do { scenarios += try ScenarioParser.load(file) } catch { problems.append(error.description) }
        }
        if !problems.isEmpty {
            for p in problems { FileHandle.standardError.write(Data("vtpe: \(p)\n".utf8)) }
            throw ExitCode(2)
        }
        for scenario in scenarios {
            do { _ = try FirmwareProfile.load(named: ScenarioRunner.profileName(scenario)) } catch {
                FileHandle.standardError.write(Data("vtpe: \(scenario.file):\(scenario.line): profile '\(scenario.profile)': \(error)\n".utf8))
                throw ExitCode(2)
            }
        }

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-scenario-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        FileLogHandler.bootstrap(path: work.appendingPathComponent("vtpe.log").path, level: .notice)
        let logger = Logger(label: "vtpe.scenario")
        let endpoint: GatewayEndpoint
        let embedded: EmbeddedGateway?
        do { (endpoint, embedded) = try await GatewayEndpoint.resolve(gateway, apiKey: apiKey, dataDirectory: work.appendingPathComponent("gateway")) } catch let error as CLIError {
            throw error.exit()
        }
        let inspector = HTTPGatewayClient(baseURL: endpoint.url, apiKey: endpoint.apiKey, logger: logger)
        let runner = ScenarioRunner(gateway: endpoint, inspector: inspector, workDirectory: work, seed: seed, logger: logger)

        var outcomes: [ScenarioOutcome] = []
        var latencies: [Double] = []
        var loadSeconds = 0.0
        for scenario in scenarios {
            let (results, seconds) = await run(scenario, runner: runner)
            outcomes += results
            latencies += results.flatMap { $0.steps.flatMap(\.transactionSeconds) }
            loadSeconds += seconds
        }
        let load = terminals > 1 ? LoadSummary(terminals: terminals, latencies: latencies, seconds: loadSeconds) : nil

        for outcome in outcomes {
            let who = outcome.terminal.map { " [terminal \($0)]" } ?? ""
            let head = "\(outcome.passed ? "PASS" : "FAIL") \(outcome.name)\(who) (\(outcome.file)) — \(outcome.steps.count) steps, \(String(format: "%.2f", outcome.seconds)) s"
            // In load mode only failures are listed one by one.
            if terminals == 1 || !outcome.passed { printLine(head) }
            for line in outcome.failureLines { printLine("  " + line) }
        }
        let failed = outcomes.filter { !$0.passed }.count
        printLine("\(outcomes.count - failed) of \(outcomes.count) scenario runs passed")
        if let load { printLine(load.line) }
        if keepData { printLine("data directories kept in \(work.path)") }

        for report in reports {
            let colon = report.firstIndex(of: ":")!
            let path = String(report[report.index(after: colon)...])
            do {
                let data = report.hasPrefix("junit:") ? Data(ScenarioReport.junit(outcomes).utf8) : try ScenarioReport.json(outcomes, load: load)
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                FileHandle.standardError.write(Data("vtpe: cannot write the report \(path): \(error)\n".utf8))
            }
        }
        await inspector.shutdown()
        await embedded?.stop()
        if !keepData { try? FileManager.default.removeItem(at: work) }
        if failed > 0 { throw ExitCode(1) }
    }

    /// One scenario on `terminals` terminals: all opened (registered, keys loaded) first, then the steps run at
    /// once; the seconds are the steps' wall time, for the load figures.
    private func run(_ scenario: Scenario, runner: ScenarioRunner) async -> ([ScenarioOutcome], Double) {
        let numbered = terminals > 1
        let count = terminals
        let opening = await withTaskGroup(of: (Int, Result<ScenarioRunner.Run, any Error>).self) { group in
            for i in 1...count {
                let number: Int? = numbered ? i : nil
                group.addTask {
                    do { return (i, .success(try await runner.open(scenario, terminal: number))) } catch { return (i, .failure(error)) }
                }
            }
            var all: [(Int, Result<ScenarioRunner.Run, any Error>)] = []
            for await item in group { all.append(item) }
            return all
        }
        var outcomes: [(Int, ScenarioOutcome)] = []
        var opened: [(Int, ScenarioRunner.Run)] = []
        for (i, result) in opening {
            switch result {
            case .success(let run): opened.append((i, run))
            case .failure(let error):
                outcomes.append((i, ScenarioOutcome(name: scenario.name, file: scenario.file, terminal: numbered ? i : nil, error: "the terminal did not start: \(error)")))
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let ran = await withTaskGroup(of: (Int, ScenarioOutcome).self) { group in
            for (i, run) in opened {
                group.addTask {
                    let began = clock.now
                    let steps = await runner.steps(of: run)
                    return (i, ScenarioOutcome(name: scenario.name, file: scenario.file, terminal: run.terminal, steps: steps,
                                               seconds: began.duration(to: clock.now).seconds))
                }
            }
            var all: [(Int, ScenarioOutcome)] = []
            for await item in group { all.append(item) }
            return all
        }
        let seconds = start.duration(to: clock.now).seconds
        let keep = keepData
        await withTaskGroup(of: Void.self) { group in
            for (_, run) in opened { group.addTask { await runner.close(run, keep: keep) } }
        }
        return ((outcomes + ran).sorted { $0.0 < $1.0 }.map(\.1), seconds)
    }
}
