import Foundation
import Testing
@testable import Scenarios

/// Expectations against the terminal's and the gateway's answers, and the reports CI reads.
@Suite struct ExpectationTests {
    let approved: [String: Any] = [
        "result": "APPROVED", "stan": 3, "amount": 1200, "auth_code": "123456", "offline": true,
        "card": ["brand": "visa", "last4": "4242", "entry_mode": "contactless_emv"],
        "receipt": ["lines": ["VISA", "APPROVED OFFLINE"]], "merchant_receipt": ["lines": ["TVR 0000008000"]],
    ]

    @Test func passingExpectationsFindNothing() throws {
        var e = Expectations()
        e.result = "APPROVED"
        e.readMethod = "contactless_emv"
        e.offline = true
        e.amount = 1200
        e.receiptContains = ["APPROVED OFFLINE", "TVR"]
        e.cvm = "none"
        e.offlineQueue = 1
        e.gateway = [.init(path: "latest_charge.payment_method_details.card_present.offline.type", value: .string("deferred")),
                     .init(path: "amount", value: .integer(1200))]
        let gateway: [String: Any] = ["amount": 1200, "latest_charge": ["payment_method_details": ["card_present": ["offline": ["type": "deferred"]]]]]
        let check = ExpectationCheck(reply: approved, status: ["offline": ["pending": 1]], gatewayObject: gateway, cvm: "none")
        #expect(check.failures(e).isEmpty)
    }

    @Test func eachFailureSaysExpectedAndActual() {
        var e = Expectations()
        e.result = "DECLINED"
        e.declineCode = "insufficient_funds"
        e.receiptContains = ["PIN VERIFIED"]
        e.offline = false
        e.batchTotals = [.init(brand: "visa", type: "sale", count: 2, amount: 2400, currency: nil)]
        e.gateway = [.init(path: "status", value: .string("succeeded"))]
        let failures = ExpectationCheck(reply: approved, status: ["batch": ["totals": [["brand": "visa", "type": "sale", "count": 1, "amount": 1200]]]]).failures(e)
        #expect(failures.map(\.description) == [
            "result: expected DECLINED, got \"APPROVED\"",
            "decline_code: expected insufficient_funds, got nothing",
            "offline: expected false, got true",
            "receipt_contains: expected \"PIN VERIFIED\", got a receipt without it",
            "batch_totals: expected [visa sale 2 2400], got [visa sale 1 1200]",
            "gateway.status: expected \"succeeded\", got no gateway object for this step",
        ])
    }

    @Test func junitNamesFileLineExpectedAndActual() {
        let outcome = ScenarioOutcome(name: "field <sale>", file: "docs/scenarios/field.yaml", steps: [
            StepOutcome(line: 5, summary: "network down", seconds: 0.001),
            StepOutcome(line: 6, summary: "sale 12.00 visa tap", seconds: 0.25, failures: [.init(field: "result", expected: "APPROVED", actual: "\"DECLINED\"")]),
        ], seconds: 0.3)
        let xml = ScenarioReport.junit([outcome])
        #expect(xml.contains(#"<testsuites name="vtpe scenario" tests="2" failures="1" errors="0" time="0.300">"#))
        #expect(xml.contains(#"<testsuite name="field &lt;sale&gt;" file="docs/scenarios/field.yaml" tests="2" failures="1""#))
        #expect(xml.contains(#"<testcase classname="field &lt;sale&gt;" name="line 5: network down" file="docs/scenarios/field.yaml" line="5" time="0.001"/>"#))
        #expect(xml.contains(#"<failure message="result: expected APPROVED, got &quot;DECLINED&quot;" type="ExpectationFailed">docs/scenarios/field.yaml:6: result: expected APPROVED, got &quot;DECLINED&quot;</failure>"#))
        #expect(outcome.failureLines == [#"docs/scenarios/field.yaml:6: sale 12.00 visa tap: result: expected APPROVED, got "DECLINED""#])
    }

    @Test func loadPercentilesAreNearestRank() {
        let latencies = (1...100).map { Double($0) / 1000 }
        let load = LoadSummary(terminals: 4, latencies: latencies.shuffled(), seconds: 2)
        #expect(load.transactions == 100 && load.perSecond == 50)
        #expect(load.p50 == 0.050 && load.p90 == 0.090 && load.p99 == 0.099 && load.max == 0.100)
        #expect(load.line == "4 terminals: 100 transactions in 2.00 s — 50 transactions/s; latency p50 50.0 ms, p90 90.0 ms, p99 99.0 ms, max 100.0 ms")
    }
}
