import EMV
import Foundation
import NIOCore
import HTTPTypes
import PaymentCore
import Testing
@testable import Gateway

/// Co-badged Cartes Bancaires cards: the issuer accepts their cryptograms whichever application was chosen, and the
/// charge's `network` follows the application (84), while `brand` stays the international one.
@Suite struct CoBadgedCardTests {
    static let cb: [UInt8] = [0xA0, 0x00, 0x00, 0x00, 0x42, 0x10, 0x10]

    /// The standard terminal, plus the CB AID (a French terminal's list).
    static var frenchTerminal: TerminalConfiguration {
        var configuration = TerminalConfiguration.standard
        configuration.applications.append(.init(aid: cb, applicationVersion: [0x00, 0x02], priority: 0))
        return configuration
    }

    @Test func catalogHasTheCoBadgedCards() throws {
        for (name, number, second) in [("cb_visa", "4000002500001001", "A0000000031010"), ("cb_mastercard", "5555552500001001", "A0000000041010")] {
            let profile = try #require(CardProfile.standard(named: name))
            #expect(profile.pan.revealDigits() == number)
            #expect(profile.applications.map { HexCoding.encode($0.aid) } == ["A0000000421010", second])
            #expect(profile.applications.map(\.priority) == [1, 2])
            #expect(profile.interfaces == [.contact, .contactless])
            let card = try #require(TestCardCatalog.standard.card(number: number))
            #expect(card.outcome == .approved && card.name == profile.testCardName)
        }
    }

    @Test(arguments: [("cb_visa", "visa", "A0000000031010"), ("cb_mastercard", "mastercard", "A0000000041010")])
    func networkFollowsTheChosenApplication(profile: String, brand: String, international: String) async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            for (choice, network) in [("A0000000421010", "cartes_bancaires"), (international, brand)] {
                let outcome = try await terminal.run(profile, amount: 3000, configuration: Self.frenchTerminal, chooseApplication: { candidates in
                    candidates.firstIndex { HexCoding.encode($0.aid) == choice }
                })
                #expect(outcome.decision == .approvedOnline, "\(profile) \(choice): \(outcome)")
                let details = try #require(terminal.cardPresent)
                #expect(details["network"] as? String == network && details["brand"] as? String == brand, "\(profile) \(choice)")
                #expect((details["receipt"] as? [String: Any])?["dedicated_file_name"] as? String == choice)
                #expect((details["emv_auth_data"] as? String)?.hasPrefix("8A023030910A") == true)
            }
            // A tap takes the card's first priority: CB.
            #expect(try await terminal.run(profile, amount: 1500, interface: .contactless, configuration: Self.frenchTerminal).decision == .approvedOnline)
            #expect(terminal.cardPresent?["network"] as? String == "cartes_bancaires")
            // A terminal without the CB AID uses the international application.
            #expect(try await terminal.run(profile, amount: 1500, interface: .contactless).decision == .approvedOnline)
            #expect(terminal.cardPresent?["network"] as? String == brand)
        }
    }

    @Test func networkIsPure() {
        #expect(CardPresentDetails.network(brand: .visa, chip: ChipData([TLV(tag: .dedicatedFileName, value: Self.cb)])) == "cartes_bancaires")
        #expect(CardPresentDetails.network(brand: .mastercard, chip: ChipData([TLV(tag: .applicationIdentifier, value: Self.cb)])) == "cartes_bancaires")
        #expect(CardPresentDetails.network(brand: .visa, chip: ChipData([TLV(tag: .dedicatedFileName, value: [0xA0, 0, 0, 0, 0x03, 0x10, 0x10])])) == "visa")
        #expect(CardPresentDetails.network(brand: .visa, chip: nil) == "visa")
    }
}
