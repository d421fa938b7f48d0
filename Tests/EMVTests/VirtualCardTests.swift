import Testing
import PaymentCore
@testable import EMV
import Foundation

/// The virtual card as an APDU processor: status words for every error, PIN handling, cryptograms.
@Suite struct VirtualCardTests {
    static func apdu(_ text: String) -> CommandAPDU { try! CommandAPDU(bytes: hex(text)) }

    /// A card selected on its first application and past GET PROCESSING OPTIONS.
    static func processingCard(_ name: String = "mastercard_credit") -> VirtualCard {
        var card = VirtualCard(profile: Fixture.profile(name))
        _ = card.process(try! .select(name: card.profile.applications[0].aid))
        let pdol = card.profile.pdol.totalLength
        let data = [0x83, UInt8(pdol)] + [UInt8](repeating: 0, count: pdol)
        #expect(card.process(try! CommandAPDU(cla: 0x80, ins: 0xA8, p1: 0, p2: 0, data: data, le: 0)).status == .success)
        return card
    }

    @Test func statusWordsForErrors() {
        var card = VirtualCard(profile: Fixture.profile("mastercard_credit"))
        #expect(card.process(Self.apdu("80A8000002830000")).status == .conditionsNotSatisfied)  // GPO before SELECT
        #expect(card.process(Self.apdu("00B2010C00")).status == .conditionsNotSatisfied)      // READ RECORD before SELECT
        #expect(card.process(Self.apdu("00A4040007A000000003101000")).status == .fileNotFound) // not on this card
        #expect(card.process(Self.apdu("00A4040100")).status == .incorrectP1P2)
        #expect(card.process(Self.apdu("00A4040000")).status == .wrongLength)
        #expect(card.process(CommandAPDU.selectPPSE).status == .fileNotFound)                  // contact: no PPSE
        #expect(card.process(Self.apdu("00A4040005A000000004")).status == .success)            // partial name
        #expect(card.process(Self.apdu("80A8000003830100")).status == .wrongLength)            // PDOL is empty
        #expect(card.process(Self.apdu("80A8000002840000")).status == .wrongData)
        #expect(card.process(Self.apdu("80AE80000100")).status == .conditionsNotSatisfied)     // GENERATE AC before GPO
        #expect(card.process(Self.apdu("00200080082412 34FFFFFFFFFF".replacingOccurrences(of: " ", with: ""))).status == .conditionsNotSatisfied)
        #expect(card.process(Self.apdu("80A8000002830000")).status == .success)
        #expect(card.process(Self.apdu("80A8000002830000")).status == .conditionsNotSatisfied) // second GPO
        #expect(card.process(Self.apdu("00B2010800")).status == .incorrectP1P2)
        #expect(card.process(Self.apdu("00B2090C00")).status == .recordNotFound)
        #expect(card.process(Self.apdu("00B2011C00")).status == .fileNotFound)
        #expect(card.process(Self.apdu("80CA9F3600")).data == hex("9F36020021"))
        #expect(card.process(Self.apdu("80CA9F4F00")).status == StatusWord(0x6A88))
        #expect(card.process(Self.apdu("0020008804AABBCCDD")).status == .incorrectP1P2)        // enciphered PIN
        #expect(card.process(Self.apdu("0020008004AABBCCDD")).status == .wrongLength)
        #expect(card.process(Self.apdu("0020008008AABBCCDDEEFF0011")).status == .wrongData)
        #expect(card.process(Self.apdu("80AE8000021234")).status == .wrongLength)
        #expect(card.process(Self.apdu("80AEC000021234")).status == .incorrectP1P2)
        #expect(card.process(Self.apdu("0082000008AABBCCDDEEFF0011")).status == .conditionsNotSatisfied)
        #expect(card.process(Self.apdu("00840000")).status == .insNotSupported)
        #expect(card.process(Self.apdu("84A4040000")).status == .claNotSupported)
    }

    @Test func pinTriesCountDownThenBlock() {
        var card = Self.processingCard()
        let wrong = try! CommandAPDU(cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: Fixture.wrongPIN.format2Block())
        let right = try! CommandAPDU(cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: Fixture.pin.format2Block())
        #expect(card.process(wrong).status.description == "63C2 (verification failed, 2 tries left)")
        #expect(card.process(right).status == .success)
        #expect(card.pinTriesRemaining == 3)
        #expect(card.process(wrong).status == .verificationFailed(triesLeft: 2))
        #expect(card.process(wrong).status == .verificationFailed(triesLeft: 1))
        #expect(card.process(wrong).status == .verificationFailed(triesLeft: 0))
        #expect(card.process(right).status == .authenticationMethodBlocked)
        #expect(card.process(Self.apdu("80CA9F1700")).data == hex("9F170100"))
        // The counter is persistent: a new session still finds the PIN blocked.
        card.reset(interface: .contact)
        var again = card
        _ = again.process(try! .select(name: hex("A0000000041010")))
        _ = again.process(Self.apdu("80A8000002830000"))
        #expect(again.process(right).status == .authenticationMethodBlocked)
    }

    @Test func kernelOfflinePINRetriesThenFallsBack() throws {
        var card = VirtualCard(profile: Fixture.profile("mastercard_credit"))
        let retried = drive(Fixture.transaction(1000, .contact), card: &card, pins: [Fixture.wrongPIN, Fixture.pin])
        #expect(retried.pinRequests == [.offline(triesLeft: 3), .offline(triesLeft: 2)])
        #expect(retried.outcome?.cvmResults?.bytes == hex("410302"))
        #expect(card.pinTriesRemaining == 3)

        let exhausted = drive(Fixture.transaction(1000, .contact), card: &card, pins: [Fixture.wrongPIN, Fixture.wrongPIN, Fixture.wrongPIN, nil])
        #expect(exhausted.pinRequests == [.offline(triesLeft: 3), .offline(triesLeft: 2), .offline(triesLeft: 1), .online])
        let outcome = try #require(exhausted.outcome)
        // PIN try limit exceeded, online PIN bypassed, signature accepted.
        #expect(outcome.tvr.contains([.pinTryLimitExceeded, .pinNotEntered]))
        #expect(outcome.cvmResults?.bytes == hex("5E0300"))
        #expect(outcome.cardholderVerification == .signature)
        #expect(card.pinTriesRemaining == 0)

        // Next time GET DATA says 0 tries: no offline PIN is asked for.
        let blocked = drive(Fixture.transaction(1000, .contact), card: &card, pins: [Fixture.pin])
        #expect(blocked.pinRequests == [.online])
        #expect(blocked.outcome?.tvr.contains(.pinTryLimitExceeded) == true)
    }

    @Test func atcCountsTransactions() {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        #expect(card.atc == 16)
        drive(Fixture.transaction(1000, .contact), card: &card)
        drive(Fixture.transaction(1000, .contactless), card: &card)
        #expect(card.atc == 18)
    }

    @Test func interruptedOnlineTransactionIsRememberedInTheCVR() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        // Pulled out just after answering the ARQC: no second GENERATE AC.
        let first = drive(Fixture.transaction(1000, .contact), card: &card, respond: { index, _, response in
            index == 8 ? nil : response
        })
        #expect(first.outcome?.decision == .terminated(.cardRemoved))
        let second = drive(Fixture.transaction(1000, .contact), card: &card)
        let iad = try #require(IssuerApplicationData(bytes: second.onlineRequest?.values[0x9F10] ?? []))
        #expect(iad.cardVerificationResults.contains(.lastOnlineTransactionNotCompleted))
        #expect(second.outcome?.decision == .approvedOnline)
    }

    @Test func channelRemovalAndInterfaces() async throws {
        let channel = VirtualCardChannel(card: VirtualCard(profile: Fixture.profile("offline_pin")), interface: .contact)
        #expect(try await channel.transmit(.selectPSE).status == .success)
        await channel.remove()
        await #expect(throws: EMVError(.cardRemoved, "the card was removed")) { try await channel.transmit(.selectPSE) }
        await channel.tap()
        await #expect(throws: EMVError(.cardNotResponding, "the card does not answer on the contactless interface")) {
            try await channel.transmit(.selectPPSE)
        }
        await channel.insert()
        #expect(try await channel.transmit(.selectPSE).status == .success)
        #expect(await channel.exchanges.count == 2)
    }
}
