import Foundation
import Hummingbird
import PaymentCore

/// `/v1/payment_methods`: create (card), retrieve, attach, detach, list for a customer.
struct PaymentMethodRoutes {
    let store: any PaymentStore
    let vault: CardVault

    func register(on api: RouterGroup<GatewayContext>) {
        api.post("payment_methods") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let type = try params.requiredString("type")
            guard type == "card" else {
                throw APIError.invalidRequest("Invalid type: only card payment methods can be created here.", param: "type")
            }
            let card = try CardDetails.parse(&params, prefix: ["card"], now: Date())
            let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }
            params.allow("billing_details", "expand")
            try params.rejectUnknown()
            let record = PaymentMethodRecord(
                id: ObjectID.make("pm"), type: "card", brand: card.pan.brand.rawValue, last4: card.pan.last4,
                expMonth: Int64(card.expiry.month), expYear: Int64(card.expiry.year), funding: "credit", readMethod: nil,
                customer: nil, created: Int64(Date().timeIntervalSince1970), metadata: metadata.jsonText,
                fingerprint: vault.fingerprint(card.pan), encryptedPan: try vault.seal(card.pan))
            try await store.insertPaymentMethod(record)
            return .json(Render.paymentMethod(record))
        }
        api.get("payment_methods/:id") { _, context -> Response in
            .json(Render.paymentMethod(try await existing(context)))
        }
        api.post("payment_methods/:id/attach") { request, context -> Response in
            var method = try await existing(context)
            var params = try await GatewayApp.formParams(request, context: context)
            let customerID = try params.requiredString("customer")
            params.allow("expand")
            try params.rejectUnknown()
            guard let customer = try await store.customer(id: customerID), !customer.deleted else {
                throw APIError.missing("customer", id: customerID, param: "customer")
            }
            if let current = method.customer, current != customer.id {
                throw APIError.invalidRequest("The payment method you provided has already been attached to a customer.", param: "customer")
            }
            method.customer = customer.id
            try await store.updatePaymentMethod(method)
            return .json(Render.paymentMethod(method))
        }
        api.post("payment_methods/:id/detach") { request, context -> Response in
            var method = try await existing(context)
            var params = try await GatewayApp.formParams(request, context: context)
            params.allow("expand")
            try params.rejectUnknown()
            guard method.customer != nil else {
                throw APIError.invalidRequest("The payment method \(method.id) is not attached to a customer.", param: "payment_method")
            }
            method.customer = nil
            try await store.updatePaymentMethod(method)
            return .json(Render.paymentMethod(method))
        }
        api.get("payment_methods") { request, _ -> Response in
            var params = FormParams(try FormNode.parse(request.uri.query ?? ""))
            let customer = try params.requiredString("customer")
            let type = try params.string("type") ?? "card"
            let page = try ListParameters.page(&params, filters: ["customer": customer, "type": type])
            params.allow("expand")
            try params.rejectUnknown()
            let result = try await store.paymentMethods(page)
            return .json(ListParameters.envelope(url: "/v1/payment_methods", hasMore: result.hasMore, data: result.items.map(Render.paymentMethod)))
        }
    }

    private func existing(_ context: GatewayContext) async throws -> PaymentMethodRecord {
        let id = try context.parameters.require("id")
        guard let method = try await store.paymentMethod(id: id) else { throw APIError.missing("payment_method", id: id) }
        return method
    }
}
