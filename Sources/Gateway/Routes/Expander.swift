import Foundation

/// Stripe's `expand[]`: replaces ids with the objects they name, along dot paths up to four levels deep, through
/// lists with the `data.` prefix (`data.latest_charge.balance_transaction`).
struct Expander {
    let store: any PaymentStore

    static let maxDepth = 4
    /// The fields that hold an expandable id.
    static let expandable: Set = ["latest_charge", "payment_intent", "payment_method", "customer", "charge",
                                  "balance_transaction", "default_payment_method", "source", "location",
                                  "latest_invoice", "invoice", "subscription", "product", "test_clock"]

    func expand(_ value: JSONValue, _ paths: [String]) async throws -> JSONValue {
        var value = value
        for path in paths {
            let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= Self.maxDepth + (parts.first == "data" ? 1 : 0), !parts.contains("") else {
                throw APIError.invalidRequest("You cannot expand more than \(Self.maxDepth) levels of a property: \(path.prefix(100))", param: "expand")
            }
            value = try await expand(value, parts[...], path: path)
        }
        return value
    }

    private func expand(_ value: JSONValue, _ parts: ArraySlice<String>, path: String) async throws -> JSONValue {
        guard let head = parts.first else { return value }
        let rest = parts.dropFirst()
        switch value {
        case .array(let items):
            var out: [JSONValue] = []
            for item in items { out.append(try await expand(item, parts, path: path)) }
            return .array(out)
        case .object(var fields):
            // Nested objects without their own field of that name (e.g. `invoice_settings.default_payment_method`).
            guard let index = fields.firstIndex(where: { $0.0 == head }) else {
                throw APIError.invalidRequest("This property cannot be expanded (\(head)).", param: "expand")
            }
            var field = fields[index].1
            if case .string(let id) = field {
                guard Self.expandable.contains(head), let object = try await load(id) else {
                    throw APIError.invalidRequest("This property cannot be expanded (\(head)).", param: "expand")
                }
                field = object
            } else if case .null = field {
                return value
            } else if head != "data", !Self.isContainer(field), rest.isEmpty {
                throw APIError.invalidRequest("This property cannot be expanded (\(head)).", param: "expand")
            }
            fields[index].1 = try await expand(field, rest, path: path)
            return .object(fields)
        default:
            return value
        }
    }

    private static func isContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .object, .array: true
        default: false
        }
    }

    /// Any stored object by its prefixed id.
    func load(_ id: String) async throws -> JSONValue? {
        let prefix = id.prefix { $0 != "_" }
        switch prefix {
        case "pi": return try await store.find(PaymentIntentRecord.self, id: id).map { Render.paymentIntent($0) }
        case "ch", "py": return try await store.find(ChargeRecord.self, id: id).map(Render.charge)
        case "pm": return try await store.find(PaymentMethodRecord.self, id: id).map(Render.paymentMethod)
        case "cus": return try await store.find(CustomerRecord.self, id: id).map { $0.deleted ? Render.deletedCustomer($0.id) : Render.customer($0) }
        case "re": return try await store.find(RefundRecord.self, id: id).map(Render.refund)
        case "tml": return try await store.find(LocationRecord.self, id: id).map(Render.location)
        case "in": return try await store.find(InvoiceRecord.self, id: id).map(Render.invoice)
        case "sub": return try await store.find(SubscriptionRecord.self, id: id).map(Render.subscription)
        case "prod": return try await store.find(ProductRecord.self, id: id).map(Render.product)
        case "price": return try await store.find(PriceRecord.self, id: id).map(Render.price)
        case "clock": return try await store.find(TestClockRecord.self, id: id).map(Render.testClock)
        case "txn": return try await store.find(BalanceTransactionRecord.self, id: id).map { Render.balanceTransaction($0, now: Int64(Date().timeIntervalSince1970)) }
        default: return nil
        }
    }
}
