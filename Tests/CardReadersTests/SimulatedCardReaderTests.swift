import EMV
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
            #expect(p.knownPAN?.last4 == "4242", "\(ref)")
        }
        #expect(try reader.card(for: "2").pan?.last4 == "9995")
    }

    @Test func swipeCarriesTrack2WithChipServiceCode() throws {
        let reader = SimulatedCardReader()
        // A generic card: expiry four years ahead, December; service code 201.
        let amex = try #require(TestCardCatalog.standard.card(named: "amex"))
        guard case .magstripe(let track) = try reader.presentation(of: amex, mode: .magstripe, now: now).medium else {
            Issue.record("a swipe gives track 2"); return
        }
        #expect(track.expiry == (try Expiry(month: 12, year: 2030)))
        #expect(track.serviceCode.isChipCard)
        #expect(track.formatted(separator: "=", sentinels: false) == "378282246310005=30122011000000000")
        // A card with a bundled chip profile swipes with that profile's stripe.
        let visa = try #require(TestCardCatalog.standard.card(named: "visa"))
        guard case .magstripe(let visaTrack) = try reader.presentation(of: visa, mode: .magstripe, now: now).medium else { return }
        #expect(visaTrack.expiry == (try Expiry(month: 12, year: 2030)) && visaTrack.pan.last4 == "4242")
    }

    @Test func tapsAndInsertsAreChipSessionsThatKeepTheCardsCounters() async throws {
        let reader = SimulatedCardReader()
        let p = try reader.present("visa", mode: .contact, now: now)
        guard case .chip(let chip) = p.medium else { Issue.record("an insert gives a chip"); return }
        #expect(p.entryMode == .contact && chip.knownPAN?.last4 == "4242")
        let select = try CommandAPDU(cla: 0, ins: 0xA4, p1: 4, p2: 0, data: Array("1PAY.SYS.DDF01".utf8), le: 0)
        #expect(try await chip.channel.transmit(select).status == .success)
        // Taken out mid-dialogue: the next command fails as a removal.
        reader.remove()
        await #expect(throws: EMVError.self) { try await chip.channel.transmit(select) }
        // A contact-only card cannot be tapped.
        #expect(throws: CardReaderError.noChipOn("offline_pin", .contactless)) { try reader.present("offline_pin", mode: .contactless, now: now) }
    }

    @Test func eventsArriveInOrder() async throws {
        let reader = SimulatedCardReader()
        try reader.present("mastercard", mode: .magstripe, now: now)
        reader.remove()
        var it = reader.events.makeAsyncIterator()
        guard case .cardPresented(let p)? = await it.next() else { Issue.record("no card"); return }
        #expect(p.knownPAN?.brand == .mastercard)
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
        let p = try SimulatedCardReader().presentation(of: #require(TestCardCatalog.standard.card(named: "visa")), mode: .contactless, now: now)
        #expect("\(p)" == "TAP 424242******4242")
        #expect(!String(reflecting: p).contains("4242424242424242"))
    }
}
