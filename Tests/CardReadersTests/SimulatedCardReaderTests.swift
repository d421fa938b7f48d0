import Foundation
import PaymentCore
import Testing
@testable import CardReaders

@Suite struct SimulatedCardReaderTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000) // November 2026

    @Test func presentsCatalogCardsByNameNumberKeyAndPaymentMethod() throws {
        let reader = SimulatedCardReader()
        for ref in ["visa", "4242424242424242", "4242 4242 4242 4242", "1", "pm_card_visa"] {
            let p = try reader.present(ref, mode: .contactless, now: now)
            #expect(p.track2.pan.last4 == "4242", "\(ref)")
        }
        #expect(try reader.card(for: "2").pan?.last4 == "9995")
    }

    @Test func track2CarriesFutureExpiryAndChipServiceCode() throws {
        let card = try #require(TestCardCatalog.standard.card(named: "visa"))
        let p = try SimulatedCardReader.presentation(of: card, mode: .contact, now: now)
        #expect(p.track2.expiry == (try Expiry(month: 12, year: 2030)))
        #expect(p.track2.serviceCode.isChipCard)
        #expect(p.track2.formatted(separator: "=", sentinels: false) == "4242424242424242=3012201000000000")
        #expect(p.entryMode == .contact)
    }

    @Test func eventsArriveInOrder() async throws {
        let reader = SimulatedCardReader()
        try reader.present("mastercard", mode: .magstripe, now: now)
        reader.remove()
        var it = reader.events.makeAsyncIterator()
        guard case .cardPresented(let p)? = await it.next() else { Issue.record("no card"); return }
        #expect(p.track2.pan.brand == .mastercard)
        #expect(p.entryMode == .magstripe)
        #expect(await it.next() == .cardRemoved)
    }

    @Test func unknownAndUnreadableCardsSayWhyWithoutEchoingNumbers() throws {
        let reader = SimulatedCardReader()
        #expect(throws: CardReaderError.unknownCard("nosuch")) { try reader.present("nosuch", mode: .contactless, now: now) }
        do {
            try reader.present("4000123456789017", mode: .contactless, now: now)
            Issue.record("an unknown number was accepted")
        } catch {
            #expect(!error.description.contains("4000123456789017"))
            #expect(error.description.contains("…9017"))
        }
        #expect(throws: CardReaderError.self) { try reader.present("4242424242424241", mode: .contactless, now: now) }
    }

    @Test func presentationDescriptionIsMasked() throws {
        let p = try SimulatedCardReader.presentation(of: #require(TestCardCatalog.standard.card(named: "visa")), mode: .contactless, now: now)
        #expect("\(p)" == "TAP 424242******4242")
        #expect(!String(reflecting: p).contains("4242424242424242"))
    }
}
