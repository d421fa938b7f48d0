import Foundation

/// What a step did: how long it took, and what failed (an expectation, or the step itself).
public struct StepOutcome: Sendable, Equatable {
    public var line: Int
    public var summary: String
    public var seconds: Double
    public var failures: [ExpectationFailure]
    /// The step could not run (the terminal refused to start, a wait timed out…).
    public var error: String?
    /// Seconds each transaction took from request to result (none for other steps): the load figures.
    public var transactionSeconds: [Double] = []
    /// What the terminal answered, in one line (its result line, refusal or reason), shown with a failure.
    public var answer: String?

    public init(line: Int, summary: String, seconds: Double, failures: [ExpectationFailure] = [], error: String? = nil, transactionSeconds: [Double] = []) {
        self.line = line
        self.summary = summary
        self.seconds = seconds
        self.failures = failures
        self.error = error
        self.transactionSeconds = transactionSeconds
    }

    public var passed: Bool { failures.isEmpty && error == nil }
}

/// One scenario run on one terminal.
public struct ScenarioOutcome: Sendable, Equatable {
    public var name: String
    public var file: String
    /// Which terminal ran it (load mode), from 1.
    public var terminal: Int?
    public var steps: [StepOutcome]
    public var seconds: Double
    /// The scenario could not start (its terminal did not open).
    public var error: String?

    public init(name: String, file: String, terminal: Int? = nil, steps: [StepOutcome] = [], seconds: Double = 0, error: String? = nil) {
        self.name = name
        self.file = file
        self.terminal = terminal
        self.steps = steps
        self.seconds = seconds
        self.error = error
    }

    public var passed: Bool { error == nil && steps.allSatisfy(\.passed) }

    /// One line per failure: `file:line: step (summary): field: expected …, got …`.
    public var failureLines: [String] {
        var lines: [String] = []
        let who = terminal.map { " [terminal \($0)]" } ?? ""
        if let error { lines.append("\(file): \(name)\(who): \(error)") }
        for step in steps {
            if let error = step.error { lines.append("\(file):\(step.line): \(step.summary)\(who): \(error)") }
            for f in step.failures { lines.append("\(file):\(step.line): \(step.summary)\(who): \(f)") }
            if !step.passed, let answer = step.answer { lines.append("    the terminal said: \(answer)") }
        }
        return lines
    }
}

/// Throughput and latency of a load run (`--terminals N`).
public struct LoadSummary: Sendable, Equatable {
    public var terminals: Int
    public var transactions: Int
    public var seconds: Double
    public var perSecond: Double
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    /// Nearest-rank percentiles of the transactions' latencies (seconds), over the run's wall time.
    public init(terminals: Int, latencies: [Double], seconds: Double) {
        let sorted = latencies.sorted()
        func rank(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
        }
        self.terminals = terminals
        transactions = sorted.count
        self.seconds = seconds
        perSecond = seconds > 0 ? Double(sorted.count) / seconds : 0
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = sorted.last ?? 0
    }

    public var line: String {
        String(format: "%d terminals: %d transactions in %.2f s — %.0f transactions/s; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
               terminals, transactions, seconds, perSecond, p50 * 1000, p90 * 1000, p99 * 1000, max * 1000)
    }
}

/// The reports `vtpe scenario --report` writes.
public enum ScenarioReport {
    /// JUnit XML as GitLab and Jenkins read it: a testsuite per scenario (and terminal), a testcase per step.
    public static func junit(_ outcomes: [ScenarioOutcome]) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let tests = outcomes.reduce(0) { $0 + Swift.max(1, $1.steps.count) }
        let failures = outcomes.reduce(0) { $0 + $1.steps.filter { !$0.passed }.count + ($1.error == nil ? 0 : 1) }
        let time = outcomes.reduce(0) { $0 + $1.seconds }
        xml += #"<testsuites name="vtpe scenario" tests="\#(tests)" failures="\#(failures)" errors="0" time="\#(seconds(time))">"# + "\n"
        for outcome in outcomes {
            let suite = outcome.name + (outcome.terminal.map { " [terminal \($0)]" } ?? "")
            let failed = outcome.steps.filter { !$0.passed }.count + (outcome.error == nil ? 0 : 1)
            xml += #"  <testsuite name="\#(escape(suite))" file="\#(escape(outcome.file))" tests="\#(Swift.max(1, outcome.steps.count))" failures="\#(failed)" errors="0" time="\#(seconds(outcome.seconds))">"# + "\n"
            if let error = outcome.error {
                xml += #"    <testcase classname="\#(escape(outcome.name))" name="start" file="\#(escape(outcome.file))" time="0">"# + "\n"
                xml += #"      <failure message="\#(escape(error))" type="ScenarioError">\#(escape(error))</failure>"# + "\n"
                xml += "    </testcase>\n"
            }
            for step in outcome.steps {
                let name = "line \(step.line): \(step.summary)"
                xml += #"    <testcase classname="\#(escape(outcome.name))" name="\#(escape(name))" file="\#(escape(outcome.file))" line="\#(step.line)" time="\#(seconds(step.seconds))""#
                if step.passed {
                    xml += "/>\n"
                    continue
                }
                xml += ">\n"
                let lines = (step.error.map { [$0] } ?? []) + step.failures.map(\.description)
                let message = lines.first ?? "failed"
                xml += #"      <failure message="\#(escape(message))" type="\#(step.error == nil ? "ExpectationFailed" : "StepFailed")">\#(escape("\(outcome.file):\(step.line): " + lines.joined(separator: "\n")))</failure>"# + "\n"
                xml += "    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    /// The same as JSON, with the load figures in load mode.
    public static func json(_ outcomes: [ScenarioOutcome], load: LoadSummary?) throws -> Data {
        let scenarios: [[String: Any]] = outcomes.map { o in
            [
                "name": o.name, "file": o.file, "terminal": (o.terminal.map { $0 as Any } ?? NSNull()), "passed": o.passed, "seconds": o.seconds,
                "error": (o.error.map { $0 as Any } ?? NSNull()),
                "steps": o.steps.map { s -> [String: Any] in
                    ["line": s.line, "step": s.summary, "passed": s.passed, "seconds": s.seconds, "error": (s.error.map { $0 as Any } ?? NSNull()),
                     "answer": (s.answer.map { $0 as Any } ?? NSNull()),
                     "failures": s.failures.map { ["field": $0.field, "expected": $0.expected, "actual": $0.actual] }]
                },
            ]
        }
        var root: [String: Any] = [
            "passed": outcomes.allSatisfy(\.passed), "scenarios": scenarios,
            "summary": ["scenarios": outcomes.count, "failed": outcomes.filter { !$0.passed }.count,
                        "steps": outcomes.reduce(0) { $0 + $1.steps.count }],
        ]
        if let load {
            root["load"] = ["terminals": load.terminals, "transactions": load.transactions, "seconds": load.seconds, "per_second": load.perSecond,
                            "latency_ms": ["p50": load.p50 * 1000, "p90": load.p90 * 1000, "p99": load.p99 * 1000, "max": load.max * 1000]]
        }
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
    }

    static func seconds(_ s: Double) -> String { String(format: "%.3f", s) }

    /// XML attribute and text escaping, by hand: five entities and control characters do not justify FoundationXML
    /// (libxml2) in the binary.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            // XML 1.0 has no other control characters.
            case _ where scalar.value < 0x20 && scalar != "\t": out += "?"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
