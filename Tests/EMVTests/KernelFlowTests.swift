import Testing
import PaymentCore
import PaymentCrypto
@testable import EMV

/// Exact APDU dialogues and the online, issuer-authentication and selection paths.
@Suite struct KernelFlowTests {
    @Test func contactDialogueWithOnlinePINAndExternalAuthenticate() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(1000, .contact), card: &card)
        #expect(run.commandHex == [
            "00 A4 04 00 0E 31 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00",  // SELECT PSE
            "00 B2 01 0C 00",  // READ RECORD directory SFI 1, record 1
            "00 B2 02 0C 00",  // record 2 → 6A83, end of directory
            "00 A4 04 00 07 A0 00 00 00 03 10 10 00",  // SELECT Visa
            "80 A8 00 00 23 83 21 00 00 00 00 00 00 00 00 10 00 00 00 00 00 00 00 08 40 00 00 00 00 00 08 40 26 11 26 00 12 34 56 78 00",
            "00 B2 01 0C 00",  // SFI 1 record 1
            "00 B2 01 14 00",  // SFI 2 record 1
            "00 B2 02 14 00",  // SFI 2 record 2
            "80 AE 80 00 1D 00 00 00 00 10 00 00 00 00 00 00 00 08 40 80 00 04 00 00 08 40 26 11 26 00 12 34 56 78 00",  // ARQC
            "00 82 00 00 0A 5E C2 E9 E7 CE 65 A4 9A 30 30",  // EXTERNAL AUTHENTICATE: ARPC ‖ "00"
            "80 AE 40 00 1F 30 30 00 00 00 00 10 00 00 00 00 00 00 00 08 40 80 00 04 00 00 08 40 26 11 26 00 12 34 56 78 00",  // TC
        ])
        #expect(run.pinRequests == [.online])
        let outcome = try #require(run.outcome)
        #expect(outcome.decision == .approvedOnline)
        #expect(outcome.cryptogramInformationData == 0x40)
        #expect(outcome.authorisationResponseCode == "00")
        #expect(outcome.atc == 17)
        #expect(outcome.applicationLabel == "VISA CREDIT")
    }

    @Test func contactlessDialogueEndsAfterTheFirstGenerateAC() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(1000, .contactless), card: &card)
        #expect(run.commandHex == [
            "00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00",  // SELECT PPSE
            "00 A4 04 00 07 A0 00 00 00 03 10 10 00",
            // PDOL data starts with the TTQ: 36 80 40 00 (online cryptogram required: over the contactless floor limit).
            "80 A8 00 00 23 83 21 36 80 40 00 00 00 00 00 10 00 00 00 00 00 00 00 08 40 00 00 00 00 00 08 40 26 11 26 00 12 34 56 78 00",
            "00 B2 01 0C 00",
            "00 B2 01 14 00",
            "00 B2 02 14 00",
            "80 AE 80 00 1D 00 00 00 00 10 00 00 00 00 00 00 00 08 40 80 00 00 80 00 08 40 26 11 26 00 12 34 56 78 00",
        ])
        #expect(run.outcome?.decision == .approvedOnline)
    }

    @Test func contactDialogueWithOfflinePINAndCombinedIssuerAuthentication() throws {
        var card = VirtualCard(profile: Fixture.profile("mastercard_credit"))
        let run = drive(Fixture.transaction(10000, .contact), card: &card)
        #expect(Array(run.commandHex[8...]) == [
            "80 CA 9F 17 00",  // GET DATA PIN try counter
            "00 20 00 80 08 24 12 34 FF FF FF FF FF",  // VERIFY, format 2 block of 1234
            "80 AE 80 00 2B 00 00 00 01 00 00 00 00 00 00 00 00 08 40 80 00 00 80 00 08 40 26 11 26 00 12 34 56 78 22 00 00 00 00 00 00 00 00 00 00 41 03 02 00",
            // CDOL2: 91 (ARPC ‖ ARC), 8A, TVR, UN, ICC dynamic number.
            "80 AE 40 00 1D A0 F5 8E D6 A9 E1 55 58 30 30 30 30 80 00 00 80 00 12 34 56 78 00 00 00 00 00 00 00 00 00",
        ])
        #expect(run.outcome?.decision == .approvedOnline)
        #expect(run.outcome?.tsi.contains(.issuerAuthenticationPerformed) == true)
    }

    @Test func arpcIsMethodOneOverTheARQC() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(1000, .contact), card: &card)
        let request = try #require(run.onlineRequest)
        let imk = try SymmetricKey(hex: "9E15204313F7318ACB79B90BD986AD29")
        let mk = try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: "4242424242424242", psn: 1, option: .a)
        let sk = try EMVKeys.sessionKey(masterKey: mk, atc: 17)
        let arpc = try ApplicationCryptogram.arpcMethod1(sessionKey: sk, arqc: request.values[0x9F26] ?? [], arc: hex("3030"))
        #expect(run.commands[9].data == arpc + hex("3030"))
    }

    @Test(arguments: ["visa_credit", "mastercard_credit"])
    func badARPCMakesTheCardDecline(profile: String) throws {
        var card = VirtualCard(profile: Fixture.profile(profile))
        let issuer = IndependentIssuer(corruptARPC: true)
        let outcome = try #require(drive(Fixture.transaction(10000, .contact), card: &card, online: issuer.respond).outcome)
        #expect(outcome.decision == .declinedByCardAfterOnlineApproval)
        #expect(outcome.cryptogramInformationData == 0x00)
        #expect(outcome.tsi.contains(.issuerAuthenticationPerformed))
        let iad = try #require(IssuerApplicationData(bytes: outcome.data[0x9F10] ?? []))
        #expect(iad.cardVerificationResults.contains(.issuerAuthenticationFailed))
        if profile == "visa_credit" {
            // Through EXTERNAL AUTHENTICATE the terminal learns of the failure itself.
            #expect(outcome.tvr.contains(.issuerAuthenticationFailed))
            #expect(outcome.tvr.hex == "8000048040")
        }
    }

    @Test func goodARPCGivesATCTheIssuerCanVerify() throws {
        let profile = Fixture.profile("visa_credit")
        var card = VirtualCard(profile: profile)
        let outcome = try #require(drive(Fixture.transaction(1000, .contact), card: &card).outcome)
        #expect(outcome.decision == .approvedOnline)
        #expect(!outcome.tvr.contains(.issuerAuthenticationFailed))
        #expect(try TestIssuer.verifyCryptogram(in: outcome.data, pan: profile.pan, psn: profile.psn))
        #expect(card.lastOnlineATC == 17)
    }

    @Test func issuerDeclineEndsDeclinedOnline() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let issuer = IndependentIssuer(responseCode: "51")
        let run = drive(Fixture.transaction(1000, .contact), card: &card, online: issuer.respond)
        #expect(run.outcome?.decision == .declinedOnline)
        #expect(run.commands.last?.p1 == 0x00)  // second GENERATE AC asks for an AAC
        #expect(run.outcome?.authorisationResponseCode == "51")

        var tap = VirtualCard(profile: Fixture.profile("visa_credit"))
        let tapped = drive(Fixture.transaction(1000, .contactless), card: &tap, online: issuer.respond)
        #expect(tapped.outcome?.decision == .declinedOnline)
    }

    @Test func unableToGoOnlineUnderTheFloorLimitApprovesWithY3() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(1000, .contact), card: &card, pins: [nil], online: { _ in .unableToGoOnline })
        let outcome = try #require(run.outcome)
        // PIN bypassed: online PIN fails, signature is next.
        #expect(outcome.cvmResults?.bytes == hex("5E0300"))
        #expect(outcome.decision == .approvedUnableToGoOnline)
        #expect(outcome.authorisationResponseCode == "Y3")
        #expect(run.commands.last?.data.prefix(2) == ArraySlice(hex("5933")))
        #expect(outcome.cryptogramInformationData == 0x40)
        // The card allows one such approval (upper consecutive offline limit 1); the next is declined.
        let second = drive(Fixture.transaction(1000, .contact), card: &card, pins: [nil], online: { _ in .unableToGoOnline })
        #expect(second.outcome?.decision == .declinedUnableToGoOnline)
    }

    @Test func unableToGoOnlineOverTheFloorLimitDeclinesWithZ3() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(10000, .contact), card: &card, online: { _ in .unableToGoOnline })
        #expect(run.outcome?.decision == .declinedUnableToGoOnline)
        #expect(run.outcome?.authorisationResponseCode == "Z3")
        #expect(run.commands.last?.p1 == 0x00)
        #expect(run.commands.last?.data.prefix(2) == ArraySlice(hex("5A33")))

        var tap = VirtualCard(profile: Fixture.profile("visa_credit"))
        let tapped = drive(Fixture.transaction(1000, .contactless), card: &tap, online: { _ in .unableToGoOnline })
        #expect(tapped.outcome?.decision == .declinedUnableToGoOnline)
        #expect(tapped.commands.count == 7)
    }

    @Test func cardholderChoosesAmongApplications() throws {
        var card = VirtualCard(profile: Fixture.profile("mastercard_debit"))
        let run = drive(Fixture.transaction(1000, .contact), card: &card, choose: 1)
        #expect(run.choices.map { $0.map(\.label) } == [["DEBIT MASTERCARD", "MAESTRO"]])
        #expect(run.choices.first?.map(\.priority) == [1, 2])
        #expect(run.commandHex[3] == "00 A4 04 00 07 A0 00 00 00 04 30 60 00")
        #expect(run.outcome?.applicationLabel == "MAESTRO")
        #expect(run.outcome?.decision == .approvedOnline)

        // Contactless never asks: the highest priority wins.
        var tap = VirtualCard(profile: Fixture.profile("mastercard_debit"))
        let tapped = drive(Fixture.transaction(1000, .contactless), card: &tap)
        #expect(tapped.choices.isEmpty)
        #expect(tapped.outcome?.applicationLabel == "DEBIT MASTERCARD")
    }

    @Test func selectAIDFailureMovesToTheNextCandidate() throws {
        var card = VirtualCard(profile: Fixture.profile("mastercard_debit"))
        // The first final SELECT (index 3) answers 6A82.
        let run = drive(Fixture.transaction(1000, .contact), card: &card, choose: 0, respond: { index, _, response in
            index == 3 ? ResponseAPDU(status: .fileNotFound) : response
        })
        // One candidate is left, so the terminal selects it without asking again.
        #expect(run.choices.count == 1)
        #expect(run.commandHex[4] == "00 A4 04 00 07 A0 00 00 00 04 30 60 00")
        #expect(run.outcome?.applicationLabel == "MAESTRO")
        #expect(run.outcome?.decision == .approvedOnline)

        var single = VirtualCard(profile: Fixture.profile("visa_credit"))
        let failed = drive(Fixture.transaction(1000, .contact), card: &single, respond: { index, _, response in
            index == 3 ? ResponseAPDU(status: .fileNotFound) : response
        })
        #expect(failed.outcome?.decision == .terminated(.noCommonApplication))
    }

    @Test func listOfAIDsWhenThereIsNoPSE() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(1000, .contact), card: &card, respond: { index, _, response in
            index == 0 ? ResponseAPDU(status: .fileNotFound) : response
        })
        #expect(Array(run.commandHex[1...4]) == [
            "00 A4 04 00 07 A0 00 00 00 03 10 10 00",  // list of AIDs: Visa (found)
            "00 A4 04 00 07 A0 00 00 00 04 10 10 00",  // Mastercard (6A82)
            "00 A4 04 00 07 A0 00 00 00 04 30 60 00",  // Maestro (6A82)
            "00 A4 04 00 07 A0 00 00 00 03 10 10 00",  // final SELECT
        ])
        #expect(run.outcome?.decision == .approvedOnline)
    }

    @Test func gpoConditionsNotSatisfiedDropsTheApplication() throws {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(1000, .contact), card: &card, respond: { index, _, response in
            index == 4 ? ResponseAPDU(status: .conditionsNotSatisfied) : response
        })
        #expect(run.outcome?.decision == .terminated(.noCommonApplication))
    }

    @Test func contactlessLimitAsksForInsertion() {
        var card = VirtualCard(profile: Fixture.profile("visa_credit"))
        let run = drive(Fixture.transaction(20000, .contactless), card: &card)
        #expect(run.commands.isEmpty)
        #expect(run.outcome?.decision == .terminated(.contactlessLimitExceeded))
    }

    @Test func blockedCardEndsAtSelection() {
        var profile = Fixture.profile("visa_credit")
        profile.cardBlocked = true
        for mode in CardInterface.allCases {
            var card = VirtualCard(profile: profile)
            let run = drive(Fixture.transaction(1000, mode), card: &card)
            #expect(run.outcome?.decision == .terminated(.cardBlocked))
            #expect(run.commands.count == 1)
        }
    }

    @Test func randomSelectionSendsUnderFloorTransactionsOnline() throws {
        var configuration = Fixture.configuration
        configuration.randomSelection = .init(thresholdAmount: 2000, targetPercentage: 20, maximumTargetPercentage: 60)
        func run(_ amount: Int64, random: Int) -> KernelOutcome? {
            var card = VirtualCard(profile: Fixture.profile("mastercard_credit"))
            var transaction = Fixture.transaction(amount, .contact)
            transaction.randomSelectionNumber = random
            return drive(transaction, card: &card, configuration: configuration).outcome
        }
        #expect(run(1000, random: 20)?.tvr.contains(.selectedRandomlyForOnline) == true)
        #expect(run(1000, random: 20)?.decision == .approvedOnline)
        #expect(run(1000, random: 21)?.decision == .approvedOffline)
        // Halfway between threshold (20.00) and floor limit (50.00): 20 % + (60 % − 20 %) / 2 = 40 %.
        #expect(run(3500, random: 40)?.tvr.contains(.selectedRandomlyForOnline) == true)
        #expect(run(3500, random: 41)?.tvr.contains(.selectedRandomlyForOnline) == false)
    }

    @Test func cashbackNeedsTheAUCToAllowIt() throws {
        var profile = Fixture.profile("mastercard_credit")
        profile.applicationUsageControl = hex("FF00")
        var card = VirtualCard(profile: profile)
        let outcome = try #require(drive(Fixture.transaction(1000, .contact, type: .purchaseWithCashback, other: 500), card: &card).outcome)
        #expect(outcome.tvr.contains(.serviceNotAllowed))
        #expect(outcome.decision == .declinedOffline)  // TAC denial has "service not allowed"
    }

    @Test func cvmListAmountConditions() throws {
        var profile = Fixture.profile("mastercard_credit")
        profile.cvmList = CVMList(amountX: 2500, rules: [
            CVMRule(method: .noCVMRequired, condition: .underX, applySucceedingRuleIfUnsuccessful: true),
            CVMRule(method: .offlinePlaintextPIN, condition: .overX, applySucceedingRuleIfUnsuccessful: false),
        ])
        var small = VirtualCard(profile: profile)
        #expect(drive(Fixture.transaction(1000, .contact), card: &small).outcome?.cvmResults?.bytes == hex("5F0602"))
        var large = VirtualCard(profile: profile)
        #expect(drive(Fixture.transaction(3000, .contact), card: &large).outcome?.cvmResults?.bytes == hex("010702"))
    }

    @Test func unrecognisedCVMAndNoApplicableRule() throws {
        var profile = Fixture.profile("mastercard_credit")
        profile.cvmList = CVMList(rules: [
            CVMRule(method: CVMethod(rawValue: 0x25), condition: .always, applySucceedingRuleIfUnsuccessful: true),
            CVMRule(method: .signature, condition: .purchaseWithCashback, applySucceedingRuleIfUnsuccessful: false),
        ])
        var card = VirtualCard(profile: profile)
        let outcome = try #require(drive(Fixture.transaction(1000, .contact), card: &card).outcome)
        #expect(outcome.tvr.contains([.unrecognisedCVM, .cardholderVerificationNotSuccessful]))
        #expect(outcome.cvmResults?.bytes == hex("650001"))
        #expect(outcome.cardholderVerification == .failed)
    }
}
