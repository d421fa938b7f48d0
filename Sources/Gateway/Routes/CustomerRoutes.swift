import Foundation
import Hummingbird

/// `/v1/customers`: create, retrieve, update, delete, list.
struct CustomerRoutes {
    let store: any PaymentStore

    func register(on api: RouterGroup<GatewayContext>) {
        api.post("customers") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            var customer = CustomerRecord(id: ObjectID.make("cus", length: 14), email: nil, name: nil, description: nil, phone: nil,
                                          metadata: "{}", defaultPaymentMethod: nil,
                                          invoicePrefix: String(ObjectID.make("x", length: 8).dropFirst(2)).uppercased(),
                                          created: Int64(Date().timeIntervalSince1970), deleted: false)
            try apply(&params, to: &customer)
            try await store.insertCustomer(customer)
            return .json(Render.customer(customer))
        }
        api.get("customers/:id") { request, context -> Response in
            let customer = try await existing(context, allowDeleted: true)
            return .json(customer.deleted ? Render.deletedCustomer(customer.id) : Render.customer(customer))
        }
        api.post("customers/:id") { request, context -> Response in
            var customer = try await existing(context, allowDeleted: false)
            var params = try await GatewayApp.formParams(request, context: context)
            try apply(&params, to: &customer)
            try await store.updateCustomer(customer)
            return .json(Render.customer(customer))
        }
        api.delete("customers/:id") { request, context -> Response in
            var customer = try await existing(context, allowDeleted: false)
            customer.deleted = true
            try await store.updateCustomer(customer)
            return .json(Render.deletedCustomer(customer.id))
        }
        api.get("customers") { request, context -> Response in
            var params = FormParams(try FormNode.parse(request.uri.query ?? ""))
            let email = try params.string("email")
            let page = try ListParameters.page(&params, filters: email.map { ["email": $0] } ?? [:])
            params.allow("expand")
            try params.rejectUnknown()
            let result = try await store.customers(page)
            return .json(ListParameters.envelope(url: "/v1/customers", hasMore: result.hasMore, data: result.items.map(Render.customer)))
        }
    }

    private func existing(_ context: GatewayContext, allowDeleted: Bool) async throws -> CustomerRecord {
        let id = try context.parameters.require("id")
        guard let customer = try await store.customer(id: id), allowDeleted || !customer.deleted else {
            throw APIError.missing("customer", id: id)
        }
        return customer
    }

    /// The writable fields; an empty string clears a field, as in Stripe.
    private func apply(_ params: inout FormParams, to customer: inout CustomerRecord) throws(APIError) {
        func text(_ name: String, max: Int = 5000) throws(APIError) -> String?? {
            guard let v = try params.string(name) else { return .none }
            guard v.count <= max else { throw APIError.invalidRequest("Invalid \(name): must be at most \(max) characters.", param: name) }
            return .some(v.isEmpty ? nil : v)
        }
        if let v = try text("email", max: 512) {
            if let v, !v.contains("@") { throw APIError.invalidRequest("Invalid email address: \(v.prefix(60))", param: "email") }
            customer.email = v
        }
        if let v = try text("name", max: 256) { customer.name = v }
        if let v = try text("description") { customer.description = v }
        if let v = try text("phone", max: 20) { customer.phone = v }
        if let updates = try params.metadata("metadata") {
            var current = [String: String](jsonText: customer.metadata)
            if updates.isEmpty, params.has("metadata") { current = [:] }
            for (k, v) in updates { current[k] = v.isEmpty ? nil : v }
            guard current.count <= 50 else { throw APIError.invalidRequest("Invalid metadata: must have at most 50 keys.", param: "metadata") }
            customer.metadata = current.jsonText
        }
        if let pm = try params.string("invoice_settings", "default_payment_method") {
            customer.defaultPaymentMethod = pm.isEmpty ? nil : pm
        }
        params.allow("expand")
        try params.rejectUnknown()
    }
}
