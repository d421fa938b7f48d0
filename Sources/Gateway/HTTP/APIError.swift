import Foundation
import Hummingbird
import PaymentCore

/// An error in Stripe's shape: `{"error": {"type", "code", "decline_code", "message", "param", ...}}` with its HTTP
/// status. The gateway is the only place that maps errors to HTTP.
public struct APIError: Error, Sendable, Equatable, HTTPResponseError {
    public enum Kind: String, Sendable {
        case apiError = "api_error"
        case cardError = "card_error"
        case idempotencyError = "idempotency_error"
        case invalidRequestError = "invalid_request_error"
    }

    public var status: HTTPResponse.Status
    public var kind: Kind
    public var code: String?
    public var declineCode: String?
    public var message: String
    public var param: String?
    /// The payment intent / charge the error is about, already rendered (Stripe embeds the object).
    public var paymentIntent: JSONValue?
    public var chargeID: String?
    /// The SetupIntent a card error is about, rendered.
    public var setupIntent: JSONValue? = nil

    public init(
        status: HTTPResponse.Status, kind: Kind, code: String? = nil, declineCode: String? = nil,
        message: String, param: String? = nil, paymentIntent: JSONValue? = nil, chargeID: String? = nil
    ) {
        self.status = status
        self.kind = kind
        self.code = code
        self.declineCode = declineCode
        self.message = message
        self.param = param
        self.paymentIntent = paymentIntent
        self.chargeID = chargeID
    }

    /// 400 `invalid_request_error` (bad or unknown parameters).
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, kind: .invalidRequestError, code: code ?? (param == nil ? nil : "parameter_invalid"), message: message, param: param)
    }

    /// 404 `resource_missing`.
    public static func missing(_ object: String, id: String, param: String = "id") -> APIError {
        APIError(status: .notFound, kind: .invalidRequestError, code: "resource_missing",
                 message: "No such \(object): '\(id.prefix(64))'", param: param)
    }

    /// 401 for a missing or wrong key.
    public static func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, kind: .invalidRequestError, message: message)
    }

    /// 402 `card_error` for a decline.
    public static func declined(_ code: DeclineCode, paymentIntent: JSONValue?, chargeID: String?) -> APIError {
        APIError(status: .paymentRequired402, kind: .cardError, code: code.stripeErrorCode,
                 declineCode: code == .incorrectNumber ? nil : code.rawValue,
                 message: code.message, param: code == .incorrectNumber ? "number" : nil,
                 paymentIntent: paymentIntent, chargeID: chargeID)
    }

    /// The `error` object.
    public var body: JSONValue {
        var e: [(String, JSONValue)] = []
        if let code { e.append(("code", .string(code))) }
        if let declineCode { e.append(("decline_code", .string(declineCode))) }
        if let code { e.append(("doc_url", .string("https://docs.stripe.com/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))"))) }
        e.append(("message", .string(message)))
        if let param { e.append(("param", .string(param))) }
        if let chargeID { e.append(("charge", .string(chargeID))) }
        if let paymentIntent { e.append(("payment_intent", paymentIntent)) }
        if let setupIntent { e.append(("setup_intent", setupIntent)) }
        e.append(("type", .string(kind.rawValue)))
        return .object([("error", .object(e))])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(body, status: status)
    }
}

extension HTTPResponse.Status {
    /// 402, which Stripe uses for card errors.
    static let paymentRequired402 = HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
}
