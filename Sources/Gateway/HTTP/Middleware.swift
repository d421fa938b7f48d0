import Foundation
import Hummingbird
import Logging

/// Stripe's envelope around every response: a `Request-Id`, the echoed `Stripe-Version`, and every error —
/// ours, Hummingbird's or unexpected — in Stripe's error shape. Internal details never reach the client.
struct StripeConventionsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = ObjectID.make("req", length: 18)
        var response: Response
        do {
            response = try await RequestScope.$id.withValue(requestID) {
                try await RequestScope.$time.withValue(Int64(Date().timeIntervalSince1970)) { try await next(request, context) }
            }
        } catch {
            response = Self.errorResponse(error, request: request, context: context, requestID: requestID)
        }
        response.headers[.init("Request-Id")!] = requestID
        if let version = request.headers[.init("Stripe-Version")!] {
            response.headers[.init("Stripe-Version")!] = version
        }
        return response
    }
}

extension StripeConventionsMiddleware {
    /// Any error — ours, Hummingbird's or unexpected — as a Stripe-shaped response. Internal details are logged with
    /// the request id, never sent.
    static func errorResponse(_ error: any Error, request: Request, context: Context, requestID: String? = nil) -> Response {
        switch error {
        case let error as APIError:
            return Response.json(error.body, status: error.status)
        case let refusal as IntentRefusal:
            let error = APIError(refusal)
            return Response.json(error.body, status: error.status)
        case let refusal as SetupRefusal:
            let error = APIError(refusal)
            return Response.json(error.body, status: error.status)
        case let error as HTTPError:
            let message = error.status == .notFound
                ? "Unrecognized request URL (\(request.method.rawValue): \(request.uri.path)). Please see https://docs.stripe.com/api."
                : (error.body ?? error.status.reasonPhrase)
            return Response.json(APIError(status: error.status, kind: .invalidRequestError, message: message).body, status: error.status)
        default:
            let id = requestID ?? "unknown"
            context.logger.error("internal error", metadata: ["request_id": "\(id)", "error_type": "\(type(of: error))"])
            let apiError = APIError(status: .internalServerError, kind: .apiError,
                                    message: "An internal error occurred (request \(id)); the gateway log has the details.")
            return Response.json(apiError.body, status: .internalServerError)
        }
    }
}

/// Secret-key authentication: `Authorization: Bearer sk_test_…` or HTTP Basic with the key as user name.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: Set<String>

    init(keys: [String]) { self.keys = Set(keys) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], !header.isEmpty else {
            throw APIError.unauthorized("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        }
        let key: String?
        // The common case first, without lower-casing or trimming: the exact `Bearer <key>` of a known key.
        if header.hasPrefix("Bearer "), keys.contains(String(header.dropFirst(7))) {
            return try await next(request, context)
        }
        if header.lowercased().hasPrefix("bearer ") {
            key = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if header.lowercased().hasPrefix("basic "),
                  let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                  let decoded = String(data: data, encoding: .utf8) {
            key = decoded.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        } else {
            key = nil
        }
        guard let key, keys.contains(key) else {
            throw APIError.unauthorized("Invalid API Key provided: \(Self.redact(key ?? "")).")
        }
        return try await next(request, context)
    }

    /// `sk_test_****abcd`, as Stripe shows a wrong key.
    static func redact(_ key: String) -> String {
        guard key.count > 8 else { return String(repeating: "*", count: key.count) }
        let prefix = key.hasPrefix("sk_test_") ? "sk_test_" : String(key.prefix(3))
        return prefix + String(repeating: "*", count: max(0, key.count - prefix.count - 4)) + key.suffix(4)
    }
}
