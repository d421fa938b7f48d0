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
            try await store.commit([.insert(record)])
            return .json(Render.paymentMethod(record))
        }
        ObjectRoutes(store: store).retrieve(PaymentMethodRecord.self, on: api, path: "payment_methods", render: Render.paymentMethod)
        api.post("payment_methods/:id/attach") { request, context -> Response in
            var method = try await existing(context)
            var params = try await GatewayApp.formParams(request, context: context)
            let customerID = try params.requiredString("customer")
            params.allow("expand")
            try params.rejectUnknown()
            guard let customer = try await store.find(CustomerRecord.self, id: customerID), !customer.deleted else {
                throw APIError.missing("customer", id: customerID, param: "customer")
            }
            if let current = method.customer, current != customer.id {
                throw APIError.invalidRequest("The payment method you provided has already been attached to a customer.", param: "customer")
            }
            method.customer = customer.id
            try await store.commit([.update(method, expecting: nil)])
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
            try await store.commit([.update(method, expecting: nil)])
            return .json(Render.paymentMethod(method))
        }
        ObjectRoutes(store: store).list(PaymentMethodRecord.self, on: api, path: "payment_methods", filters: ["customer", "type"],
                                        required: ["customer"], defaults: ["type": "card"], render: Render.paymentMethod)
    }

    private func existing(_ context: GatewayContext) async throws -> PaymentMethodRecord {
        let id = try context.parameters.require("id")
        guard let method = try await store.find(PaymentMethodRecord.self, id: id) else { throw APIError.missing("payment_method", id: id) }
        return method
    }
}
