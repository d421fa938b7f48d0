import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PaymentCore

/// The gateway over HTTP (AsyncHTTPClient), the same code for the embedded gateway and a remote one.
///
/// Sends `POST /v1/payment_intents` with `confirm=true`, the card-present extension fields and the
/// transaction's idempotency key. Track 2 travels in the request body only; it is never logged.
public final class HTTPGatewayClient: GatewayClient {
    public let baseURL: String
    public let label: String
    private let apiKey: String
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let logger: Logger

    public init(baseURL: String, apiKey: String, label: String? = nil, timeout: TimeAmount = .seconds(15), logger: Logger) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.label = label ?? baseURL
        self.timeout = timeout
        self.logger = logger
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(3))))
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// The form body of an authorization.
    static func formBody(_ r: AuthorizationRequest) -> String {
        // A server-driven sale confirms the intent the API created, with its own amount and capture method.
        let creation: [(String, String)] = r.paymentIntent != nil ? [] : [
            ("amount", String(r.amount.minorUnits)),
            ("currency", r.amount.currency.code.lowercased()),
            ("confirm", "true"),
            ("capture_method", "automatic"),
            ("payment_method_types[]", "card_present"),
        ]
        let fields: [(String, String)] = creation + [
            ("payment_method_data[type]", "card_present"),
            ("payment_method_data[card_present][vtpe_track2]", r.card.track2.formatted(separator: "=", sentinels: false)),
            ("payment_method_data[card_present][vtpe_read_method]", r.card.entryMode.rawValue),
        ] + (r.paymentIntent != nil ? [] : [
            ("description", "vtpe terminal \(r.terminalID) STAN \(r.stan)"),
            ("metadata[terminal_id]", r.terminalID),
            ("metadata[stan]", String(r.stan)),
        ]) + [
            ("expand[]", "latest_charge"),
        ]
        return fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    private static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    public func authorize(_ request: AuthorizationRequest) async -> AuthorizationResult {
        var http = HTTPClientRequest(url: baseURL + (request.paymentIntent.map { "/v1/payment_intents/\($0)/confirm" } ?? "/v1/payment_intents"))
        http.method = .POST
        http.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        http.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        http.headers.add(name: "Idempotency-Key", value: request.idempotencyKey)
        http.headers.add(name: "User-Agent", value: "vtpe-terminal/0.1")
        http.body = .bytes(ByteBuffer(string: Self.formBody(request)))
        logger.info("authorization sent", metadata: ["stan": "\(request.stan)", "card": "\(request.card)", "amount": "\(request.amount)"])
        do {
            let response = try await client.execute(http, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            return Self.interpret(status: Int(response.status.code), body: Data(body.readableBytesView))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failed(.timeout)
        } catch {
            return .failed(.unreachable(Self.describe(error)))
        }
    }

    /// A plain API call (form body for POST, query for GET) for the terminal's housekeeping — reader registration
    /// and heartbeats. Answers the HTTP status and the JSON object, or throws when the gateway cannot be reached.
    public func call(_ method: HTTPMethod, _ path: String, _ fields: [(String, String)] = []) async throws -> (status: Int, json: [String: Any]) {
        let form = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var http = HTTPClientRequest(url: baseURL + path + (method == .GET && !form.isEmpty ? "?" + form : ""))
        http.method = method
        http.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        http.headers.add(name: "User-Agent", value: "vtpe-terminal/0.1")
        if method == .POST {
            http.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            http.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(http, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), json)
    }

    private static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError, e == .connectTimeout { return "connection timed out" }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return String(text.prefix(120))
    }

    private struct Envelope: Decodable {
        struct Charge: Decodable {
            struct Details: Decodable {
                struct CardPresent: Decodable { var authorization_code: String? }
                var card_present: CardPresent?
            }
            var payment_method_details: Details?
        }
        struct ErrorBody: Decodable {
            struct Intent: Decodable { var id: String }
            var type: String?
            var code: String?
            var decline_code: String?
            var message: String?
            var payment_intent: Intent?
        }
        var id: String?
        var status: String?
        var latest_charge: Charge?
        var error: ErrorBody?
    }

    /// Maps a gateway response to a result (exposed for tests).
    static func interpret(status: Int, body: Data) -> AuthorizationResult {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: body) else {
            return .failed(.rejected("HTTP \(status) with a body that is not a payment intent"))
        }
        if let error = envelope.error {
            let message = error.message ?? "HTTP \(status)"
            switch status {
            case 402:
                let code = error.decline_code.flatMap(DeclineCode.init(rawValue:))
                    ?? error.code.flatMap(DeclineCode.init(rawValue:)) ?? .genericDecline
                return .declined(code, message: message, paymentIntentID: error.payment_intent?.id)
            case 401, 403:
                return .failed(.unauthorized(message))
            default:
                return .failed(.rejected(message))
            }
        }
        guard (200..<300).contains(status), let id = envelope.id else {
            return .failed(.rejected("HTTP \(status)"))
        }
        switch envelope.status {
        case "succeeded", "requires_capture":
            return .approved(paymentIntentID: id, authorizationCode: envelope.latest_charge?.payment_method_details?.card_present?.authorization_code)
        default:
            return .failed(.rejected("payment intent \(id) ended in status \(envelope.status ?? "unknown")"))
        }
    }
}
