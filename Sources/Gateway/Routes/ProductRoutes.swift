import Foundation
import Hummingbird
import PaymentCore

/// `/v1/products` and `/v1/prices`: create, retrieve, update, list. A price's amount, currency and period never
/// change once made (as in Stripe); its `active`, `nickname` and `metadata` do.
struct ProductRoutes {
    let store: any PaymentStore
    let clock: any GatewayClock

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)
        api.post("products") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            let product = try makeProduct(&params, path: [])
            try params.rejectUnknown()
            try await store.commit([.insert(product)] + EventOutbox.write(.productCreated, .product(product)))
            return .json(try await objects.expander.expand(Render.product(product), expand))
        }
        api.post("products/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            guard var product = try await store.find(ProductRecord.self, id: id) else { throw APIError.missing("product", id: id) }
            if let name = try params.string("name") {
                guard !name.isEmpty, name.count <= 250 else { throw APIError.invalidRequest("Invalid name: 1 to 250 characters.", param: "name") }
                product.name = name
            }
            if let active = try params.bool("active") { product.active = active }
            if let description = try params.string("description") { product.description = description.isEmpty ? nil : description }
            if let metadata = try params.metadata("metadata") {
                product.metadata = try Metadata.merge(metadata, into: product.metadata, clear: metadata.isEmpty && params.has("metadata"))
            }
            try params.rejectUnknown()
            product.updated = now
            try await store.commit([.update(product, expecting: nil)] + EventOutbox.write(.productUpdated, .product(product)))
            return .json(try await objects.expander.expand(Render.product(product), expand))
        }
        objects.retrieve(ProductRecord.self, on: api, path: "products", render: Render.product)
        objects.list(ProductRecord.self, on: api, path: "products", filters: [], render: Render.product)

        api.post("prices") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            var writes: [StoreWrite] = []
            let productID: String
            if params.has("product_data") {
                guard !params.has("product") else {
                    throw APIError.invalidRequest("You may only specify one of these parameters: product, product_data.", param: "product")
                }
                let product = try makeProduct(&params, path: ["product_data"])
                writes += [.insert(product)] + EventOutbox.write(.productCreated, .product(product))
                productID = product.id
            } else {
                productID = try params.requiredString("product")
                guard try await store.find(ProductRecord.self, id: productID) != nil else { throw APIError.missing("product", id: productID, param: "product") }
            }
            let price = try makePrice(&params, product: productID)
            try params.rejectUnknown()
            try await store.commit(writes + [.insert(price)] + EventOutbox.write(.priceCreated, .price(price)))
            return .json(try await objects.expander.expand(Render.price(price), expand))
        }
        api.post("prices/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let expand = try params.stringList("expand") ?? []
            guard var price = try await store.find(PriceRecord.self, id: id) else { throw APIError.missing("price", id: id) }
            if let active = try params.bool("active") { price.active = active }
            if let nickname = try params.string("nickname") { price.nickname = nickname.isEmpty ? nil : nickname }
            if let metadata = try params.metadata("metadata") {
                price.metadata = try Metadata.merge(metadata, into: price.metadata, clear: metadata.isEmpty && params.has("metadata"))
            }
            for frozen in ["unit_amount", "currency", "recurring", "product"] where params.has(frozen) {
                throw APIError.invalidRequest("A price's \(frozen) cannot be changed: create a new price (and deactivate this one).", param: frozen)
            }
            try params.rejectUnknown()
            try await store.commit([.update(price, expecting: nil)] + EventOutbox.write(.priceUpdated, .price(price)))
            return .json(try await objects.expander.expand(Render.price(price), expand))
        }
        objects.retrieve(PriceRecord.self, on: api, path: "prices", render: Render.price)
        objects.list(PriceRecord.self, on: api, path: "prices", filters: ["product", "currency"], render: Render.price)
    }

    private var now: Int64 { Int64(clock.now().timeIntervalSince1970) }

    /// A product from `name`, `active`, `description`, `metadata` (and an optional `id`) under `path`.
    private func makeProduct(_ params: inout FormParams, path: [String]) throws -> ProductRecord {
        let name = try params.requiredString(path + ["name"])
        guard name.count <= 250 else { throw APIError.invalidRequest("Invalid name: must be at most 250 characters.", param: FormParams.name(path + ["name"])) }
        var id = ObjectID.make("prod", length: 14)
        if let chosen = try params.string(path + ["id"]), !chosen.isEmpty {
            guard chosen.count <= 100, chosen.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw APIError.invalidRequest("Invalid id: letters, digits, '_' and '-', at most 100.", param: FormParams.name(path + ["id"]))
            }
            id = chosen
        }
        let active = try params.bool(path + ["active"]) ?? true
        let description = try params.string(path + ["description"])
        let metadata = path.isEmpty ? try params.metadata("metadata") : try params.metadata(path[0], "metadata")
        return ProductRecord(id: id, name: name, active: active, description: description?.isEmpty == false ? description : nil,
                             metadata: try Metadata.merge(metadata ?? [:], into: "{}", clear: false), created: now, updated: now)
    }

    private func makePrice(_ params: inout FormParams, product: String) throws -> PriceRecord {
        let code = try params.requiredString("currency")
        let currency: Currency
        do { currency = try Currency(code: code.uppercased()) } catch {
            throw APIError.invalidRequest("Invalid currency: \(code.prefix(10)). Use a three-letter ISO code in lower case, e.g. eur.", param: "currency")
        }
        guard let amount = try params.integer("unit_amount", range: 0...99_999_999) else {
            if params.has("unit_amount_decimal") || params.has("custom_unit_amount") || params.has("tiers") {
                throw APIError.invalidRequest("vtpe prices take unit_amount (an integer in minor units); decimal, custom and tiered amounts are not supported.",
                                              param: "unit_amount")
            }
            throw APIError.invalidRequest("Missing required param: unit_amount.", param: "unit_amount")
        }
        var interval: RecurringInterval?
        var count: Int64?
        if params.has("recurring") {
            let text = try params.requiredString("recurring", "interval")
            guard let parsed = RecurringInterval(rawValue: text) else {
                throw APIError.invalidRequest("Invalid recurring[interval]: must be one of day, week, month or year.", param: "recurring[interval]")
            }
            interval = parsed
            count = try params.integer("recurring", "interval_count", range: 1...parsed.maxCount) ?? 1
            if let usage = try params.string("recurring", "usage_type"), usage != "licensed" {
                throw APIError.invalidRequest("Invalid recurring[usage_type]: vtpe bills licensed (per unit) prices only.", param: "recurring[usage_type]")
            }
        }
        if let scheme = try params.string("billing_scheme"), scheme != "per_unit" {
            throw APIError.invalidRequest("Invalid billing_scheme: vtpe supports per_unit prices only.", param: "billing_scheme")
        }
        let nickname = try params.string("nickname")
        return PriceRecord(id: ObjectID.make("price"), product: product, active: try params.bool("active") ?? true,
                           currency: currency.code.lowercased(), unitAmount: amount, recurringInterval: interval, recurringIntervalCount: count,
                           nickname: nickname?.isEmpty == false ? nickname : nil,
                           metadata: try Metadata.merge(try params.metadata("metadata") ?? [:], into: "{}", clear: false), created: now)
    }
}
