import Foundation
import HTTPTypes
import Hummingbird
import PaymentCore

/// `/v1/setup_intents`: create (with `confirm`), retrieve, update, confirm, cancel, list; and the test helper that
/// finishes 3-D Secure from a script (`/v1/test_helpers/setup_intents/:id/authenticate`, as for payment intents).
struct SetupIntentRoutes {
    let setups: SetupIntents
    let catalog: TestCardCatalog

    func register(on api: RouterGroup<GatewayContext>) {
        let store = setups.store
        api.post("setup_intents") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let now = Date()
            let changes = try SetupChanges.parse(&params, catalog: catalog, now: now)
            let confirm = try params.bool("confirm") ?? false
            let returnURL = try ConfirmOptions.parse(&params).returnURL
            let mandate = try MandateAcceptance.parse(&params)
            params.allow("automatic_payment_methods", "payment_method_options", "single_use", "attach_to_self",
                         "flow_directions", "on_behalf_of", "expand", "use_stripe_sdk")
            try params.rejectUnknown()
            let outcome = try await setups.create(changes, confirm: confirm, returnURL: returnURL, mandate: mandate, baseURL: request.baseURL, now: now)
            return try Self.answer(outcome)
        }
        ObjectRoutes(store: store).retrieve(SetupIntentRecord.self, on: api, path: "setup_intents", render: Render.setupIntent)
        api.post("setup_intents/:id") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let now = Date()
            let changes = try SetupChanges.parse(&params, catalog: catalog, now: now)
            if changes.usage != nil { throw APIError.invalidRequest("Received unknown parameter: usage. usage is set when the SetupIntent is created.", param: "usage") }
            params.allow("payment_method_options", "flow_directions", "attach_to_self", "expand")
            try params.rejectUnknown()
            return .json(Render.setupIntent(try await setups.update(id: try context.parameters.require("id"), changes, now: now)))
        }
        api.post("setup_intents/:id/confirm") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let now = Date()
            let card = try CardSource.parse(&params, catalog: catalog, now: now)
            let returnURL = try ConfirmOptions.parse(&params).returnURL
            let mandate = try MandateAcceptance.parse(&params)
            params.allow("payment_method_options", "expand", "use_stripe_sdk")
            try params.rejectUnknown()
            let outcome = try await setups.confirm(id: try context.parameters.require("id"), card: card, returnURL: returnURL, mandate: mandate,
                                                   baseURL: request.baseURL, now: now)
            return try Self.answer(outcome)
        }
        api.post("setup_intents/:id/cancel") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let reason = try params.choice("cancellation_reason", CancellationReason.self, allowed: "one of abandoned, requested_by_customer or duplicate")
            params.allow("expand")
            try params.rejectUnknown()
            return .json(Render.setupIntent(try await setups.cancel(id: try context.parameters.require("id"), reason: reason, now: Date())))
        }
        ObjectRoutes(store: store).list(SetupIntentRecord.self, on: api, path: "setup_intents", filters: ["customer", "payment_method"],
                                        render: Render.setupIntent)
        api.post("test_helpers/setup_intents/:id/authenticate") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let outcome = try params.choice("outcome", AuthenticationOutcome.self, allowed: "succeeded or failed") ?? .succeeded
            params.allow("expand")
            try params.rejectUnknown()
            let result = try await setups.completeAuthentication(id: try context.parameters.require("id"), succeeded: outcome == .succeeded, now: Date())
            return try Self.answer(result)
        }
    }

    /// The SetupIntent, or the 402 card error that embeds it.
    static func answer(_ outcome: SetupIntents.Outcome) throws -> Response {
        if let code = outcome.decline {
            var error = APIError.declined(code, paymentIntent: nil, chargeID: nil)
            error.setupIntent = Render.setupIntent(outcome.setup)
            throw error
        }
        return .json(Render.setupIntent(outcome.setup))
    }
}

/// How a scripted 3-D Secure ends.
enum AuthenticationOutcome: String {
    case succeeded
    case failed
}

extension SetupChanges {
    /// The fields of a create or an update.
    static func parse(_ params: inout FormParams, catalog: TestCardCatalog, now: Date) throws(APIError) -> SetupChanges {
        var f = SetupChanges()
        f.customer = try params.clearableText("customer", max: 255)
        f.description = try params.clearableText("description", max: 1000)
        f.usage = try params.choice("usage", SetupFutureUsage.self, allowed: "on_session or off_session")
        f.metadata = try params.metadata("metadata")
        f.clearsMetadata = params.has("metadata") && f.metadata?.isEmpty == true
        if let types = try params.stringList("payment_method_types") {
            for t in types where t != "card" && t != "sepa_debit" {
                throw APIError.invalidRequest("The payment method type \"\(t.prefix(40))\" is invalid. Supported here: card, sepa_debit.", param: "payment_method_types")
            }
            f.paymentMethodTypes = types
        }
        f.card = try CardSource.parse(&params, catalog: catalog, now: now)
        return f
    }
}

extension APIError {
    /// A SetupIntent's refusals in Stripe's words.
    init(_ refusal: SetupRefusal) {
        switch refusal {
        case .unexpectedState(let action, let setup):
            let verb = action == .cancel ? "canceled" : action.rawValue + "d"
            self.init(status: .badRequest, kind: .invalidRequestError, code: "setup_intent_unexpected_state",
                      message: "You cannot \(action.rawValue) this SetupIntent because it has a status of \(setup.status.rawValue). Only a SetupIntent with one of the following statuses may be \(verb): \(action.allowed.map(\.rawValue).joined(separator: ", ")).")
            setupIntent = Render.setupIntent(setup)
        case .missingPaymentMethod:
            self = .invalidRequest("You cannot confirm this SetupIntent because it's missing a payment method. Pass `payment_method` or `payment_method_data`.",
                                   param: "payment_method")
        case .invalidCancellationReason(let reason):
            self = .invalidRequest("Invalid cancellation_reason: \(reason) is not a reason to cancel a SetupIntent (abandoned, requested_by_customer or duplicate).",
                                   param: "cancellation_reason")
        }
    }
}
