import Foundation
import Hummingbird

/// `/v1/payment_intents`, `/v1/charges`, `/v1/refunds`, `/v1/balance`, `/v1/balance_transactions`, and the
/// 3-D Secure test helpers.
struct PaymentRoutes {
    let store: any PaymentStore
    let intents: PaymentIntents
    var refunds: Refunds { Refunds(store: store, intents: intents) }
    var objects: ObjectRoutes { ObjectRoutes(store: store) }
    var expander: Expander { Expander(store: store) }

    func register(on api: RouterGroup<GatewayContext>) {
        // Payment intents.
        api.post("payment_intents", use: createIntent)
        intentAction(api, "payment_intents/:id") { [intents] params, _, id in
            let now = Date()
            let changes = try IntentChanges.parse(&params, creating: false, catalog: intents.catalog, now: now)
            params.allow("payment_method_options[card]", "shipping", "expand")
            try params.rejectUnknown()
            return try await intents.update(id: id, changes, now: now)
        }
        intentAction(api, "payment_intents/:id/confirm") { [intents] params, request, id in
            let now = Date()
            let confirmation = try IntentConfirmation.parse(&params, catalog: intents.catalog, now: now)
            return try await intents.confirm(id: id, confirmation, baseURL: request.baseURL, now: now).intentOrDecline()
        }
        intentAction(api, "payment_intents/:id/capture") { [intents] params, _, id in
            try await intents.capture(id: id, try IntentCapture.parse(&params), now: Date())
        }
        intentAction(api, "payment_intents/:id/cancel") { [intents] params, _, id in
            try await intents.cancel(id: id, reason: try CancellationReason.parse(&params), now: Date())
        }
        intentAction(api, "payment_intents/:id/increment_authorization") { [intents] params, _, id in
            try await intents.incrementAuthorization(id: id, try AuthorizationIncrement.parse(&params), now: Date()).intentOrDecline()
        }
        // Our test helper: finish 3-D Secure from a script, as the customer would on the challenge page.
        intentAction(api, "test_helpers/payment_intents/:id/authenticate") { params, _, id in
            let outcome = try params.choice("outcome", AuthenticationOutcome.self, allowed: "succeeded or failed") ?? .succeeded
            params.allow("expand")
            try params.rejectUnknown()
            return try await intents.completeAuthentication(id: id, succeeded: outcome == .succeeded, now: Date()).intentOrDecline()
        }
        objects.retrieve(PaymentIntentRecord.self, on: api, path: "payment_intents") { Render.paymentIntent($0) }
        // vtpe: a terminal's status inquiry after a lost response — what became of the request with this
        // Idempotency-Key: `in_progress`, or `completed` with the response it got (404 when it never arrived).
        api.get("vtpe/idempotency_keys/:key") { _, context -> Response in
            let key = try context.parameters.require("key")
            guard let found = try await store.idempotentRequest(key, now: Int64(Date().timeIntervalSince1970)) else {
                throw APIError.missing("idempotency key", id: key)
            }
            if case .replay(let status, let body) = found { return .json(Render.idempotencyKey(key, response: (status, body))) }
            return .json(Render.idempotencyKey(key, response: nil))
        }
        objects.list(PaymentIntentRecord.self, on: api, path: "payment_intents", filters: ["customer"]) { Render.paymentIntent($0) }

        // Charges.
        objects.retrieve(ChargeRecord.self, on: api, path: "charges", render: Render.charge)
        objects.list(ChargeRecord.self, on: api, path: "charges", filters: ["customer", "payment_intent"], render: Render.charge)

        // Refunds.
        api.post("refunds") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            let refund = try await refunds.create(&params, now: Date())
            return .json(try await expander.expand(Render.refund(refund), expand))
        }
        api.post("refunds/:id") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            let refund = try await refunds.update(id: try context.parameters.require("id"), &params)
            return .json(try await expander.expand(Render.refund(refund), expand))
        }
        // vtpe: a refund to the card presented at a terminal, without an earlier charge.
        api.post("vtpe/unreferenced_refunds") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            let refund = try await refunds.createUnreferenced(&params, now: Date())
            return .json(try await expander.expand(Render.refund(refund), expand))
        }
        objects.retrieve(RefundRecord.self, on: api, path: "refunds", render: Render.refund)
        objects.list(RefundRecord.self, on: api, path: "refunds", filters: ["charge", "payment_intent"], render: Render.refund)

        // Balance.
        api.get("balance") { request, _ -> Response in
            let params = try FormParams(query: request)
            try params.rejectUnknown()
            return .json(Render.balance(try await store.balance(now: Int64(Date().timeIntervalSince1970))))
        }
        let renderTransaction: @Sendable (BalanceTransactionRecord) -> JSONValue = {
            Render.balanceTransaction($0, now: Int64(Date().timeIntervalSince1970))
        }
        objects.retrieve(BalanceTransactionRecord.self, on: api, path: "balance_transactions", render: renderTransaction)
        objects.list(BalanceTransactionRecord.self, on: api, path: "balance_transactions", filters: ["type", "source", "currency", "payout"],
                     render: renderTransaction)
    }

    /// `POST /v1/payment_intents`: the route's handler, and each request of a `PaymentIntentBatchRoutes` batch.
    var createIntent: @Sendable (Request, GatewayContext) async throws -> Response {
        intentHandler { [intents] params, request, _ in
            let now = Date()
            let creation = try IntentCreation.parse(&params, catalog: intents.catalog, now: now)
            return try await intents.create(creation, baseURL: request.baseURL, now: now).intentOrDecline()
        }
    }

    /// A POST that changes a payment intent and answers with it, expanded as asked.
    private func intentAction(_ api: RouterGroup<GatewayContext>, _ path: String,
                              _ body: @escaping @Sendable (inout FormParams, Request, String) async throws -> PaymentIntentRecord) {
        api.post(RouterPath(path), use: intentHandler(body))
    }

    private func intentHandler(_ body: @escaping @Sendable (inout FormParams, Request, String) async throws -> PaymentIntentRecord)
        -> @Sendable (Request, GatewayContext) async throws -> Response
    {
        { [expander] request, context in
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            let id = context.parameters.get("id") ?? ""
            let intent = try await body(&params, request, id)
            return .json(try await expander.expand(Render.paymentIntent(intent), expand))
        }
    }
}
