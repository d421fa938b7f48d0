import Foundation
import Yams

/// A scenario file that cannot be run: the file, the line and what is wrong.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}

/// Reads scenario files (docs/scenarios.md). A file holds one scenario, or several as YAML documents (`---`).
/// Every error names the file and the line; nothing is run from a file with one.
public enum ScenarioParser {
    /// Reads `path` (named as given in errors and reports).
    public static func load(_ path: String) throws(ScenarioError) -> [Scenario] {
        let text: String
        do { text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) } catch {
            throw ScenarioError(file: path, line: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ yaml: String, file: String) throws(ScenarioError) -> [Scenario] {
        var documents: [Node] = []
        do {
            let parser = try Parser(yaml: yaml)
            while let node = try parser.nextRoot() { documents.append(node) }
        } catch let YamlError.scanner(_, problem, mark, _) {
            throw ScenarioError(file: file, line: mark.line, message: "not valid YAML: \(problem)")
        } catch let YamlError.parser(_, problem, mark, _) {
            throw ScenarioError(file: file, line: mark.line, message: "not valid YAML: \(problem)")
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            let key = duplicates.first ?? "?"
            // The mapping's mark is where it starts; the second occurrence of the key is what to fix.
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            let hits = lines.indices.filter { i in
                i + 1 >= context.mark.line && lines[i].drop(while: { $0 == " " || $0 == "-" }).hasPrefix("\(key):")
            }
            throw ScenarioError(file: file, line: hits.dropFirst().first.map { $0 + 1 } ?? context.mark.line, message: "'\(key)' is given twice")
        } catch let YamlError.composer(_, problem, mark, _) {
            throw ScenarioError(file: file, line: mark.line, message: "not valid YAML: \(problem)")
        } catch {
            throw ScenarioError(file: file, line: nil, message: "not valid YAML: \(error)")
        }
        guard !documents.isEmpty else { throw ScenarioError(file: file, line: nil, message: "the file holds no scenario") }
        let reader = Reader(file: file)
        return try documents.map { node throws(ScenarioError) in try reader.scenario(node) }
    }
}

/// Walks the YAML nodes, keeping the file for errors.
private struct Reader {
    let file: String

    func fail(_ node: Node?, _ message: String) -> ScenarioError { ScenarioError(file: file, line: node?.mark?.line, message: message) }

    func mapping(_ node: Node, _ what: String) throws(ScenarioError) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let m) = node else { throw fail(node, "\(what) is a mapping (key: value), not \(node.kindName)") }
        var seen = Set<String>()
        var pairs: [(String, Node, Node)] = []
        for (k, v) in m {
            guard let key = k.string else { throw fail(k, "keys of \(what) are names") }
            guard seen.insert(key).inserted else { throw fail(k, "'\(key)' is given twice") }
            pairs.append((key, k, v))
        }
        return pairs
    }

    func string(_ node: Node, _ field: String) throws(ScenarioError) -> String {
        guard case .scalar(let s) = node else { throw fail(node, "\(field) is a single value, not \(node.kindName)") }
        return s.string
    }

    func number(_ node: Node, _ field: String) throws(ScenarioError) -> Double {
        guard let n = Double(try string(node, field)) else { throw fail(node, "\(field) is a number, not '\(try string(node, field).prefix(30))'") }
        return n
    }

    func integer(_ node: Node, _ field: String) throws(ScenarioError) -> Int64 {
        guard let n = Int64(try string(node, field)) else { throw fail(node, "\(field) is a whole number, not '\(try string(node, field).prefix(30))'") }
        return n
    }

    func bool(_ node: Node, _ field: String) throws(ScenarioError) -> Bool {
        switch try string(node, field).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw fail(node, "\(field) is true or false, not '\(other.prefix(30))'")
        }
    }

    /// An amount as the terminal takes it: `12.00` (a YAML number or a string).
    func amount(_ node: Node, _ field: String) throws(ScenarioError) -> String {
        let text = try string(node, field)
        guard text.range(of: #"^\d{1,9}(\.\d{1,3})?$"#, options: .regularExpression) != nil else {
            throw fail(node, "\(field) is an amount like 12.00, not '\(text.prefix(30))'")
        }
        return text
    }

    func stan(_ node: Node, _ field: String) throws(ScenarioError) -> STANReference {
        let text = try string(node, field)
        if text == "last" { return .last }
        if let n = UInt32(text) {
            guard (1...999_999).contains(n) else { throw fail(node, "\(field): a STAN is 1 to 999999") }
            return .number(n)
        }
        guard text.range(of: #"^[A-Za-z_][A-Za-z0-9_-]*$"#, options: .regularExpression) != nil else {
            throw fail(node, "\(field) is a STAN, `last`, or the save_as name of an earlier step, not '\(text.prefix(30))'")
        }
        return .named(text)
    }

    func scenario(_ node: Node) throws(ScenarioError) -> Scenario {
        var scenario = Scenario(name: URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent, file: file, line: node.mark?.line ?? 1,
                                profile: "countertop", dataDirectory: nil, seed: nil, gatewayTimeout: nil, steps: [])
        var stepsNode: Node?
        for (key, keyNode, value) in try mapping(node, "a scenario") {
            switch key {
            case "name": scenario.name = try string(value, "name")
            case "profile": scenario.profile = try string(value, "profile")
            case "data_dir": scenario.dataDirectory = try string(value, "data_dir")
            case "seed":
                guard let seed = UInt64(try string(value, "seed")) else { throw fail(value, "seed is a whole number ≥ 0") }
                scenario.seed = seed
            case "gateway_timeout":
                let t = try number(value, "gateway_timeout")
                guard t > 0, t <= 300 else { throw fail(value, "gateway_timeout is above 0 and at most 300 seconds") }
                scenario.gatewayTimeout = t
            case "steps": stepsNode = value
            default: throw fail(keyNode, "unknown scenario field '\(key)': use name, profile, data_dir, seed, gateway_timeout or steps")
            }
        }
        guard let stepsNode else { throw fail(node, "a scenario needs steps:") }
        guard case .sequence(let list) = stepsNode else { throw fail(stepsNode, "steps is a list (- sale: …), not \(stepsNode.kindName)") }
        guard !list.isEmpty else { throw fail(stepsNode, "steps is empty") }
        var names = Set<String>()
        for item in list {
            let step = try self.step(item, names: names)
            if let name = step.saveAs { names.insert(name) }
            scenario.steps.append(step)
        }
        return scenario
    }

    static let actions = ["sale", "preauth", "refund", "complete", "void", "tap", "insert", "swipe", "keypad", "remove_card", "wait_result",
                          "network", "battery", "printer", "restart", "wait_offline_queue", "pause", "batch", "reprint", "status", "inspect"]

    func step(_ node: Node, names: Set<String>) throws(ScenarioError) -> Step {
        let line = node.mark?.line ?? 0
        // `- status` and `- restart` may be written alone.
        if case .scalar(let s) = node, ["status", "restart", "remove_card", "wait_result"].contains(s.string) {
            return Step(line: line, action: try action(s.string, nil, at: node), expect: Expectations(), saveAs: nil)
        }
        var action: Action?
        var expect = Expectations()
        var saveAs: String?
        var repeatCount = 1
        for (key, keyNode, value) in try mapping(node, "a step") {
            switch key {
            case "repeat":
                let n = try integer(value, "repeat")
                guard (1...100_000).contains(n) else { throw fail(value, "repeat is 1 to 100000") }
                repeatCount = Int(n)
            case "expect": expect = try expectations(value)
            case "save_as":
                let name = try string(value, "save_as")
                guard case .named = try stan(value, "save_as") else { throw fail(value, "save_as is a name (letters, digits, _ and -)") }
                saveAs = name
            case _ where Self.actions.contains(key):
                guard action == nil else { throw fail(keyNode, "one action per step: '\(key)' follows another") }
                action = try self.action(key, value, at: keyNode)
            default:
                throw fail(keyNode, "unknown step '\(key)': use \(Self.actions.joined(separator: ", ")) (with expect:, save_as: and repeat:)")
            }
        }
        guard let action else { throw fail(node, "a step needs an action (\(Self.actions.prefix(6).joined(separator: ", ")), …)") }
        for case .named(let name) in action.references where !names.contains(name) {
            throw fail(node, "no earlier step is saved as '\(name)' (save_as: \(name))")
        }
        return Step(line: line, action: action, expect: expect, saveAs: saveAs, repeatCount: repeatCount)
    }

    func presentation(_ mode: String, _ node: Node, into fields: inout [String: Node]) throws(ScenarioError) -> Presentation {
        guard let card = fields.removeValue(forKey: "card") else { throw fail(node, "\(mode) needs card: (a test card name, e.g. visa)") }
        var p = Presentation(mode: mode, card: try string(card, "card"))
        if let pin = fields.removeValue(forKey: "pin") {
            let digits = try string(pin, "pin")
            guard digits.count >= 4, digits.count <= 12, digits.allSatisfy(\.isNumber) else { throw fail(pin, "pin is 4 to 12 digits") }
            p.pin = digits
        }
        if let app = fields.removeValue(forKey: "app") { p.application = try string(app, "app") }
        return p
    }

    func fields(_ node: Node, _ what: String) throws(ScenarioError) -> [String: Node] {
        Dictionary(try mapping(node, what).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    func noneLeft(_ fields: [String: Node], _ what: String, allowed: String) throws(ScenarioError) {
        if let (key, node) = fields.sorted(by: { $0.key < $1.key }).first {
            throw fail(node, "unknown field '\(key)' of \(what): use \(allowed)")
        }
    }

    func action(_ name: String, _ value: Node?, at keyNode: Node) throws(ScenarioError) -> Action {
        let value = value ?? Node("")
        switch name {
        case "sale", "preauth", "refund":
            var f = try fields(value, name)
            guard let amountNode = f.removeValue(forKey: "amount") else { throw fail(value, "\(name) needs amount:") }
            let amount = try self.amount(amountNode, "amount")
            var card: Presentation?
            let mode = try f.removeValue(forKey: "mode").map { n throws(ScenarioError) in try string(n, "mode") } ?? "tap"
            guard ["tap", "insert", "swipe"].contains(mode) else { throw fail(value, "mode is tap, insert or swipe, not '\(mode.prefix(20))'") }
            if f["card"] != nil { card = try presentation(mode, value, into: &f) }
            let tip = try f.removeValue(forKey: "tip").map { n throws(ScenarioError) in try self.amount(n, "tip") }
            let offline = try f.removeValue(forKey: "offline_behavior").map { n throws(ScenarioError) in try string(n, "offline_behavior") }
            if let offline, !["prefer_online", "require_online", "force_offline"].contains(offline) {
                throw fail(value, "offline_behavior is prefer_online, require_online or force_offline")
            }
            let of = try f.removeValue(forKey: "of").map { n throws(ScenarioError) in try stan(n, "of") }
            if of != nil, name != "refund" { throw fail(value, "of: is for refunds") }
            let kill = try f.removeValue(forKey: "kill_when").map { n throws(ScenarioError) -> KillPoint in
                guard let point = KillPoint(rawValue: try string(n, "kill_when")) else {
                    throw fail(n, "kill_when is \(KillPoint.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return point
            }
            if kill != nil, card == nil { throw fail(value, "kill_when needs the card in the same step") }
            try noneLeft(f, name, allowed: "amount, card, mode, pin, app, tip, offline_behavior, of, kill_when")
            return .transaction(verb: name, amount: amount, card: card, tip: tip, offlineBehavior: offline, of: of, killWhen: kill)
        case "complete", "void":
            var f = try fields(value, name)
            guard let stanNode = f.removeValue(forKey: "stan") else { throw fail(value, "\(name) needs stan: (a number, last, or a save_as name)") }
            let stan = try self.stan(stanNode, "stan")
            if name == "void" {
                try noneLeft(f, name, allowed: "stan")
                return .void(stan)
            }
            let amount = try f.removeValue(forKey: "amount").map { n throws(ScenarioError) in try self.amount(n, "amount") }
            try noneLeft(f, name, allowed: "stan, amount")
            return .complete(stan, amount: amount)
        case "tap", "insert", "swipe":
            if case .scalar(let s) = value { return .present(Presentation(mode: name, card: s.string)) }
            var f = try fields(value, name)
            let p = try presentation(name, value, into: &f)
            try noneLeft(f, name, allowed: "card, pin, app")
            return .present(p)
        case "keypad":
            if case .scalar(let s) = value { return .keypad(try keys(s.string, value), wait: false) }
            var f = try fields(value, name)
            guard let k = f.removeValue(forKey: "keys") else { throw fail(value, "keypad needs keys: (e.g. 1234E)") }
            let wait = try f.removeValue(forKey: "wait").map { n throws(ScenarioError) in try bool(n, "wait") } ?? false
            try noneLeft(f, name, allowed: "keys, wait")
            return .keypad(try keys(try string(k, "keys"), k), wait: wait)
        case "inspect":
            if case .scalar = value { return .inspect(try stan(value, "inspect")) }
            var f = try fields(value, name)
            guard let stanNode = f.removeValue(forKey: "stan") else { throw fail(value, "inspect needs stan: (a number, last, or a save_as name)") }
            try noneLeft(f, name, allowed: "stan")
            return .inspect(try stan(stanNode, "stan"))
        case "remove_card": return .removeCard
        case "wait_result": return .waitResult
        case "restart": return .restart
        case "status": return .status
        case "network":
            if case .scalar(let s) = value {
                guard ["up", "down", "flaky"].contains(s.string) else { throw fail(value, "network is up, down or flaky") }
                return .network(state: s.string, latencyMS: nil, jitterMS: nil, lossPercent: nil)
            }
            var f = try fields(value, name)
            let state = try f.removeValue(forKey: "state").map { n throws(ScenarioError) in try string(n, "state") } ?? "up"
            guard ["up", "down", "flaky"].contains(state) else { throw fail(value, "network state is up, down or flaky") }
            let latency = try f.removeValue(forKey: "latency_ms").map { n throws(ScenarioError) in Int(try integer(n, "latency_ms")) }
            let jitter = try f.removeValue(forKey: "jitter_ms").map { n throws(ScenarioError) in Int(try integer(n, "jitter_ms")) }
            let loss = try f.removeValue(forKey: "loss_percent").map { n throws(ScenarioError) in try number(n, "loss_percent") }
            try noneLeft(f, name, allowed: "state, latency_ms, jitter_ms, loss_percent")
            return .network(state: state, latencyMS: latency, jitterMS: jitter, lossPercent: loss)
        case "battery":
            let level = try string(value, "battery")
            guard level == "charge" || (Int(level).map { (0...100).contains($0) } ?? false) else { throw fail(value, "battery is 0 to 100 or charge") }
            return .battery(level)
        case "printer":
            let state = try string(value, "printer")
            guard ["paper", "out", "open"].contains(state) else { throw fail(value, "printer is paper, out or open") }
            return .printer(state)
        case "wait_offline_queue":
            if case .scalar(let s) = value, s.string.isEmpty { return .waitOfflineQueue(timeout: 30) }
            var f = try fields(value, name)
            let timeout = try f.removeValue(forKey: "timeout").map { n throws(ScenarioError) in try number(n, "timeout") } ?? 30
            try noneLeft(f, name, allowed: "timeout")
            return .waitOfflineQueue(timeout: timeout)
        case "pause":
            let s = try number(value, "pause")
            guard s >= 0, s <= 600 else { throw fail(value, "pause is 0 to 600 seconds") }
            return .pause(seconds: s)
        case "batch":
            let which = try string(value, "batch")
            guard ["report", "close"].contains(which) else { throw fail(value, "batch is report or close") }
            return .batch(close: which == "close")
        case "reprint":
            if case .scalar(let s) = value, s.string.isEmpty { return .reprint(nil, copy: "customer") }
            var f = try fields(value, name)
            let stan = try f.removeValue(forKey: "stan").map { n throws(ScenarioError) in try self.stan(n, "stan") }
            let copy = try f.removeValue(forKey: "copy").map { n throws(ScenarioError) in try string(n, "copy") } ?? "customer"
            guard ["merchant", "customer"].contains(copy) else { throw fail(value, "copy is merchant or customer") }
            try noneLeft(f, name, allowed: "stan, copy")
            return .reprint(stan, copy: copy)
        default:
            throw fail(keyNode, "unknown step '\(name)'")
        }
    }

    func keys(_ text: String, _ node: Node) throws(ScenarioError) -> String {
        guard !text.isEmpty, text.allSatisfy({ $0.isNumber || "ECBM".contains($0) }) else {
            throw fail(node, "keys are digits and E (enter), C (cancel), B (backspace), M (menu), not '\(text.prefix(30))'")
        }
        return text
    }

    func expectations(_ node: Node) throws(ScenarioError) -> Expectations {
        var e = Expectations()
        for (key, keyNode, value) in try mapping(node, "expect") {
            switch key {
            case "result":
                let r = try string(value, "result").uppercased()
                let known = ["APPROVED", "DECLINED", "FAILED", "PIN_ENTRY", "SELECT_APPLICATION", "ERROR", "OK"]
                guard known.contains(r) else { throw fail(value, "result is one of \(known.joined(separator: ", "))") }
                e.result = r
            case "decline_code": e.declineCode = try string(value, key)
            case "cvm":
                let known = ["none", "offline_pin", "online_pin", "signature", "offline_pin_and_signature", "consumer_device", "failed"]
                let cvm = try string(value, key)
                guard known.contains(cvm) else { throw fail(value, "cvm is one of \(known.joined(separator: ", "))") }
                e.cvm = cvm
            case "read_method": e.readMethod = try string(value, key)
            case "offline": e.offline = try bool(value, key)
            case "auth_code": e.authorizationCode = try string(value, key)
            case "amount": e.amount = try integer(value, "amount (minor units)")
            case "receipt_contains":
                if case .sequence(let list) = value {
                    e.receiptContains = try list.map { n throws(ScenarioError) in try string(n, key) }
                } else { e.receiptContains = [try string(value, key)] }
            case "error_contains": e.errorContains = try string(value, key)
            case "offline_queue": e.offlineQueue = Int(try integer(value, key))
            case "reversals_pending": e.reversalsPending = Int(try integer(value, key))
            case "reconciliation":
                let r = try string(value, key)
                guard ["match", "mismatch", "unavailable"].contains(r) else { throw fail(value, "reconciliation is match, mismatch or unavailable") }
                e.reconciliation = r
            case "batch_totals":
                guard case .sequence(let list) = value else { throw fail(value, "batch_totals is a list of {brand, type, count, amount}") }
                e.batchTotals = try list.map { item throws(ScenarioError) in
                    var f = try fields(item, "a batch total")
                    func take(_ k: String) throws(ScenarioError) -> Node {
                        guard let n = f.removeValue(forKey: k) else { throw fail(item, "a batch total needs \(k):") }
                        return n
                    }
                    let total = Expectations.BatchTotal(brand: try string(try take("brand"), "brand"), type: try string(try take("type"), "type"),
                                                        count: Int(try integer(try take("count"), "count")),
                                                        amount: try integer(try take("amount"), "amount (minor units)"),
                                                        currency: try f.removeValue(forKey: "currency").map { n throws(ScenarioError) in try string(n, "currency") })
                    try noneLeft(f, "a batch total", allowed: "brand, type, count, amount, currency")
                    return total
                }
            case "gateway":
                e.gateway = try mapping(value, "gateway").map { pair throws(ScenarioError) in
                    Expectations.GatewayField(path: pair.key, value: try scalar(pair.value, "gateway.\(pair.key)"))
                }
            default:
                throw fail(keyNode, "unknown expectation '\(key)': use result, decline_code, cvm, read_method, offline, auth_code, amount, receipt_contains, error_contains, offline_queue, reversals_pending, batch_totals, reconciliation or gateway")
            }
        }
        return e
    }

    /// A YAML scalar with its type (quoted strings stay strings).
    func scalar(_ node: Node, _ field: String) throws(ScenarioError) -> Expectations.Value {
        guard case .scalar(let s) = node else { throw fail(node, "\(field) is a single value, not \(node.kindName)") }
        if s.style == .singleQuoted || s.style == .doubleQuoted { return .string(s.string) }
        switch s.string {
        case "null", "~", "": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        default:
            if let i = Int64(s.string) { return .integer(i) }
            if let d = Double(s.string) { return .number(d) }
            return .string(s.string)
        }
    }
}

extension Action {
    /// The STANs of earlier steps this action names.
    var references: [STANReference] {
        switch self {
        case .transaction(_, _, _, _, _, let of, _): of.map { [$0] } ?? []
        case .complete(let s, _), .void(let s): [s]
        case .reprint(let s, _): s.map { [$0] } ?? []
        case .inspect(let s): [s]
        default: []
        }
    }
}

extension Node {
    var kindName: String {
        switch self {
        case .scalar: "a value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
