import EMV
import Foundation
import NIOCore
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import PaymentCrypto
import Synchronization
import Testing
@testable import Gateway

extension TestChipTerminal {
    /// `vtpe_card_present[…]` of a refund for a swipe of `track` (enciphered under the next KSN).
    func swipeProof(_ track: Track2, readMethod: String = "magnetic_stripe_track2") throws -> String {
        let keys = try nextKeys()
        return [
            "vtpe_card_present[vtpe_read_method]=\(readMethod)",
            "vtpe_card_present[vtpe_ksn]=\(keys.ksn.hex)",
            "vtpe_card_present[vtpe_encrypted_track2]=\(HexCoding.encode(try keys.encipher(track2: track)))",
        ].joined(separator: "&")
    }

    /// `vtpe_card_present[…]` of a refund from a chip read of `profile`: the kernel runs to its online request, whose
    /// DE55 and enciphered track 2 are the proof (the terminal is then told it cannot go online).
    func chipProof(_ profile: String, amount: Int64, interface: CardInterface = .contact,
                   tamper: @escaping @Sendable ([TLV]) -> [TLV] = { $0 }) async throws -> String {
        let card = try #require(CardProfile.standard(named: profile))
        let proof = Mutex<String?>(nil)
        let runner = KernelRunner(
            configuration: .standard, channel: VirtualCardChannel(card: VirtualCard(profile: card), interface: interface),
            readPIN: { _ in try? PINEntry("1234") },
            authorize: { request in
                let fields = try? self.cardPresentFields(request, readMethod: interface == .contact ? "contact_emv" : "contactless_emv",
                                                         prefix: "vtpe_card_present", withPIN: false, tamper: tamper)
                proof.withLock { $0 = fields?.joined(separator: "&") }
                return .unableToGoOnline
            })
        _ = await runner.run(Transaction(amount: Money(minorUnits: amount, currency: .usd), date: try TransactionDate(Date()),
                                         unpredictableNumber: UInt32.random(in: 0...UInt32.max), entryMode: interface))
        return try #require(proof.withLock { $0 })
    }

    /// A swipe sale of `track` (created and confirmed at once), with extra form fields; returns the intent.
    func swipeSale(_ track: Track2, amount: Int64, currency: String = "eur", _ extra: String = "") async throws -> [String: Any] {
        let response = try await client.post("/v1/payment_intents", try swipeForm(track, amount: amount, currency: currency) + extra)
        #expect(response.status == .ok, "\(String(buffer: response.body).prefix(400))")
        return response.json
    }
}

/// Track 2 of a card number, valid until December 2034.
func track(_ number: String, expiry: String = "3412") throws -> Track2 {
    try Track2(parsing: "\(number)=\(expiry)201000000000")
}

extension Dictionary where Key == String, Value == Any {
    /// `payment_method_details.card_present` of an expanded `latest_charge`, or of a charge.
    var cardPresent: [String: Any]? {
        let charge = self["latest_charge"] as? [String: Any] ?? self
        return (charge["payment_method_details"] as? [String: Any])?["card_present"] as? [String: Any]
    }

    subscript(object key: String) -> [String: Any]? { self[key] as? [String: Any] }
}
