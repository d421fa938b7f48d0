import Foundation
import Testing
@testable import Scenarios

/// Scenario files: what they say, and every mistake named with its file and line.
@Suite struct ScenarioParserTests {
    @Test func readsStepsExpectationsAndNames() throws {
        let yaml = """
        name: Field sale, network down
        profile: portable
        seed: 7
        steps:
          - network: down
          - sale: {amount: 12.00, card: visa, mode: tap, offline_behavior: prefer_online}
            save_as: first
            expect:
              result: APPROVED
              offline: true
              receipt_contains: [APPROVED OFFLINE]
          - network: {state: flaky, latency_ms: 80, loss_percent: 2.5}
          - refund: {amount: "5.00", of: first, card: visa, mode: insert, pin: "1234"}
          - void: {stan: last}
          - keypad: {keys: 1234E, wait: true}
          - status
          - wait_offline_queue: {timeout: 5}
          - batch: report
            expect:
              reconciliation: match
              batch_totals: [{brand: visa, type: sale, count: 1, amount: 1200}]
              gateway: {status: succeeded, amount: 1200, "latest_charge.captured": true, id: "007"}
        """
        let scenarios = try ScenarioParser.parse(yaml, file: "field.yaml")
        #expect(scenarios.count == 1)
        let s = try #require(scenarios.first)
        #expect(s.name == "Field sale, network down" && s.profile == "portable" && s.seed == 7 && s.dataDirectory == nil)
        #expect(s.steps.map(\.line) == [5, 6, 12, 13, 14, 15, 16, 17, 18])
        #expect(s.steps[0].action == .network(state: "down", latencyMS: nil, jitterMS: nil, lossPercent: nil))
        #expect(s.steps[1].action == .transaction(verb: "sale", amount: "12.00", card: Presentation(mode: "tap", card: "visa"), tip: nil,
                                                  offlineBehavior: "prefer_online", of: nil, killWhen: nil))
        #expect(s.steps[1].saveAs == "first" && s.steps[1].expect.offline == true && s.steps[1].expect.receiptContains == ["APPROVED OFFLINE"])
        #expect(s.steps[2].action == .network(state: "flaky", latencyMS: 80, jitterMS: nil, lossPercent: 2.5))
        #expect(s.steps[3].action == .transaction(verb: "refund", amount: "5.00", card: Presentation(mode: "insert", card: "visa", pin: "1234"), tip: nil,
                                                  offlineBehavior: nil, of: .named("first"), killWhen: nil))
        #expect(s.steps[4].action == .void(.last))
        #expect(s.steps[5].action == .keypad("1234E", wait: true))
        #expect(s.steps[6].action == .status)
        #expect(s.steps[7].action == .waitOfflineQueue(timeout: 5))
        let batch = s.steps[8].expect
        #expect(batch.reconciliation == "match" && batch.batchTotals == [.init(brand: "visa", type: "sale", count: 1, amount: 1200, currency: nil)])
        #expect(batch.gateway == [.init(path: "status", value: .string("succeeded")), .init(path: "amount", value: .integer(1200)),
                                  .init(path: "latest_charge.captured", value: .bool(true)), .init(path: "id", value: .string("007"))])
    }

    @Test func severalScenariosInOneFile() throws {
        let scenarios = try ScenarioParser.parse("name: a\nsteps: [status]\n---\nname: b\nsteps:\n  - restart\n", file: "two.yaml")
        #expect(scenarios.map(\.name) == ["a", "b"] && scenarios.map(\.line) == [1, 4])
    }

    @Test(arguments: [
        ("steps:\n  - sael: {amount: 1.00}\n", "bad.yaml:2: unknown step 'sael': use sale, preauth"),
        ("steps:\n  - sale: {amount: 1.00}\n    expect: {resutl: APPROVED}\n", "bad.yaml:3: unknown expectation 'resutl'"),
        ("steps:\n  - sale: {amount: twelve, card: visa}\n", "bad.yaml:2: amount is an amount like 12.00, not 'twelve'"),
        ("steps:\n  - sale: {amount: 1.00, card: visa, mode: wave}\n", "bad.yaml:2: mode is tap, insert or swipe, not 'wave'"),
        ("steps:\n  - void: {stan: first}\n", "bad.yaml:2: no earlier step is saved as 'first' (save_as: first)"),
        ("steps:\n  - network: sideways\n", "bad.yaml:2: network is up, down or flaky"),
        ("steps:\n  - sale: {amount: 1.00, card: visa, pin: 12}\n", "bad.yaml:2: pin is 4 to 12 digits"),
        ("steps:\n  - battery: 140\n", "bad.yaml:2: battery is 0 to 100 or charge"),
        ("name: x\n", "bad.yaml:1: a scenario needs steps:"),
        ("steps:\n  - sale: {amount: 1.00\n", "bad.yaml:3: not valid YAML"),
        ("profile: portable\nprofile: countertop\nsteps: [status]\n", "bad.yaml:2: 'profile' is given twice"),
        ("steps:\n  - sale: {amount: 1.00}\n    status:\n", "bad.yaml:3: one action per step: 'status' follows another"),
        ("steps:\n  - sale: {amount: 1.00, kill_when: authorizing}\n", "bad.yaml:2: kill_when needs the card in the same step"),
        ("steps:\n  - sale: {amount: 1.00, card: visa}\n    expect: {result: MAYBE}\n", "bad.yaml:3: result is one of APPROVED"),
        ("colour: blue\nsteps: [status]\n", "bad.yaml:1: unknown scenario field 'colour'"),
    ])
    func mistakesNameTheFileAndLine(yaml: String, message: String) {
        do {
            _ = try ScenarioParser.parse(yaml, file: "bad.yaml")
            Issue.record("parsed: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }
}
