import Foundation
import Hummingbird
import PaymentCore

/// A customer's cash balance (SEPA credit transfers, `customer_balance`): `GET /v1/customers/:id/cash_balance`,
/// `GET /v1/customers/:id/cash_balance_transactions` (and `/:transaction`), and Stripe's test helper
/// `POST /v1/test_helpers/customers/:id/fund_cash_balance` (`amount`, `currency`, `reference`): a transfer received,
/// applied to the intents waiting for it before the response.
struct CashBalanceRoutes {
    let intents: PaymentIntents
    var store: any PaymentStore { intents.store }

    func register(on api: RouterGroup<GatewayContext>) {
        api.get("customers/:id/cash_balance") { request, context -> Response in
            var params = try FormParams(query: request)
            params.allow("expand")
            try params.rejectUnknown()
            let customer = try await existing(context)
            let rows = try await store.list(CashBalanceRecord.self, PageRequest(limit: 100, filters: ["customer": customer])).items
            return .json(Render.cashBalance(customer: customer, rows))
        }
        api.get("customers/:id/cash_balance_transactions") { request, context -> Response in
            var params = try FormParams(query: request)
            let customer = try await existing(context)
            let page = try ListParameters.page(&params, filters: ["customer": customer])
            _ = try ListParameters.expand(&params)
            try params.rejectUnknown()
            let result = try await store.list(CashBalanceTransactionRecord.self, page)
            return .json(ListParameters.envelope(url: "/v1/customers/\(customer)/cash_balance_transactions", hasMore: result.hasMore,
                                                 data: result.items.map(Render.cashBalanceTransaction)))
        }
        api.get("customers/:id/cash_balance_transactions/:transaction") { request, context -> Response in
            var params = try FormParams(query: request)
            params.allow("expand")
            try params.rejectUnknown()
            let customer = try await existing(context)
            let id = try context.parameters.require("transaction")
            guard let txn = try await store.find(CashBalanceTransactionRecord.self, id: id), txn.customer == customer else {
                throw APIError.missing("customer_cash_balance_transaction", id: id)
            }
            return .json(Render.cashBalanceTransaction(txn))
        }
        api.post("test_helpers/customers/:id/fund_cash_balance") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let customer = try await existing(context)
            guard let amount = try params.integer("amount", range: 1...PaymentIntentLifecycle.maxAmount) else {
                throw APIError.invalidRequest("Missing required param: amount.", param: "amount")
            }
            guard let currency = try params.currency() else { throw APIError.invalidRequest("Missing required param: currency.", param: "currency") }
            guard currency.code == "EUR" else {
                throw APIError.invalidRequest("Invalid currency: \(currency.code.lowercased()). EU bank transfers fund eur balances.", param: "currency")
            }
            let reference = try params.string("reference").flatMap { $0.isEmpty ? nil : String($0.prefix(140)) }
            params.allow("expand")
            try params.rejectUnknown()
            let funded = try await intents.receiveTransfer(customer: customer, currency: "eur", amount: amount, reference: reference, now: Date())
            return .json(Render.cashBalanceTransaction(funded))
        }
    }

    /// The id of the path's customer, which must exist and not be deleted.
    private func existing(_ context: GatewayContext) async throws -> String {
        let id = try context.parameters.require("id")
        guard let customer = try await store.find(CustomerRecord.self, id: id), !customer.deleted else { throw APIError.missing("customer", id: id) }
        return customer.id
    }
}
