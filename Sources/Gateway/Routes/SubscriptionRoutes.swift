import Foundation
import Hummingbird

/// `/v1/subscriptions` (create, retrieve, update, cancel, list) and `/v1/invoices` (retrieve, list, pay): the
/// smallest part of Stripe Billing that charges a saved card every period. One item per subscription, charged
/// automatically; see docs/api.md for what is left out.
struct SubscriptionRoutes {
    let subscriptions: Subscriptions
    var store: any PaymentStore { subscriptions.store }

    enum PaymentBehavior: String {
        case allowIncomplete = "allow_incomplete"
        case errorIfIncomplete = "error_if_incomplete"
        case defaultIncomplete = "default_incomplete"
    }

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)
        api.post("subscriptions") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            let (subscriptionRequest, behavior, offSession) = try await parseCreate(&params)
            try params.rejectUnknown()
            let made = try await subscriptions.create(subscriptionRequest, attemptPayment: behavior != .defaultIncomplete,
                                                      errorIfIncomplete: behavior == .errorIfIncomplete, offSession: offSession)
            if behavior == .errorIfIncomplete, let outcome = made.outcome, outcome.intent.status != .succeeded, outcome.intent.status != .processing {
                if let decline = outcome.decline { throw APIError(decline, intent: outcome.intent) }
                throw APIError(status: .paymentRequired402, kind: .cardError, code: "subscription_payment_intent_requires_action",
                               message: "The subscription's first payment needs the customer to authenticate (3-D Secure); with payment_behavior=error_if_incomplete it was not created.")
            }
            return .json(try await objects.expander.expand(Render.subscription(made.subscription), expand))
        }
        api.post("subscriptions/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            if params.has("items") || params.has("trial_end") || params.has("billing_cycle_anchor") {
                throw APIError.invalidRequest("vtpe does not change a subscription's items, trial or billing cycle (no prorations): cancel it and create a new one.",
                                              param: params.has("items") ? "items" : params.has("trial_end") ? "trial_end" : "billing_cycle_anchor")
            }
            let cancel = try params.bool("cancel_at_period_end")
            let method: String?? = try params.string("default_payment_method").map { $0.isEmpty ? nil : $0 }
            let description: String?? = try params.string("description").map { $0.isEmpty ? nil : $0 }
            let metadata = try params.metadata("metadata")
            try params.rejectUnknown()
            let sub = try await subscriptions.update(id: id, cancelAtPeriodEnd: cancel, defaultPaymentMethod: method, description: description,
                                                     metadata: metadata, clearsMetadata: metadata?.isEmpty == true && params.has("metadata"))
            return .json(try await objects.expander.expand(Render.subscription(sub), expand))
        }
        api.delete("subscriptions/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            if try params.bool("invoice_now") == true || params.has("prorate") && (try params.bool("prorate")) == true {
                throw APIError.invalidRequest("vtpe does not invoice on cancellation (no prorations).", param: params.has("prorate") ? "prorate" : "invoice_now")
            }
            try params.rejectUnknown()
            let sub = try await subscriptions.cancel(id: id)
            return .json(try await objects.expander.expand(Render.subscription(sub), expand))
        }
        objects.retrieve(SubscriptionRecord.self, on: api, path: "subscriptions", render: Render.subscription)
        api.get("subscriptions") { request, _ -> Response in
            var params = try FormParams(query: request)
            var filters: [String: String] = [:]
            for name in ["customer", "price", "test_clock"] { if let v = try params.string(name) { filters[name] = v } }
            let status = try params.string("status")
            var page = try ListParameters.page(&params, filters: filters)
            let expand = try ListParameters.expand(&params)
            try params.rejectUnknown()
            switch status {
            case nil: page.anyOf["status"] = SubscriptionStatus.allCases.filter { $0 != .canceled }.map(\.rawValue)
            case "all": break
            case let s? where SubscriptionStatus(rawValue: s) != nil: page.filters["status"] = s
            case let s?:
                throw APIError.invalidRequest("Invalid status: \(s.prefix(30)). Use all or one of \(SubscriptionStatus.allCases.map(\.rawValue).joined(separator: ", ")).",
                                              param: "status")
            }
            let result = try await store.list(SubscriptionRecord.self, page)
            let envelope = ListParameters.envelope(url: "/v1/subscriptions", hasMore: result.hasMore, data: result.items.map(Render.subscription))
            return .json(try await objects.expander.expand(envelope, expand))
        }

        objects.retrieve(InvoiceRecord.self, on: api, path: "invoices", render: Render.invoice)
        objects.list(InvoiceRecord.self, on: api, path: "invoices", filters: ["customer", "subscription", "status"], render: Render.invoice)
        api.post("invoices/:id/pay") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            let method = try params.string("payment_method").flatMap { $0.isEmpty ? nil : $0 }
            let offSession = try params.bool("off_session") ?? true
            try params.rejectUnknown()
            let paid = try await subscriptions.payInvoice(id: id, method: method, offSession: offSession)
            if let outcome = paid.outcome, let decline = outcome.decline { throw APIError(decline, intent: outcome.intent) }
            if paid.invoice.status != .paid, paid.outcome == nil {
                throw APIError(status: .paymentRequired402, kind: .invalidRequestError, code: "invoice_no_payment_method_types",
                               message: "The invoice could not be paid: its customer has no usable payment method (pass payment_method, or set the subscription's default_payment_method).")
            }
            return .json(try await objects.expander.expand(Render.invoice(paid.invoice), expand))
        }
    }

    private func parseCreate(_ params: inout FormParams) async throws -> (SubscriptionLifecycle.Request, PaymentBehavior, Bool) {
        let customerID = try params.requiredString("customer")
        guard let customer = try await store.find(CustomerRecord.self, id: customerID), !customer.deleted else {
            throw APIError.missing("customer", id: customerID, param: "customer")
        }
        guard params.has("items", "0") else { throw APIError.invalidRequest("Missing required param: items.", param: "items") }
        if params.has("items", "1") {
            throw APIError.invalidRequest("vtpe subscriptions have one item: create one subscription per price.", param: "items[1]")
        }
        let priceID = try params.requiredString("items", "0", "price")
        guard let price = try await store.find(PriceRecord.self, id: priceID) else { throw APIError.missing("price", id: priceID, param: "items[0][price]") }
        guard price.active else { throw APIError.invalidRequest("The price specified is inactive. This field only accepts active prices.", param: "items[0][price]") }
        guard price.isRecurring else {
            throw APIError.invalidRequest("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
                                          param: "items[0][price]")
        }
        guard let product = try await store.find(ProductRecord.self, id: price.product) else { throw APIError.missing("product", id: price.product, param: "items[0][price]") }
        let quantity = try params.integer("items", "0", "quantity", range: 1...10_000) ?? 1
        if let method = try params.string("collection_method"), method != "charge_automatically" {
            throw APIError.invalidRequest("vtpe charges subscriptions automatically: collection_method=send_invoice is not supported.", param: "collection_method")
        }
        let behaviorText = try params.string("payment_behavior") ?? PaymentBehavior.allowIncomplete.rawValue
        guard let behavior = PaymentBehavior(rawValue: behaviorText) else {
            throw APIError.invalidRequest("Invalid payment_behavior: must be one of allow_incomplete, error_if_incomplete or default_incomplete.",
                                          param: "payment_behavior")
        }
        let method = try params.string("default_payment_method").flatMap { $0.isEmpty ? nil : $0 }
        if let method { try await subscriptions.checkMethod(method, customer: customer.id, param: "default_payment_method") }
        let trialDays = try params.integer("trial_period_days", range: 0...730).flatMap { $0 == 0 ? nil : $0 }
        if method == nil, customer.defaultPaymentMethod == nil, behavior != .defaultIncomplete, trialDays == nil {
            throw APIError.invalidRequest("This customer has no attached payment source or default payment method. Please consider adding a default payment method.",
                                          param: "default_payment_method", code: "resource_missing")
        }
        let cancel = try params.bool("cancel_at_period_end") ?? false
        let description = try params.string("description").flatMap { $0.isEmpty ? nil : $0 }
        let metadata = try Metadata.merge(try params.metadata("metadata") ?? [:], into: "{}", clear: false)
        let offSession = try params.bool("off_session") ?? false
        return (SubscriptionLifecycle.Request(customer: customer, price: price, product: product, quantity: quantity, defaultPaymentMethod: method,
                                              trialDays: trialDays, cancelAtPeriodEnd: cancel, description: description, metadata: metadata),
                behavior, offSession)
    }
}
