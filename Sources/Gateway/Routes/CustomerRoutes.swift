import Foundation
import Hummingbird

/// `/v1/customers`: create, retrieve, update, delete, list.
struct CustomerRoutes {
    let store: any PaymentStore

    func register(on api: RouterGroup<GatewayContext>) {
        api.post("customers") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            var customer = CustomerRecord(id: ObjectID.make("cus", length: 18), email: nil, name: nil, description: nil, phone: nil,
                                          metadata: "{}", defaultPaymentMethod: nil,
                                          invoicePrefix: ObjectID.random(length: 8).uppercased(),
                                          created: Int64(Date().timeIntervalSince1970), deleted: false)
            let expand = try params.stringList("expand") ?? []
            if let clockID = try params.string("test_clock"), !clockID.isEmpty {
                guard let clock = try await store.find(TestClockRecord.self, id: clockID), !clock.deleted else {
                    throw APIError.missing("test_clock", id: clockID, param: "test_clock")
                }
                customer.testClock = clock.id
                customer.created = clock.frozenTime
            }
            try await apply(&params, to: &customer)
            try await store.commit([.insert(customer)] + EventOutbox.write(.customerCreated, .customer(customer)))
            return .json(try await expander.expand(Render.customer(customer), expand))
        }
        api.get("customers/:id") { request, context -> Response in
            var params = try FormParams(query: request)
            let expand = try params.stringList("expand") ?? []
            try params.rejectUnknown()
            let customer = try await existing(context, allowDeleted: true)
            if customer.deleted { return .json(Render.deletedCustomer(customer.id)) }
            return .json(try await expander.expand(Render.customer(customer), expand))
        }
        api.post("customers/:id") { request, context -> Response in
            let form = try await GatewayApp.formParams(request, context: context)
            // Guarded by the invoice counter it read: a subscription's renewal numbering an invoice meanwhile is
            // never undone (the update is applied again to the new row).
            let customer = try await store.retryingConflicts {
                var customer = try await existing(context, allowDeleted: false)
                var params = form
                _ = try params.stringList("expand")
                try await apply(&params, to: &customer)
                try await store.commit([.update(customer, expecting: .init(column: "next_invoice_sequence", value: .integer(customer.nextInvoiceSequence)))]
                    + EventOutbox.write(.customerUpdated, .customer(customer)))
                return customer
            }
            var params = form
            let expand = try params.stringList("expand") ?? []
            return .json(try await expander.expand(Render.customer(customer), expand))
        }
        api.delete("customers/:id") { request, context -> Response in
            var customer = try await existing(context, allowDeleted: false)
            customer.deleted = true
            try await store.commit([.update(customer, expecting: nil)] + EventOutbox.write(.customerDeleted, .customer(customer)))
            return .json(Render.deletedCustomer(customer.id))
        }
        ObjectRoutes(store: store).list(CustomerRecord.self, on: api, path: "customers", filters: ["email"], render: Render.customer)
    }

    private var expander: Expander { Expander(store: store) }

    private func existing(_ context: GatewayContext, allowDeleted: Bool) async throws -> CustomerRecord {
        let id = try context.parameters.require("id")
        guard let customer = try await store.find(CustomerRecord.self, id: id), allowDeleted || !customer.deleted else {
            throw APIError.missing("customer", id: id)
        }
        return customer
    }

    /// The writable fields; an empty string clears a field, as in Stripe.
    private func apply(_ params: inout FormParams, to customer: inout CustomerRecord) async throws {
        func text(_ name: String, max: Int = 5000) throws -> String?? {
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
            if !pm.isEmpty {
                // Stripe requires the default to be one of the customer's own payment methods.
                guard let method = try await store.find(PaymentMethodRecord.self, id: pm), method.customer == customer.id else {
                    throw APIError.invalidRequest("No such PaymentMethod: '\(pm.prefix(64))' attached to customer \(customer.id); attach it first.",
                                                  param: "invoice_settings[default_payment_method]", code: "resource_missing")
                }
            }
            customer.defaultPaymentMethod = pm.isEmpty ? nil : pm
        }
        try params.rejectUnknown()
    }
}
