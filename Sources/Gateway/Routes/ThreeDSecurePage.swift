import Foundation
import Hummingbird

/// The 3-D Secure challenge page a `next_action` points to, for payment intents (`/3ds/pi_…`) and SetupIntents
/// (`/3ds/seti_…`): the customer (or a browser test) completes or fails authentication and is sent back to the
/// shop's `return_url`. Authorized by the intent's client secret, like Stripe's hosted pages, not by the secret key.
struct ThreeDSecurePage {
    let intents: PaymentIntents
    let setups: SetupIntents

    /// What is being authenticated.
    private enum Challenge {
        case payment(PaymentIntentRecord)
        case setup(SetupIntentRecord)

        var id: String {
            switch self {
            case .payment(let i): i.id
            case .setup(let s): s.id
            }
        }

        var clientSecret: String {
            switch self {
            case .payment(let i): i.clientSecret
            case .setup(let s): s.clientSecret
            }
        }

        var returnURL: String? {
            switch self {
            case .payment(let i): i.returnUrl
            case .setup(let s): s.returnUrl
            }
        }

        /// The page's heading and the line under it.
        var title: (String, String) {
            switch self {
            case .payment(let i): ("3-D Secure test payment", "\(i.amount) \(i.currency.uppercased()) — \(i.id)")
            case .setup(let s): ("3-D Secure test: save a card", "For later payments (\(s.usage.rawValue)) — \(s.id)")
            }
        }
    }

    func register(on router: Router<GatewayContext>) {
        router.get("3ds/:id") { request, context -> Response in
            let challenge = try await authorized(request, context)
            let (heading, line) = challenge.title
            let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>vtpe 3-D Secure test page</title></head>
            <body><h1>\(heading)</h1>
            <p>\(line)</p>
            <form method="post"><input type="hidden" name="client_secret" value="\(challenge.clientSecret)">
            <button name="outcome" value="succeeded">Complete authentication</button>
            <button name="outcome" value="failed">Fail authentication</button></form></body></html>
            """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
        router.post("3ds/:id") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let outcome = try params.choice("outcome", AuthenticationOutcome.self, allowed: "succeeded or failed") ?? .succeeded
            let secret = try params.requiredString("client_secret")
            try params.rejectUnknown()
            let challenge = try await authorized(request, context, secret: secret)
            // A decline after authentication is the card's answer, not an error of the page: the redirect says failed.
            let (body, name, failed): (JSONValue, String, Bool)
            switch challenge {
            case .payment(let intent):
                let result = try await intents.completeAuthentication(id: intent.id, succeeded: outcome == .succeeded, now: Date()).intent
                (body, name, failed) = (Render.paymentIntent(result), "payment_intent", result.status == .requiresPaymentMethod)
            case .setup(let setup):
                let result = try await setups.completeAuthentication(id: setup.id, succeeded: outcome == .succeeded, now: Date()).setup
                (body, name, failed) = (Render.setupIntent(result), "setup_intent", result.status == .requiresPaymentMethod)
            }
            guard let back = challenge.returnURL, var target = URLComponents(string: back) else { return .json(body) }
            target.queryItems = (target.queryItems ?? []) + [
                URLQueryItem(name: name, value: challenge.id),
                URLQueryItem(name: name + "_client_secret", value: challenge.clientSecret),
                URLQueryItem(name: "redirect_status", value: failed ? "failed" : "succeeded"),
            ]
            return Response(status: .seeOther, headers: [.location: target.string ?? back])
        }
    }

    private func authorized(_ request: Request, _ context: GatewayContext, secret: String? = nil) async throws -> Challenge {
        let id = try context.parameters.require("id")
        let given = secret ?? request.uri.queryParameters.get("client_secret")
        let challenge: Challenge = id.hasPrefix("seti_") ? .setup(try await setups.existing(id)) : .payment(try await intents.existing(id))
        guard let given, given == challenge.clientSecret else {
            throw APIError.missing(id.hasPrefix("seti_") ? "setup_intent" : "payment_intent", id: id)
        }
        return challenge
    }
}
