import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PaymentCore
import Synchronization

/// Stripe's `Idempotency-Key` on POST: the first response (status and body, errors included) is stored and replayed
/// to every retry with `Idempotent-Replayed: true`; the same key with other parameters is a 400 `idempotency_error`;
/// a retry while the first request still runs is a 409 — two requests with one key never both execute.
///
/// The request runs in `IdempotencyScope`, so the store marks the key with the object its writes make in the same
/// transaction as the writes; if the process dies after a payment commits but before its response is stored,
/// `InterruptedRequests` completes the key from that object at the next sweep (or releases a key whose request
/// committed nothing) — never a 409 forever, never a payment run twice.
struct IdempotencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: any PaymentStore
    let vault: CardVault

    static var headerName: HTTPField.Name { HTTPField.Name("Idempotency-Key")! }

    /// A key is 1 to 255 characters long; `param` names where it came from when not the header.
    static func check(_ key: String, param: String? = nil) throws(APIError) {
        guard (1...255).contains(key.count) else {
            throw APIError.invalidRequest("\(param.map { "`\($0)`" } ?? "Idempotency-Key") must be 1 to 255 characters long, not \(key.count).",
                                          param: param)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[Self.headerName] else {
            return try await next(request, context)
        }
        try Self.check(key)
        var request = request
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: context.maxUploadSize) } catch {
            throw APIError(status: .contentTooLarge, kind: .invalidRequestError,
                           message: "The request body is larger than \(context.maxUploadSize) bytes.")
        }
        request.body = RequestBody(buffer: body)
        let fingerprint = vault.requestFingerprint(Array("\(request.method.rawValue) \(request.uri.path)\n".utf8), Array(body.readableBytesView))

        switch try await store.claimIdempotencyKey(key, fingerprint: fingerprint, now: Int64(Date().timeIntervalSince1970)) {
        case .mismatch:
            throw APIError(status: .badRequest, kind: .idempotencyError,
                           message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(key)' if you meant to execute a different request.")
        case .inProgress:
            throw APIError(status: .conflict, kind: .idempotencyError,
                           message: "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): \(key). Please try again later.")
        case .replay(let status, let text):
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .claimed:
            var response: Response
            do {
                response = try await IdempotencyScope.$key.withValue(key) { try await next(request, context) }
            } catch {
                response = StripeConventionsMiddleware<Context>.errorResponse(error, request: request, context: context)
            }
            // Read the body once, store it, and send the same bytes.
            let collector = BodyCollector()
            try await response.body.write(collector)
            let bytes = collector.bytes
            try await store.completeIdempotencyKey(key, status: Int(response.status.code), body: String(buffer: bytes))
            response.body = .init(byteBuffer: bytes)
            return response
        }
    }
}

/// A response body writer that keeps what it is given.
struct BodyCollector: ResponseBodyWriter {
    private let box = Box()

    final class Box: Sendable {
        let buffer = Mutex(ByteBuffer())
    }

    var bytes: ByteBuffer { box.buffer.withLock { $0 } }

    mutating func write(_ buffer: ByteBuffer) async throws {
        var incoming = buffer
        box.buffer.withLock { $0.writeBuffer(&incoming) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
