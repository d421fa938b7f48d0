import Foundation
import Hummingbird

/// The 3-D Secure challenge page a `next_action` points to: the customer (or a browser test) completes or fails
/// authentication and is sent back to the shop's `return_url`. Authorized by the intent's client secret, like
/// Stripe's hosted pages, not by the secret key.
struct ThreeDSecurePage {
    let intents: PaymentIntents

    func register(on router: Router<GatewayContext>) {
        router.get("3ds/:id") { request, context -> Response in
            let intent = try await authorizedIntent(request, context)
            let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>vtpe 3-D Secure test page</title></head>
            <body><h1>3-D Secure test payment</h1>
            <p>\(intent.amount) \(intent.currency.uppercased()) — \(intent.id)</p>
            <form method="post"><input type="hidden" name="client_secret" value="\(intent.clientSecret)">
            <button name="outcome" value="succeeded">Complete authentication</button>
            <button name="outcome" value="failed">Fail authentication</button></form></body></html>
            """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        router.post("3ds/:id") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let outcome = try params.string("outcome") ?? "succeeded"
            let secret = try params.requiredString("client_secret")
            try params.rejectUnknown()
            let intent = try await authorizedIntent(request, context, secret: secret)
            // A decline after authentication is the card's answer, not an error of the page: the redirect says failed.
            let result = try await intents.completeAuthentication(id: intent.id, succeeded: outcome == "succeeded", now: Date()).intent
            guard let back = intent.returnUrl, var target = URLComponents(string: back) else {
                return .json(Render.paymentIntent(result))
            }
            target.queryItems = (target.queryItems ?? []) + [
                URLQueryItem(name: "payment_intent", value: result.id),
                URLQueryItem(name: "payment_intent_client_secret", value: result.clientSecret),
                URLQueryItem(name: "redirect_status", value: result.status == .requiresPaymentMethod ? "failed" : "succeeded"),
            ]
            return Response(status: .seeOther, headers: [.location: target.string ?? back])
        }
    }

    private func authorizedIntent(_ request: Request, _ context: GatewayContext, secret: String? = nil) async throws -> PaymentIntentRecord {
        let id = try context.parameters.require("id")
        let given = secret ?? request.uri.queryParameters.get("client_secret")
        let intent = try await intents.existing(id)
        guard let given, given == intent.clientSecret else {
            throw APIError.missing("payment_intent", id: id)
        }
        return intent
    }
}
