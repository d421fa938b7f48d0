import Foundation
import NIOCore
import NIOHTTP1
import PaymentCore
import PaymentCrypto

/// The terminal's life as a `terminal.reader` over HTTP: the wire format (paths, form fields, JSON shapes) of
/// docs/api.md "Card-present payments", turned into typed values for `ReaderPresence` and the engine.
extension HTTPGatewayClient {
    public func firstLocation() async throws(GatewayFailure) -> String? {
        let (status, json) = try await reaching { try await call(.GET, "/v1/terminal/locations", [("limit", "1")]) }
        try Self.check(status, json, accepting: 200)
        return (json["data"] as? [[String: Any]])?.first?["id"] as? String
    }

    public func createLocation(displayName: String, city: String, country: String) async throws(GatewayFailure) -> String {
        let (status, json) = try await reaching {
            try await call(.POST, "/v1/terminal/locations", [("display_name", displayName), ("address[city]", city), ("address[country]", country)])
        }
        try Self.check(status, json, accepting: 200)
        guard let id = json["id"] as? String else { throw .rejected("the new location has no id") }
        return id
    }

    public func registerReader(_ registration: ReaderRegistration) async throws(GatewayFailure) -> String {
        let (status, json) = try await reaching {
            try await call(.POST, "/v1/terminal/readers", [
                ("registration_code", registration.registrationCode), ("location", registration.location),
                ("label", registration.label), ("vtpe_device_sw_version", registration.softwareVersion),
            ])
        }
        try Self.check(status, json, accepting: 200)
        guard let id = json["id"] as? String else { throw .rejected("the new reader has no id") }
        return id
    }

    public func heartbeat(readerID: String, _ report: ReaderHeartbeat) async throws(GatewayFailure) -> HeartbeatAnswer {
        let (status, json) = try await reaching {
            try await call(.POST, "/v1/terminal/readers/\(readerID)/vtpe_heartbeat", [("device_sw_version", report.softwareVersion)] + (report.status?.fields ?? []))
        }
        if status == 404 { return .unknownReader }
        try Self.check(status, json, accepting: 200)
        return .accepted
    }

    public func injectKeys(readerID: String, scheme: DUKPTScheme) async throws(GatewayFailure) -> InjectedKeys {
        let (status, json) = try await reaching {
            try await call(.POST, "/v1/terminal/readers/\(readerID)/vtpe_key_injection", [("key_scheme", scheme.rawValue)])
        }
        try Self.check(status, json, accepting: 200)
        guard let key = json["initial_key"] as? String, let ksn = json["initial_ksn"] as? String, let answered = json["key_scheme"] as? String else {
            throw .rejected("the key injection answer has no initial_key, initial_ksn and key_scheme")
        }
        return InjectedKeys(initialKey: key, initialKSN: ksn, scheme: answered)
    }

    public func readerAction(readerID: String, after version: Int64, wait seconds: Int) async throws(GatewayFailure) -> ReaderActionPoll {
        let (status, json, body) = try await reaching {
            // The gateway holds the poll up to `seconds`: the request may take that long, whatever the payments' timeout.
            try await callRaw(.GET, "/v1/terminal/readers/\(readerID)/vtpe_action", [("after", String(version)), ("wait", String(seconds))],
                              timeout: .seconds(Int64(seconds) + 5))
        }
        try Self.check(status, json, accepting: 200)
        do {
            return try Self.decodeReaderAction(body, readerID: readerID)
        } catch {
            throw .rejected("the reader's action could not be read: \(error)")
        }
    }

    public func reportActionResult(readerID: String, _ result: ReaderActionResult) async throws(GatewayFailure) {
        let fields: [(String, String)] = switch result {
        case .succeeded: [("status", "succeeded")]
        case .refunded(let refund): [("status", "succeeded"), ("refund", refund)]
        case .failed(let code, let message): [("status", "failed"), ("failure_code", code), ("failure_message", message)]
        }
        let (status, json) = try await reaching { try await call(.POST, "/v1/terminal/readers/\(readerID)/vtpe_action_result", fields) }
        try Self.check(status, json, accepting: 200)
    }

    public func paymentIntent(_ id: String) async throws(GatewayFailure) -> PaymentIntentSummary {
        let (status, json) = try await reaching { try await call(.GET, "/v1/payment_intents/\(id)") }
        try Self.check(status, json, accepting: 200)
        guard let minor = (json["amount"] as? NSNumber)?.int64Value, let code = json["currency"] as? String,
              let currency = try? Currency(code: code.uppercased()) else { throw .rejected("\(id) has no amount and currency") }
        return PaymentIntentSummary(amount: Money(minorUnits: minor, currency: currency), receiptEmail: json["receipt_email"] as? String)
    }

    public func addTip(paymentIntent: String, newAmount: Money, tip: Money) async throws(GatewayFailure) {
        let (status, json) = try await reaching {
            try await call(.POST, "/v1/payment_intents/\(paymentIntent)", [
                ("amount", String(newAmount.minorUnits)), ("amount_details[tip][amount]", String(tip.minorUnits)),
            ])
        }
        try Self.check(status, json, accepting: 200)
    }

    // MARK: Wire helpers

    /// Runs a call, turning a transport error into `.unreachable`.
    func reaching<T>(_ body: () async throws -> T) async throws(GatewayFailure) -> T {
        do { return try await body() } catch {
            throw .unreachable(String("\(error)".prefix(120)))
        }
    }

    /// A non-accepted status becomes the failure the gateway's error names.
    static func check(_ status: Int, _ json: [String: Any], accepting accepted: Int) throws(GatewayFailure) {
        guard status != accepted else { return }
        let message = ((json["error"] as? [String: Any])?["message"] as? String) ?? "HTTP \(status)"
        throw status == 401 || status == 403 ? .unauthorized(message) : .rejected(message)
    }

    /// The reader object of the long poll, with vtpe's `vtpe_action_version` and `vtpe_presented_card`.
    static func decodeReaderAction(_ body: Data, readerID: String) throws -> ReaderActionPoll {
        struct Wire: Decodable {
            struct Action: Decodable {
                struct Process: Decodable { var payment_intent: String }
                struct Refund: Decodable { var payment_intent: String; var amount: Int64 }
                struct Display: Decodable {
                    struct Cart: Decodable {
                        struct Item: Decodable { var description: String?; var quantity: Int?; var amount: Int64? }
                        var currency: String
                        var line_items: [Item]?
                        var tax: Int64?
                        var total: Int64
                    }
                    var cart: Cart?
                }
                var type: String
                var status: String
                var failure_code: String?
                var process_payment_intent: Process?
                var set_reader_display: Display?
                var refund_payment: Refund?
                var vtpe_amount_tip: Int64?
            }
            struct Presented: Decodable { var number: String }
            var action: Action?
            var vtpe_action_version: Int64?
            var vtpe_presented_card: Presented?
        }
        let wire = try JSONDecoder().decode(Wire.self, from: body)
        guard let action = wire.action else { return ReaderActionPoll(version: wire.vtpe_action_version ?? 0, action: nil) }
        guard let status = ReaderAction.Status(rawValue: action.status) else {
            throw GatewayFailure.rejected("unknown action status '\(action.status.prefix(30))'")
        }
        let kind: ReaderAction.Kind
        switch action.type {
        case "process_payment_intent":
            guard let intent = action.process_payment_intent?.payment_intent else { throw GatewayFailure.rejected("process_payment_intent without payment_intent") }
            kind = .processPaymentIntent(paymentIntent: intent)
        case "refund_payment":
            guard let refund = action.refund_payment else { throw GatewayFailure.rejected("refund_payment without payment_intent and amount") }
            kind = .refundPayment(paymentIntent: refund.payment_intent, amount: refund.amount)
        case "set_reader_display":
            guard let cart = action.set_reader_display?.cart, let currency = try? Currency(code: cart.currency.uppercased()) else {
                throw GatewayFailure.rejected("set_reader_display without a cart in a known currency")
            }
            let items = (cart.line_items ?? []).map { item in
                CartDisplay.LineItem(description: item.description ?? "", quantity: item.quantity ?? 1,
                                     amount: Money(minorUnits: item.amount ?? 0, currency: currency))
            }
            kind = .setReaderDisplay(CartDisplay(lineItems: items, tax: cart.tax.map { Money(minorUnits: $0, currency: currency) },
                                                 total: Money(minorUnits: cart.total, currency: currency)))
        default:
            kind = .unsupported(action.type)
        }
        let presented = try wire.vtpe_presented_card.map { try PAN($0.number) }
        return ReaderActionPoll(version: wire.vtpe_action_version ?? 0,
                                action: ReaderAction(readerID: readerID, kind: kind, status: status, failureCode: action.failure_code,
                                                     tipMinorUnits: action.vtpe_amount_tip, presentedCard: presented))
    }
}
