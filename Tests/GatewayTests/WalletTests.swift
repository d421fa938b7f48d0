import EMV
import Foundation
import Hummingbird
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// Phone wallets: Apple Pay and Google Pay test tokens online (`card.wallet`, the held card's last four and the
/// device number's as `dynamic_last4`), and a phone tapped on a terminal (`card_present.wallet`, CDCVM above the
/// contactless CVM limit).
@Suite struct WalletTests {
    static func card(_ json: [String: Any]) -> [String: Any]? {
        ((json["latest_charge"] as? [String: Any])?["payment_method_details"] as? [String: Any])?["card"] as? [String: Any]
    }

    @Test(arguments: StoreEngine.all) func applePayAndGooglePayTokensPayOnline(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let apple = try await client.post("/v1/payment_intents", "amount=1200&currency=eur&payment_method=pm_card_applePay&confirm=true&expand[]=latest_charge")
            #expect(apple.json["status"] as? String == "succeeded")
            let appleCard = try #require(Self.card(apple.json))
            #expect(appleCard["last4"] as? String == "4242" && appleCard["brand"] as? String == "visa")
            let wallet = try #require(appleCard["wallet"] as? [String: Any])
            #expect(wallet["type"] as? String == "apple_pay" && wallet["dynamic_last4"] as? String == "0003" && wallet["apple_pay"] is [String: Any])

            // A token as Stripe.js hands it over from the Google Pay sheet.
            let google = try await client.post("/v1/payment_intents", "amount=1200&currency=eur&confirm=true&payment_method_data[type]=card"
                + "&payment_method_data[card][token]=tok_googlePay&expand[]=latest_charge&expand[]=payment_method")
            let googleCard = try #require(Self.card(google.json))
            #expect(googleCard["last4"] as? String == "4444" && (googleCard["wallet"] as? [String: Any])?["type"] as? String == "google_pay")
            let method = try #require((google.json["payment_method"] as? [String: Any])?["card"] as? [String: Any])
            #expect((method["wallet"] as? [String: Any])?["dynamic_last4"] as? String == "0009" && method["last4"] as? String == "4444")

            // A plain card has no wallet; a plain test token works as well.
            let plain = try await client.post("/v1/payment_methods", "type=card&card[token]=tok_visa")
            #expect(plain.status == .ok && (plain.json["card"] as? [String: Any])?["wallet"] is NSNull)
            #expect((plain.json["card"] as? [String: Any])?["last4"] as? String == "4242")
            let saved = try await client.post("/v1/payment_methods", "type=card&card[token]=tok_applePay")
            #expect(((saved.json["card"] as? [String: Any])?["wallet"] as? [String: Any])?["type"] as? String == "apple_pay")

            // A wallet card declines like any card.
            let declined = try await client.post("/v1/payment_intents", "amount=1200&currency=eur&payment_method=pm_card_applePay_chargeDeclined&confirm=true")
            #expect(declined.status.code == 402 && declined.error["decline_code"] as? String == "generic_decline")
        }
    }

    @Test func badTokensAreNamed() async throws {
        try await withGateway { client, store, _ in
            let unknown = try await client.post("/v1/payment_methods", "type=card&card[token]=tok_nope")
            #expect(unknown.status == .badRequest && unknown.error["param"] as? String == "card[token]" && unknown.error["code"] as? String == "resource_missing")
            let both = try await client.post("/v1/payment_intents", "amount=100&currency=eur&payment_method_data[type]=card&payment_method_data[card][token]=tok_visa"
                + "&payment_method_data[card][number]=4242424242424242")
            #expect(both.status == .badRequest && both.error["param"] as? String == "payment_method_data[card][number]")
            #expect(try await store.list(PaymentMethodRecord.self, PageRequest(limit: 10)).items.isEmpty)
        }
    }

    @Test(arguments: ["visa_apple_pay", "mastercard_google_pay"]) func aPhoneTappedOnATerminalIsAWalletPayment(profile: String) async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            // Above the contactless CVM limit the phone verifies its holder itself: no PIN.
            let outcome = try await terminal.run(profile, amount: 10000, interface: .contactless)
            #expect(outcome.decision == .approvedOnline && outcome.cardholderVerification == .consumerDevice, "\(outcome)")
            let details = try #require(terminal.cardPresent)
            #expect(details["read_method"] as? String == "contactless_emv")
            let wallet = profile == "visa_apple_pay" ? "apple_pay" : "google_pay"
            #expect((details["wallet"] as? [String: Any])?["type"] as? String == wallet)
            #expect(details["last4"] as? String == (profile == "visa_apple_pay" ? "4242" : "4444"))
        }
    }
}
