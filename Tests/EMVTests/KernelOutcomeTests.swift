import Testing
import PaymentCore
import PaymentCrypto
@testable import EMV

/// One transaction per card profile and entry mode, with the expected decision, TVR, TSI and CVM results.
@Suite struct KernelOutcomeTests {
    struct Expectation: Sendable, CustomStringConvertible {
        var profile: String
        var mode: CardInterface
        var amount: Int64 = 1000
        var decision: KernelDecision
        var tvr: String
        var tsi: String
        var cvm: String?
        var verification: CardholderVerification

        var description: String { "\(profile) \(mode) \(amount)" }
    }

    static let notResponding: KernelDecision = .terminated(.communicationFailed("the card does not answer on the contactless interface"))

    static let expectations: [Expectation] = [
        .init(profile: "visa_credit", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "420300", verification: .onlinePIN),
        .init(profile: "visa_credit", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "visa_credit", mode: .contactless, amount: 10000, decision: .approvedOnline, tvr: "8000048000", tsi: "6800", cvm: "420300", verification: .onlinePIN),
        .init(profile: "visa_debit", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "020000", verification: .onlinePIN),
        .init(profile: "visa_debit", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "mastercard_credit", mode: .contact, decision: .approvedOffline, tvr: "8000000000", tsi: "6800", cvm: "410302", verification: .offlinePIN),
        .init(profile: "mastercard_credit", mode: .contact, amount: 10000, decision: .approvedOnline, tvr: "8000008000", tsi: "7800", cvm: "410302", verification: .offlinePIN),
        .init(profile: "mastercard_credit", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "mastercard_debit", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "020000", verification: .onlinePIN),
        .init(profile: "mastercard_debit", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "mastercard_contactless_only", mode: .contact, decision: .terminated(.communicationFailed("the card does not answer on the contact interface")), tvr: "0000000000", tsi: "0000", cvm: nil, verification: .notPerformed),
        .init(profile: "mastercard_contactless_only", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "mastercard_contactless_only", mode: .contactless, amount: 10000, decision: .approvedOnline, tvr: "8000008000", tsi: "6800", cvm: "010002", verification: .consumerDevice),
        // Phones: wallets' device numbers, verified on the device above the CVM limit (CDCVM).
        .init(profile: "visa_apple_pay", mode: .contact, decision: .terminated(.communicationFailed("the card does not answer on the contact interface")), tvr: "0000000000", tsi: "0000", cvm: nil, verification: .notPerformed),
        .init(profile: "visa_apple_pay", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "visa_apple_pay", mode: .contactless, amount: 10000, decision: .approvedOnline, tvr: "8000008000", tsi: "6800", cvm: "010002", verification: .consumerDevice),
        .init(profile: "mastercard_google_pay", mode: .contact, decision: .terminated(.communicationFailed("the card does not answer on the contact interface")), tvr: "0000000000", tsi: "0000", cvm: nil, verification: .notPerformed),
        .init(profile: "mastercard_google_pay", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "mastercard_google_pay", mode: .contactless, amount: 10000, decision: .approvedOnline, tvr: "8000008000", tsi: "6800", cvm: "010002", verification: .consumerDevice),
        .init(profile: "offline_pin", mode: .contact, decision: .approvedOffline, tvr: "8000000000", tsi: "6800", cvm: "010002", verification: .offlinePIN),
        .init(profile: "offline_pin", mode: .contactless, decision: notResponding, tvr: "0000000000", tsi: "0000", cvm: nil, verification: .notPerformed),
        .init(profile: "online_pin", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "020000", verification: .onlinePIN),
        .init(profile: "online_pin", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "expired", mode: .contact, decision: .declinedOffline, tvr: "8040000000", tsi: "6800", cvm: "5E0300", verification: .signature),
        .init(profile: "expired", mode: .contactless, decision: .declinedOffline, tvr: "8040008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "pin_blocked", mode: .contact, decision: .declinedOffline, tvr: "8000A00000", tsi: "6800", cvm: "010001", verification: .failed),
        .init(profile: "pin_blocked", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "declines_offline", mode: .contact, decision: .declinedOffline, tvr: "8000000000", tsi: "6800", cvm: "5E0300", verification: .signature),
        .init(profile: "declines_offline", mode: .contactless, decision: .declinedOffline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "visa_19_digit", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "420300", verification: .onlinePIN),
        .init(profile: "visa_19_digit", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        // Co-badged Cartes Bancaires cards: the standard terminal has no CB AID, so it selects the Visa / Mastercard one.
        .init(profile: "cb_visa", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "420300", verification: .onlinePIN),
        .init(profile: "cb_visa", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        .init(profile: "cb_mastercard", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "420300", verification: .onlinePIN),
        .init(profile: "cb_mastercard", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
        // A card with PSD2 counters: its first tap needs no PIN; inserted, it asks for the online PIN as any Visa.
        .init(profile: "visa_contactless_sca", mode: .contact, decision: .approvedOnline, tvr: "8000040000", tsi: "7800", cvm: "420300", verification: .onlinePIN),
        .init(profile: "visa_contactless_sca", mode: .contactless, decision: .approvedOnline, tvr: "8000008000", tsi: "2800", cvm: "1F0002", verification: .noneRequired),
    ]

    @Test func everyProfileAndInterfaceIsCovered() {
        for profile in CardProfile.standard {
            for mode in CardInterface.allCases {
                #expect(Self.expectations.contains { $0.profile == profile.name && $0.mode == mode }, "\(profile.name) \(mode)")
            }
        }
    }

    @Test(arguments: expectations)
    func transaction(_ expected: Expectation) throws {
        var card = VirtualCard(profile: Fixture.profile(expected.profile))
        let run = drive(Fixture.transaction(expected.amount, expected.mode), card: &card)
        let outcome = try #require(run.outcome)
        #expect(outcome.decision == expected.decision)
        #expect(outcome.tvr.hex == expected.tvr)
        #expect(outcome.tsi.hex == expected.tsi)
        #expect(outcome.cvmResults.map { HexCoding.encode($0.bytes) } == expected.cvm)
        #expect(outcome.cardholderVerification == expected.verification)
        if let request = run.onlineRequest {
            // The ARQC, rebuilt and verified without the EMV module's helpers.
            #expect(try IndependentIssuer.verify(request))
            #expect(try TestIssuer.verifyCryptogram(in: request.values, pan: request.pan, psn: request.panSequenceNumber ?? 0))
            #expect(request.values[0x9F27] == [0x80])
        }
        if expected.decision.isApproved || expected.decision == .declinedOffline {
            #expect(outcome.data[0x95] == outcome.tvr.bytes)
            #expect(outcome.data[0x9F34] == outcome.cvmResults?.bytes)
            #expect(outcome.applicationCryptogram?.count == 8)
        }
    }

    @Test func offlineApprovalCryptogramIsATCTheIssuerCanVerify() throws {
        var card = VirtualCard(profile: Fixture.profile("offline_pin"))
        let outcome = try #require(drive(Fixture.transaction(1000, .contact), card: &card).outcome)
        #expect(outcome.decision == .approvedOffline)
        #expect(outcome.cryptogramInformationData == 0x40)
        let profile = Fixture.profile("offline_pin")
        #expect(try TestIssuer.verifyCryptogram(in: outcome.data, pan: profile.pan, psn: profile.psn))
        #expect(outcome.atc == 8)
        #expect(card.consecutiveOfflineTransactions == 1)
    }

    @Test func onlineRequestCarriesTheDE55TagsInOrder() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let request = try #require(drive(Fixture.transaction(1000, .contact), card: &card).onlineRequest)
        #expect(request.tlv.map(\.tag.hex) == [
            "9F26", "9F27", "9F10", "9F37", "9F36", "95", "9A", "9C", "9F02", "5F2A", "82", "9F1A", "9F33", "9F34",
            "84", "9F35", "9F03", "5F34", "57", "9F09", "9F1E",
        ])
        #expect(request.values[0x9F10] == hex("06011203A00000"))
        #expect(request.values[0x9F02] == hex("000000001000"))
        #expect(request.values[0x95] == hex("8000040000"))
        #expect(request.onlinePIN == Fixture.pin)
        #expect(request.pan.revealDigits() == "4242424242424242")
        #expect(request.panSequenceNumber == 1)
        // DE55 decodes back to the same objects.
        #expect(try BERTLV.decode(request.de55) == request.tlv)
        // The IAD's CVR says: ARQC on the first GENERATE AC, second not yet requested.
        let iad = try #require(IssuerApplicationData(bytes: request.values[0x9F10] ?? []))
        #expect(iad.cardVerificationResults == [.secondACNotRequested, .firstACARQC])
    }

    @Test func nineteenDigitCardUsesOptionB() throws {
        let profile = Fixture.profile("visa_19_digit")
        #expect(TestIssuer.derivationOption(for: profile.pan) == .b)
        let optionA = try EMVKeys.iccMasterKey(issuerMasterKey: TestIssuer.applicationCryptogramMasterKey, pan: profile.pan.revealDigits(), psn: 0, option: .a)
        #expect(try TestIssuer.cardMasterKey(pan: profile.pan, psn: 0) != optionA)
    }
}
