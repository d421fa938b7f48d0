import Testing
import PaymentCore
@testable import EMV

/// PSD2 RTS art. 11 counted on the card: a tap without a PIN is allowed while the taps since the last PIN number at
/// most five and add up to at most EUR 150; beyond, the card asks for the online PIN (CTQ 9F6C byte 1 bit 8).
@Suite struct ContactlessSCATests {
    static let profile = Fixture.profile("visa_contactless_sca")

    /// Taps `amount` and returns the run; the PIN is entered when asked.
    static func tap(_ amount: Int64, _ card: inout VirtualCard, pins: [PINEntry?] = [Fixture.pin]) -> Run {
        drive(Fixture.transaction(amount, .contactless), card: &card, pins: pins)
    }

    @Test func sixthTapInARowAsksForThePIN() throws {
        var card = VirtualCard(profile: Self.profile)
        for count in 1...5 {
            let run = Self.tap(1000, &card)
            #expect(run.pinRequests.isEmpty, "tap \(count)")
            #expect(run.outcome?.decision == .approvedOnline)
            #expect(card.tapsWithoutPIN == count)
        }
        #expect(card.amountWithoutPIN == 5000)
        let sixth = Self.tap(1000, &card)
        // The GPO answer in format 2, CTQ 80 00: online PIN required.
        let gpo = try #require(sixth.commands.firstIndex { $0.ins == 0xA8 })
        var replay = VirtualCard(profile: Self.profile)
        for _ in 1...5 { _ = Self.tap(1000, &replay) }
        _ = replay.reset(interface: .contactless)
        var response = ResponseAPDU(status: .success)
        for command in sixth.commands[...gpo] { response = replay.process(command) }
        #expect(HexCoding.encode(response.data).hasSuffix("9F6C028000"))
        #expect(response.data.first == 0x77)
        #expect(sixth.pinRequests == [.online])
        let outcome = try #require(sixth.outcome)
        #expect(outcome.decision == .approvedOnline)
        #expect(outcome.cardholderVerification == .onlinePIN)
        #expect(outcome.cvmResults.map { HexCoding.encode($0.bytes) } == "020000")
        #expect(sixth.onlineRequest?.onlinePIN == Fixture.pin)
        // The PIN sets the counters back: the next tap goes without one.
        #expect(card.tapsWithoutPIN == 0)
        #expect(card.amountWithoutPIN == 0)
        #expect(Self.tap(1000, &card).pinRequests.isEmpty)
    }

    @Test func tapBeyondTheCumulativeAmountAsksForThePIN() {
        var card = VirtualCard(profile: Self.profile)
        for _ in 1...3 { #expect(Self.tap(4000, &card).pinRequests.isEmpty) }
        // 120.00 so far: 30.00 more makes 150.00, still allowed; 40.00 would make 160.00.
        #expect(Self.tap(3000, &card).pinRequests.isEmpty)
        #expect(card.amountWithoutPIN == 15000)
        #expect(Self.tap(100, &card).pinRequests == [.online])
    }

    @Test func firstTapsAnswerCTQWithoutPIN() throws {
        var card = VirtualCard(profile: Self.profile)
        _ = card.reset(interface: .contactless)
        let select = try CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: hex("A0000000031010"), le: 0x00)
        #expect(card.process(select).status == .success)
        let pdol = hex("36004000") + hex("000000001000") + hex("000000000000") + hex("0840") + hex("0000000000") + hex("0978") + hex("261126") + hex("00") + hex("12345678")
        let response = card.process(try CommandAPDU(cla: 0x80, ins: 0xA8, p1: 0x00, p2: 0x00, data: [0x83, UInt8(pdol.count)] + pdol, le: 0x00))
        #expect(response.status == .success)
        #expect(HexCoding.encode(response.data) == "771382021C8094080801010010010200" + "9F6C020000")
    }

    @Test func tapThatGoesOnWithoutTheAskedPINIsDeclinedByTheCard() throws {
        var card = VirtualCard(profile: Self.profile)
        for _ in 1...5 { _ = Self.tap(1000, &card) }
        // The cardholder cancels the PIN: the CVM fails and the card answers the GENERATE AC with an AAC.
        let run = Self.tap(1000, &card, pins: [nil])
        let outcome = try #require(run.outcome)
        #expect(outcome.decision == .declinedOffline)
        #expect(outcome.cryptogramInformationData == 0x00)
        #expect(card.tapsWithoutPIN == 5)
    }

    @Test func insertedCardWithPINSetsTheCountersBack() {
        var card = VirtualCard(profile: Self.profile)
        for _ in 1...5 { _ = Self.tap(1000, &card) }
        let inserted = drive(Fixture.transaction(1000, .contact), card: &card)
        #expect(inserted.outcome?.cardholderVerification == .onlinePIN)
        #expect(card.tapsWithoutPIN == 0)
        #expect(Self.tap(1000, &card).pinRequests.isEmpty)
    }

    @Test func countersSurviveTheCardLeavingTheField() {
        var card = VirtualCard(profile: Self.profile)
        for _ in 1...2 { _ = Self.tap(1000, &card) }
        _ = card.reset(interface: .contactless)
        _ = card.reset(interface: .contact)
        #expect(card.tapsWithoutPIN == 2)
    }

    @Test func profileValidationNamesWhatTheCountersNeed() {
        func location(_ profile: CardProfile) -> String? {
            do throws(EMVError) {
                _ = try profile.validated()
                return nil
            } catch {
                return error.location
            }
        }
        #expect(location(Self.profile) == nil)
        var profile = Self.profile
        profile.cdol1 = CardProfile.Scheme.visa.defaultCDOL1
        #expect(location(profile) == "cdol1")
        profile = Self.profile
        profile.pdol = DOL(entries: [])
        #expect(location(profile) == "pdol")
        profile = Self.profile
        profile.scheme = .mastercard
        #expect(location(profile) == "contactless_sca")
        profile = Self.profile
        profile.contactlessSCA = .init(cumulativeAmountLimit: 0, consecutiveTransactionLimit: 5)
        #expect(location(profile) == "contactless_sca")
    }
}
