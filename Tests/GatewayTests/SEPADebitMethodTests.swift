import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import Gateway

/// `type=sepa_debit` payment methods: the IBAN checked with named errors, kept sealed, shown as bank codes and last 4.
@Suite struct SEPADebitMethodTests {
    static let holder = "&billing_details[name]=Jenny%20Rosen&billing_details[email]=jenny%40example.fr"

    @Test(arguments: StoreEngine.all) func aBankAccountIsSavedWithoutItsNumber(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let made = try await client.post("/v1/payment_methods", "type=sepa_debit&sepa_debit[iban]=FR14%202004%201010%200505%200001%203M02%20606" + Self.holder)
            #expect(made.status == .ok)
            #expect(made.json["type"] as? String == "sepa_debit" && made.json["card"] == nil)
            let sepa = try #require(made.json["sepa_debit"] as? [String: Any])
            #expect(sepa["country"] as? String == "FR" && sepa["bank_code"] as? String == "20041" && sepa["branch_code"] as? String == "01005")
            #expect(sepa["last4"] as? String == "2606" && (sepa["fingerprint"] as? String)?.count == 16)
            let billing = try #require(made.json["billing_details"] as? [String: Any])
            #expect(billing["name"] as? String == "Jenny Rosen" && billing["email"] as? String == "jenny@example.fr")
            #expect(!String(buffer: made.body).contains("0500013M"))
            let id = try #require(made.json["id"] as? String)
            let stored = try #require(try await store.find(PaymentMethodRecord.self, id: id))
            #expect(stored.encryptedPan?.contains("20041010") == false)

            // The same account again: the same fingerprint. Attached like a card.
            let again = try await client.post("/v1/payment_methods", "type=sepa_debit&sepa_debit[iban]=FR1420041010050500013M02606" + Self.holder)
            #expect((again.json["sepa_debit"] as? [String: Any])?["fingerprint"] as? String == sepa["fingerprint"] as? String)
            let customer = try #require(try await client.post("/v1/customers", "email=jenny%40example.fr").json["id"] as? String)
            #expect(try await client.post("/v1/payment_methods/\(id)/attach", "customer=\(customer)").json["customer"] as? String == customer)

            // A payment with it needs the account holder's mandate first (SEPADebitPaymentTests).
            let paid = try await client.post("/v1/payment_intents", "amount=1000&currency=eur&customer=\(customer)&payment_method=\(id)&confirm=true")
            #expect(paid.status == .badRequest && paid.error["param"] as? String == "mandate_data")
        }
    }

    @Test func badAccountsAreNamed() async throws {
        try await withGateway { client, _, _ in
            func refusal(_ form: String) async throws -> (String?, String?, String?) {
                let r = try await client.post("/v1/payment_methods", "type=sepa_debit&" + form)
                #expect(r.status == .badRequest)
                return (r.error["code"] as? String, r.error["param"] as? String, r.error["message"] as? String)
            }
            let checksum = try await refusal("sepa_debit[iban]=DE89370400440532013001" + Self.holder)
            #expect(checksum.0 == "invalid_bank_account_iban" && checksum.1 == "sepa_debit[iban]")
            #expect(checksum.2 == "The IBAN you entered is invalid: its check digits do not match (mod 97).")
            #expect(try await refusal("sepa_debit[iban]=DE8937040044053201300" + Self.holder).2
                == "The IBAN you entered is invalid: an IBAN of DE has 22 characters, not 21.")
            #expect(try await refusal("sepa_debit[iban]=US89370400440532013000" + Self.holder).2
                == "The IBAN you entered is invalid: US is not the country code of an IBAN country.")
            #expect(try await refusal(Self.holder).1 == "sepa_debit[iban]")
            #expect(try await refusal("sepa_debit[iban]=DE89370400440532013000&billing_details[email]=a%40b.fr").1 == "billing_details[name]")
            #expect(try await refusal("sepa_debit[iban]=DE89370400440532013000&billing_details[name]=A").1 == "billing_details[email]")
            #expect(try await client.post("/v1/payment_methods", "type=ideal").error["param"] as? String == "type")
        }
    }
}
