import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// vtpe: `POST /v1/vtpe/payment_intent_batches` — payment intents created in order, each exactly as a
/// `POST /v1/payment_intents` under its own `Idempotency-Key` (the same middleware and the same handler, so a retry
/// replays each request's first answer and a payment never runs twice), with one durable commit for the whole batch
/// instead of one per payment. The terminals forward their offline payments with it (docs/offline.md).
///
/// Parameters: `requests[i][idempotency_key]` and `requests[i][body]` (the form a single create would send), at most
/// `maxRequests`. The run stops after the first request that got no answer — another run of its key in progress
/// (409) or a server error — so nothing after it runs before it: the order holds. The answer is a list of
/// `vtpe.idempotency_key` objects, one per request run, as the status inquiry shows them.
struct PaymentIntentBatchRoutes {
    static let maxRequests = 100

    let store: any PaymentStore
    let idempotency: IdempotencyMiddleware<GatewayContext>
    let create: @Sendable (Request, GatewayContext) async throws -> Response

    private struct Item {
        var key: String
        var body: String
    }

    func register(on api: RouterGroup<GatewayContext>) {
        api.post("vtpe/payment_intent_batches") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let items = try Self.items(&params)
            try params.rejectUnknown()
            let answers = try await DurabilityScope.$deferred.withValue(true) {
                var answers: [(key: String, status: Int, body: String)] = []
                for item in items {
                    let (status, body) = try await run(item, like: request, context: context)
                    answers.append((item.key, status, body))
                    if status == 409 || status >= 500 { break }
                }
                return answers
            }
            // Nobody hears of a payment before it is on disk.
            if let last = answers.last { try await store.makeDurable(touching: last.key) }
            return Self.list(answers)
        }
    }

    /// The answer, written with each stored body as it is: parsing every body back into a `JSONValue` only to
    /// write it again was 8 % of the gateway's time on a batch. The fields are `Render.idempotencyKey`'s.
    private static func list(_ answers: [(key: String, status: Int, body: String)]) -> Response {
        var out: [UInt8] = []
        out.reserveCapacity(answers.reduce(128) { $0 + $1.body.utf8.count + 128 })
        out += Array(#"{"object":"list","url":"/v1/vtpe/payment_intent_batches","has_more":false,"data":["#.utf8)
        for (n, answer) in answers.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"object":"vtpe.idempotency_key","key":"#.utf8)
            JSONValue.writeString(answer.key, into: &out)
            out += Array(#","status":"completed","response_status":\#(answer.status),"response":"#.utf8)
            out += answer.body.isEmpty ? Array("null".utf8) : Array(answer.body.utf8)
            out.append(UInt8(ascii: "}"))
        }
        out += Array("]}\n".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }

    private static func items(_ params: inout FormParams) throws(APIError) -> [Item] {
        var items: [Item] = []
        while params.has("requests", String(items.count)) {
            guard items.count < maxRequests else {
                throw APIError.invalidRequest("A batch holds at most \(maxRequests) requests.", param: "requests")
            }
            let path = ["requests", String(items.count)]
            let key = try params.requiredString(path + ["idempotency_key"])
            // Checked before anything runs, so every request run has its key stored (`makeDurable(touching:)`).
            try IdempotencyMiddleware<GatewayContext>.check(key, param: FormParams.name(path + ["idempotency_key"]))
            items.append(Item(key: key, body: try params.requiredString(path + ["body"])))
        }
        guard !items.isEmpty else { throw APIError.invalidRequest("Missing required param: requests.", param: "requests") }
        return items
    }

    /// One request as its own `POST /v1/payment_intents`: the batch's headers (authority, Stripe-Version), its key
    /// and its form body. Errors are answers, in Stripe's shape, as they would be to a single request.
    private func run(_ item: Item, like batch: Request, context: GatewayContext) async throws -> (Int, String) {
        var head = batch.head
        head.path = "/v1/payment_intents"
        head.headerFields[IdempotencyMiddleware<GatewayContext>.headerName] = item.key
        head.headerFields[.contentType] = "application/x-www-form-urlencoded"
        head.headerFields[.contentLength] = String(item.body.utf8.count)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(string: item.body)))
        var response: Response
        do {
            response = try await idempotency.handle(request, context: context) { try await create($0, $1) }
        } catch {
            response = StripeConventionsMiddleware<GatewayContext>.errorResponse(error, request: request, context: context)
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        return (Int(response.status.code), String(buffer: collector.bytes))
    }
}
