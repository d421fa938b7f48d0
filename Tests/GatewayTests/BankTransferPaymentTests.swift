import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// SEPA credit transfers (`customer_balance`, `eu_bank_transfer`): the intent shows the customer's virtual IBAN and a
/// reference; transfers land in the cash balance and pay the waiting intents, the quoted one first, then the oldest.
@Suite struct BankTransferPaymentTests {
    static let transfer = "&currency=eur&payment_method_types[]=customer_balance&payment_method_data[type]=customer_balance"
        + "&payment_method_options[customer_balance][funding_type]=bank_transfer"
        + "&payment_method_options[customer_balance][bank_transfer][type]=eu_bank_transfer"
        + "&payment_method_options[customer_balance][bank_transfer][eu_bank_transfer][country]=FR&confirm=true"

    static func instructions(_ intent: [String: Any]) -> [String: Any] {
        (intent["next_action"] as? [String: Any])?["display_bank_transfer_instructions"] as? [String: Any] ?? [:]
    }

    static func fund(_ client: any TestClientProtocol, _ customer: String, _ amount: Int, reference: String? = nil) async throws -> TestResponse {
        try await client.post("/v1/test_helpers/customers/\(customer)/fund_cash_balance",
                              "amount=\(amount)&currency=eur" + (reference.map { "&reference=\($0)" } ?? ""))
    }

    @Test(arguments: StoreEngine.all) func transfersPayTheQuotedIntentThenTheOldest(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let customer = try #require(try await client.post("/v1/customers", "name=Jean").json["id"] as? String)
            let first = try await client.post("/v1/payment_intents", "amount=5000&customer=\(customer)" + Self.transfer)
            #expect(first.status == .ok && first.json["status"] as? String == "requires_action")
            let shown = Self.instructions(first.json)
            #expect(shown["amount_remaining"] as? Int == 5000 && shown["type"] as? String == "eu_bank_transfer")
            let address = try #require((shown["financial_addresses"] as? [[String: Any]])?.first?["iban"] as? [String: Any])
            let iban = try IBAN(try #require(address["iban"] as? String))
            #expect(iban.country == "FR" && address["bic"] as? String == "VTPEFRPPXXX")
            #expect(iban == SEPACreditTransfer.iban(customer: customer, country: "FR"))
            let second = try await client.post("/v1/payment_intents", "amount=1000&customer=\(customer)" + Self.transfer)
            let secondID = try #require(second.json["id"] as? String)
            let firstID = try #require(first.json["id"] as? String)
            // The same customer, the same IBAN; each intent its own reference.
            #expect(Self.instructions(second.json)["reference"] as? String != shown["reference"] as? String)

            // 1,500 quoting the second intent's reference: it is paid, the rest goes to the first (oldest).
            let funded = try await Self.fund(client, customer, 1500, reference: Self.instructions(second.json)["reference"] as? String)
            #expect(funded.json["type"] as? String == "funded" && funded.json["net_amount"] as? Int == 1500)
            #expect(try await client.get("/v1/payment_intents/\(secondID)").json["status"] as? String == "succeeded")
            let partly = try await client.get("/v1/payment_intents/\(firstID)")
            #expect(partly.json["status"] as? String == "requires_action" && Self.instructions(partly.json)["amount_remaining"] as? Int == 4500)
            // 5,000 more: the first is paid, 500 stay in the balance.
            _ = try await Self.fund(client, customer, 5000)
            let paid = try await client.get("/v1/payment_intents/\(firstID)?expand[]=latest_charge")
            #expect(paid.json["status"] as? String == "succeeded" && paid.json["amount_received"] as? Int == 5000)
            let charge = try #require(paid.json["latest_charge"] as? [String: Any])
            #expect((charge["payment_method_details"] as? [String: Any])?["type"] as? String == "customer_balance")
            let txnID = try #require(charge["balance_transaction"] as? String)
            let txn = try #require(try await store.find(BalanceTransactionRecord.self, id: txnID))
            #expect(txn.amount == 5000 && txn.fee == 0)
            #expect((try await client.get("/v1/customers/\(customer)/cash_balance").json["available"] as? [String: Any])?["eur"] as? Int == 500)
            let moves = try await client.get("/v1/customers/\(customer)/cash_balance_transactions?limit=10")
            let rows = ((moves.json["data"] as? [[String: Any]]) ?? []).map { ($0["type"] as? String ?? "", $0["net_amount"] as? Int ?? 0) }
            #expect(rows.map(\.0) == ["applied_to_payment", "funded", "applied_to_payment", "applied_to_payment", "funded"])
            #expect(rows.map(\.1) == [-4500, 5000, -500, -1000, 1500])
            #expect(EventTests.types(try await client.get("/v1/events?type=payment_intent.partially_funded")) == ["payment_intent.partially_funded"])
            #expect(EventTests.types(try await client.get("/v1/events?type=cash_balance.funds_available")) == ["cash_balance.funds_available"])

            // The balance pays a new intent at once; a part-paid intent canceled gives its money back.
            let atOnce = try await client.post("/v1/payment_intents", "amount=300&customer=\(customer)" + Self.transfer)
            #expect(atOnce.json["status"] as? String == "succeeded" && atOnce.json["next_action"] is NSNull)
            let part = try await client.post("/v1/payment_intents", "amount=900&customer=\(customer)" + Self.transfer)
            #expect(Self.instructions(part.json)["amount_remaining"] as? Int == 700)
            let partID = try #require(part.json["id"] as? String)
            #expect(try await client.post("/v1/payment_intents/\(partID)/cancel", "").json["status"] as? String == "canceled")
            #expect((try await client.get("/v1/customers/\(customer)/cash_balance").json["available"] as? [String: Any])?["eur"] as? Int == 200)
        }
    }

    @Test func refusalsNameTheParameter() async throws {
        try await withGateway { client, _, _ in
            let customer = try #require(try await client.post("/v1/customers", "name=Jean").json["id"] as? String)
            func param(_ form: String) async throws -> String? {
                let r = try await client.post("/v1/payment_intents", form)
                #expect(r.status == .badRequest, "\(form)")
                return r.error["param"] as? String
            }
            #expect(try await param("amount=500" + Self.transfer) == "customer")
            #expect(try await param("amount=500&customer=\(customer)" + Self.transfer.replacingOccurrences(of: "currency=eur", with: "currency=usd")) == "currency")
            #expect(try await param("amount=500&customer=\(customer)" + Self.transfer.replacingOccurrences(of: "[country]=FR", with: "[country]=US"))
                == "payment_method_options[customer_balance][bank_transfer][eu_bank_transfer][country]")
            #expect(try await param("amount=500&customer=\(customer)&currency=eur&payment_method_types[]=customer_balance&payment_method_data[type]=customer_balance&confirm=true")
                == "payment_method_options[customer_balance][funding_type]")
            let fundUSD = try await client.post("/v1/test_helpers/customers/\(customer)/fund_cash_balance", "amount=100&currency=usd")
            #expect(fundUSD.status == .badRequest && fundUSD.error["param"] as? String == "currency")
            #expect(try await Self.fund(client, "cus_nope", 100).status == .notFound)
        }
    }

    @Test func virtualIBANsAreValidAndStable() throws {
        for country in SEPACreditTransfer.countries {
            let iban = SEPACreditTransfer.iban(customer: "cus_1", country: country)
            #expect(iban.country == country)
            #expect(iban == SEPACreditTransfer.iban(customer: "cus_1", country: country))
            #expect(iban != SEPACreditTransfer.iban(customer: "cus_2", country: country))
        }
    }
}
