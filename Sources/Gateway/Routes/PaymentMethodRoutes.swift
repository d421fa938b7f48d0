import Foundation
import Hummingbird
import PaymentCore

/// `/v1/payment_methods`: create (card), retrieve, attach, detach, list for a customer.
struct PaymentMethodRoutes {
    let store: any PaymentStore
    let vault: CardVault
    let catalog: TestCardCatalog

    func register(on api: RouterGroup<GatewayContext>) {
        api.post("payment_methods") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let type = try params.requiredString("type")
            guard ["card", "sepa_debit"].contains(type) else {
                throw APIError.invalidRequest("Invalid type: must be card or sepa_debit.", param: "type")
            }
            let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }
            let record: PaymentMethodRecord
            if type == "sepa_debit" {
                let account = try SEPADebit.parse(&params)
                params.allow("billing_details", "expand")
                try params.rejectUnknown()
                record = try SEPADebit.paymentMethod(iban: account.iban, name: account.name, email: account.email, vault: vault, now: Date(),
                                                     metadata: metadata)
            } else {
                let card = try CardDetails.parse(&params, prefix: ["card"], catalog: catalog, now: Date())
                params.allow("billing_details", "expand")
                try params.rejectUnknown()
                record = try PaymentMethodRecord.card(card.pan, expiry: card.expiry, vault: vault, catalog: catalog, now: Date(), metadata: metadata)
            }
            try await store.commit([.insert(record)])
            return .json(Render.paymentMethod(record))
        }
        api.get("payment_methods/:id") { request, context -> Response in
            var params = try FormParams(query: request)
            let expand = try params.stringList("expand") ?? []
            try params.rejectUnknown()
            return .json(try await Expander(store: store).expand(Render.paymentMethod(try await existing(context)), expand))
        }
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
            try await store.commit([.update(method, expecting: nil)]
                + EventOutbox.write(.paymentMethodAttached, .paymentMethod(method)))
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
            // A detached bank account's mandates end with it (Stripe makes them inactive): no later debit under them.
            var mandateWrites: [StoreWrite] = []
            let mandates = try await store.list(MandateRecord.self, PageRequest(limit: 100, filters: ["payment_method": method.id, "status": MandateStatus.active.rawValue]))
            for var mandate in mandates.items {
                mandate.status = .inactive
                mandateWrites += [.update(mandate, expecting: .init(column: "status", value: .text(MandateStatus.active.rawValue)))]
                    + EventOutbox.write(.mandateUpdated, .mandate(mandate))
            }
            try await store.commit([.update(method, expecting: nil)] + mandateWrites
                + EventOutbox.write(.paymentMethodDetached, .paymentMethod(method)))
            return .json(Render.paymentMethod(method))
        }
        ObjectRoutes(store: store).list(PaymentMethodRecord.self, on: api, path: "payment_methods", filters: ["customer", "type"],
                                        required: ["customer"], defaults: ["type": "card"], render: Render.paymentMethod)
        // A customer's methods (stripe-python's `Customer.list_payment_methods`, `Customer.retrieve_payment_method`).
        api.get("customers/:id/payment_methods") { request, context -> Response in
            let customer = try await liveCustomer(context)
            var params = try FormParams(query: request)
            var filters = ["customer": customer]
            if let type = try params.string("type") { filters["type"] = type }
            let page = try ListParameters.page(&params, filters: filters)
            let expand = try ListParameters.expand(&params)
            try params.rejectUnknown()
            let result = try await store.list(PaymentMethodRecord.self, page)
            let envelope = ListParameters.envelope(url: "/v1/customers/\(customer)/payment_methods", hasMore: result.hasMore,
                                                   data: result.items.map(Render.paymentMethod))
            return .json(try await Expander(store: store).expand(envelope, expand))
        }
        api.get("customers/:id/payment_methods/:pm") { request, context -> Response in
            let customer = try await liveCustomer(context)
            let id = try context.parameters.require("pm")
            var params = try FormParams(query: request)
            let expand = try params.stringList("expand") ?? []
            try params.rejectUnknown()
            guard let method = try await store.find(PaymentMethodRecord.self, id: id), method.customer == customer else {
                throw APIError.missing("PaymentMethod", id: id)
            }
            return .json(try await Expander(store: store).expand(Render.paymentMethod(method), expand))
        }
    }

    /// The customer of the path (`customers/:id/…`), one that exists and is not deleted.
    private func liveCustomer(_ context: GatewayContext) async throws -> String {
        let id = try context.parameters.require("id")
        guard let customer = try await store.find(CustomerRecord.self, id: id), !customer.deleted else {
            throw APIError.missing("customer", id: id, param: "customer")
        }
        return customer.id
    }

    /// A stored payment method, or a new one for a test id such as `pm_card_visa`.
    private func existing(_ context: GatewayContext) async throws -> PaymentMethodRecord {
        let id = try context.parameters.require("id")
        if let fresh = try PaymentMethodRecord.materialize(testID: id, catalog: catalog, vault: vault, now: Date()) {
            try await store.commit([.insert(fresh)])
            return fresh
        }
        guard let method = try await store.find(PaymentMethodRecord.self, id: id) else { throw APIError.missing("payment_method", id: id) }
        return method
    }
}
