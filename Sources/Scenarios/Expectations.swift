import Foundation

/// What must be true after a step (docs/scenarios.md, "Expectations"). Every field is optional; an empty
/// expectation checks nothing but that the step could run.
public struct Expectations: Sendable, Equatable {
    /// APPROVED, DECLINED, FAILED, PIN_ENTRY, SELECT_APPLICATION, ERROR (a refusal) or OK.
    public var result: String?
    public var declineCode: String?
    /// none, offline_pin, online_pin, signature, offline_pin_and_signature, consumer_device, failed.
    public var cvm: String?
    /// contactless_emv, contact_emv, magnetic_stripe, … (the card's entry mode as the gateway names it).
    public var readMethod: String?
    public var offline: Bool?
    public var authorizationCode: String?
    /// The amount in minor units.
    public var amount: Int64?
    /// Each text must be on the customer or the merchant receipt.
    public var receiptContains: [String] = []
    /// The refusal's message contains this (for result ERROR).
    public var errorContains: String?
    /// Payments waiting in the offline store.
    public var offlineQueue: Int?
    /// Reversals and inquiries the terminal still owes.
    public var reversalsPending: Int?
    /// The open batch's (or the report's) totals, exactly.
    public var batchTotals: [BatchTotal]?
    /// match, mismatch or unavailable (batch steps).
    public var reconciliation: String?
    /// Fields of the gateway's object for the step's transaction (the payment intent, latest charge expanded),
    /// by dotted path: `latest_charge.payment_method_details.card_present.read_method: contactless_emv`.
    public var gateway: [GatewayField] = []

    public init() {}

    public var isEmpty: Bool { self == Expectations() }

    /// How many fields are expected (at least one).
    public var fieldCount: Int {
        let optionals: [Any?] = [result, declineCode, cvm, readMethod, offline, authorizationCode, amount, errorContains, offlineQueue, reversalsPending,
                                 batchTotals, reconciliation]
        return max(1, optionals.compactMap { $0 }.count + receiptContains.count + gateway.count)
    }

    public struct BatchTotal: Sendable, Equatable {
        public var brand: String
        public var type: String
        public var count: Int
        public var amount: Int64
        public var currency: String?
    }

    public struct GatewayField: Sendable, Equatable {
        public var path: String
        public var value: Value
    }

    /// A scalar as YAML gives it.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case number(Double)
        case bool(Bool)
        case null

        public var description: String {
            switch self {
            case .string(let s): "\"\(s)\""
            case .integer(let i): String(i)
            case .number(let d): String(d)
            case .bool(let b): String(b)
            case .null: "null"
            }
        }

        /// True when a JSON value (from JSONSerialization) is this value.
        func matches(_ json: Any?) -> Bool {
            switch (self, json) {
            case (.null, nil), (.null, is NSNull): return true
            case (.string(let s), let v as String): return v == s
            case (.bool(let b), let v as Bool): return v == b
            case (.integer(let i), let v as NSNumber): return v.doubleValue == Double(i)
            case (.number(let d), let v as NSNumber): return v.doubleValue == d
            case (.string(let s), let v as NSNumber): return v.stringValue == s
            default: return false
            }
        }
    }
}

/// A failed expectation: what was expected and what was found.
public struct ExpectationFailure: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var expected: String
    public var actual: String

    public init(field: String, expected: String, actual: String) {
        self.field = field
        self.expected = expected
        self.actual = actual
    }

    public var description: String { "\(field): expected \(expected), got \(actual)" }
}

/// Checks a step's expectations against what the terminal and the gateway answered (pure: the runner fetches).
public struct ExpectationCheck {
    /// The step's reply (the control socket's JSON object: a result, a batch report, a refusal).
    public var reply: [String: Any]
    /// `vtpe status --json`, when the expectations need it.
    public var status: [String: Any]?
    /// The gateway's object for the transaction, when the expectations need it.
    public var gatewayObject: [String: Any]?
    /// The CVM of the transaction, as the journal has it.
    public var cvm: String?

    public init(reply: [String: Any], status: [String: Any]? = nil, gatewayObject: [String: Any]? = nil, cvm: String? = nil) {
        self.reply = reply
        self.status = status
        self.gatewayObject = gatewayObject
        self.cvm = cvm
    }

    public func failures(_ e: Expectations) -> [ExpectationFailure] {
        var failures: [ExpectationFailure] = []
        func check(_ field: String, _ expected: String?, _ actual: Any?) {
            guard let expected else { return }
            let text = actual.map { "\($0)" } ?? "nothing"
            if text != expected { failures.append(.init(field: field, expected: expected, actual: describe(actual))) }
        }
        check("result", e.result, reply["result"])
        check("decline_code", e.declineCode, reply["decline_code"])
        check("cvm", e.cvm, cvm)
        check("read_method", e.readMethod, (reply["card"] as? [String: Any])?["entry_mode"])
        check("auth_code", e.authorizationCode, reply["auth_code"])
        if let amount = e.amount { check("amount", String(amount), reply["amount"]) }
        if let offline = e.offline {
            let actual = reply["offline"] as? Bool ?? false
            if actual != offline { failures.append(.init(field: "offline", expected: String(offline), actual: String(actual))) }
        }
        if let text = e.errorContains {
            let error = reply["error"] as? String ?? ""
            if !error.contains(text) { failures.append(.init(field: "error_contains", expected: "\"\(text)\"", actual: describe(reply["error"]))) }
        }
        if !e.receiptContains.isEmpty {
            let lines = [reply["receipt"], reply["merchant_receipt"]].compactMap { ($0 as? [String: Any])?["lines"] as? [String] }.flatMap { $0 }
            for text in e.receiptContains where !lines.contains(where: { $0.contains(text) }) {
                failures.append(.init(field: "receipt_contains", expected: "\"\(text)\"", actual: lines.isEmpty ? "no receipt" : "a receipt without it"))
            }
        }
        if let count = e.offlineQueue { check("offline_queue", String(count), (status?["offline"] as? [String: Any])?["pending"]) }
        if let count = e.reversalsPending { check("reversals_pending", String(count), status?["reversals_pending"]) }
        if let reconciliation = e.reconciliation { check("reconciliation", reconciliation, (reply["reconciliation"] as? [String: Any])?["result"]) }
        if let totals = e.batchTotals {
            // A batch step's report, else the status's open batch.
            let found = (reply["totals"] as? [[String: Any]]) ?? ((status?["batch"] as? [String: Any])?["totals"] as? [[String: Any]]) ?? []
            let actual = found.map { t in
                "\(t["brand"] ?? "?") \(t["type"] ?? "?") \(t["count"] ?? "?") \(t["amount"] ?? "?")"
            }.sorted()
            let expected = totals.map { "\($0.brand) \($0.type) \($0.count) \($0.amount)" }.sorted()
            if actual != expected {
                failures.append(.init(field: "batch_totals", expected: "[\(expected.joined(separator: ", "))]", actual: "[\(actual.joined(separator: ", "))]"))
            }
        }
        for field in e.gateway {
            guard let object = gatewayObject else {
                failures.append(.init(field: "gateway.\(field.path)", expected: field.value.description, actual: "no gateway object for this step"))
                continue
            }
            let actual = Self.value(at: field.path, in: object)
            if !field.value.matches(actual) {
                failures.append(.init(field: "gateway.\(field.path)", expected: field.value.description, actual: describe(actual)))
            }
        }
        return failures
    }

    /// The value at a dotted path (`latest_charge.outcome.type`; a number picks a list element).
    static func value(at path: String, in object: [String: Any]) -> Any? {
        var current: Any? = object
        for part in path.split(separator: ".").map(String.init) {
            if let dict = current as? [String: Any] { current = dict[part] } else if let list = current as? [Any], let i = Int(part), list.indices.contains(i) {
                current = list[i]
            } else { return nil }
        }
        return current
    }

    private func describe(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "nothing"
        case let s as String: "\"\(s)\""
        case let n as NSNumber: n.stringValue
        case let other?: "\(other)"
        }
    }
}
