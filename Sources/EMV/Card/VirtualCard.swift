import PaymentCore
import PaymentCrypto

/// A payment card in software: an APDU processor with its own state, personalised from a `CardProfile`.
///
/// `process` is pure: the same state and command give the same response and state (no clock, no randomness).
/// Counters that live in the card's memory (ATC, PIN try counter, offline counter) survive `reset`; the rest of the
/// dialogue (selection, transaction progress) starts over.
///
/// Commands and their errors:
/// - SELECT `00 A4 04 00`: PSE (contact), PPSE (contactless) or an AID (exact or partial name); 6A82 when absent,
///   6A81 when the card is blocked, 6A86 for other P1/P2, 6700 without a name.
/// - READ RECORD `00 B2`: 6A82 unknown SFI, 6A83 unknown record, 6A86 bad P2, 6985 before a SELECT.
/// - GET PROCESSING OPTIONS `80 A8`: 6985 out of order, 6A80 without a `83` template, 6700 when it does not match the PDOL.
///   A card with PSD2 counters (`CardProfile.contactlessSCA`) answers a tap in format 2 with its CTQ (9F6C), asking
///   for an online PIN when the counters are spent; its first GENERATE AC then gives an AAC unless 9F34 shows a PIN.
/// - GET DATA `80 CA`: 9F36 ATC, 9F17 PIN try counter, 9F13 last online ATC; 6A88 for others.
/// - VERIFY `00 20 00 80` (plaintext PIN, format 2 block): 63Cx wrong PIN with x tries left, 6983 blocked, 6700 not
///   8 bytes, 6A80 not a PIN block, 6A86 other P2 (enciphered PIN is not supported), 6985 before GPO or without PIN.
/// - GENERATE AC `80 AE`: first with CDOL1 data, second (after an ARQC) with CDOL2 data; 6700 wrong length,
///   6A86 bad P1/P2, 6985 out of order.
/// - EXTERNAL AUTHENTICATE `00 82`: ARPC method 1 ‖ ARC after an ARQC; 6300 when it does not verify, 6985 out of order.
/// - Anything else: 6D00 (instruction) or 6E00 (class).
public struct VirtualCard: Sendable {
    /// What the card was made from.
    public let profile: CardProfile
    /// Application transaction counter; the GPO of each transaction increments it.
    public private(set) var atc: UInt16
    /// PIN tries left; 0 means the PIN is blocked.
    public private(set) var pinTriesRemaining: Int
    /// Offline approvals (TC) since the last online approval with issuer authentication.
    public private(set) var consecutiveOfflineTransactions: Int
    /// ATC of the last transaction approved online (tag 9F13).
    public private(set) var lastOnlineATC: UInt16
    /// Taps approved or sent online without a PIN since the last PIN (PSD2 counters; see `CardProfile.ContactlessSCA`).
    public private(set) var tapsWithoutPIN: Int
    /// Their amount, in minor units of the transactions' currency.
    public private(set) var amountWithoutPIN: Int64
    /// The interface the card was last powered through.
    public private(set) var interface: CardInterface

    /// Carried into the next transaction's CVR (byte 2): what went wrong in earlier ones.
    private var carriedCVR: CardVerificationResults = []
    private var session = Session()
    private let masterKey: SymmetricKey?
    private let track2: [UInt8]?
    /// Records by `sfi << 8 | record`, each a complete `70` template.
    private let records: [UInt16: [UInt8]]
    private let afl: ApplicationFileLocator
    private static let directorySFI: UInt8 = 1
    private static let pseName = Array("1PAY.SYS.DDF01".utf8)
    private static let ppseName = Array("2PAY.SYS.DDF01".utf8)

    /// The volatile part: what is selected and how far the transaction is.
    private struct Session {
        enum Selection: Equatable { case none, pse, ppse, application(Int) }
        enum Phase: Equatable { case idle, selected, processing, awaitingSecondAC, done }
        enum IssuerAuthentication: Equatable { case notPerformed, passed, failed }
        var selection = Selection.none
        var phase = Phase.idle
        var cvr: CardVerificationResults = []
        var pdolValues: [Tag: [UInt8]] = [:]
        var firstACValues: [Tag: [UInt8]] = [:]
        var arqc: [UInt8] = []
        var issuerAuthentication = IssuerAuthentication.notPerformed
        var externalAuthenticateReceived = false
        /// This tap's GPO answer asked for the PIN (CTQ "online PIN required").
        var pinRequested = false
    }

    /// A fresh card from `profile`, powered through contact when it has contacts, else contactless.
    public init(profile: CardProfile) {
        self.profile = profile
        atc = profile.initialATC
        pinTriesRemaining = max(0, min(profile.pinTriesRemaining, profile.pinTryLimit))
        consecutiveOfflineTransactions = 0
        lastOnlineATC = 0
        tapsWithoutPIN = 0
        amountWithoutPIN = 0
        interface = profile.interfaces.contains(.contact) ? .contact : .contactless
        // A key that cannot be derived (only possible for a hand-built, unvalidated profile) makes GENERATE AC answer 6F00.
        masterKey = try? TestIssuer.cardMasterKey(pan: profile.pan, psn: profile.psn)
        track2 = (try? profile.track2())?.emvBytes
        (records, afl) = Self.makeRecords(profile: profile, track2: track2)
    }

    /// Powers the card up through `interface`, as an insert or a tap does; false when the card has no such interface.
    @discardableResult
    public mutating func reset(interface: CardInterface) -> Bool {
        guard profile.interfaces.contains(interface) else { return false }
        endSession()
        self.interface = interface
        return true
    }

    /// Answers one command.
    public mutating func process(_ command: CommandAPDU) -> ResponseAPDU {
        switch (command.cla, command.ins) {
        case (0x00, 0xA4): return select(command)
        case (0x00, 0xB2): return readRecord(command)
        case (0x80, 0xA8): return getProcessingOptions(command)
        case (0x80, 0xCA): return getData(command)
        case (0x00, 0x20): return verify(command)
        case (0x80, 0xAE): return generateAC(command)
        case (0x00, 0x82): return externalAuthenticate(command)
        case (_, 0xA4), (_, 0xB2), (_, 0xA8), (_, 0xCA), (_, 0x20), (_, 0xAE), (_, 0x82): return status(.claNotSupported)
        default: return status(.insNotSupported)
        }
    }

    // MARK: - Commands

    private mutating func select(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x04, command.p2 == 0x00 || command.p2 == 0x02 else { return status(.incorrectP1P2) }
        guard !command.data.isEmpty else { return status(.wrongLength) }
        if profile.cardBlocked { return status(StatusWord(0x6A81)) }
        endSession()
        // Only one occurrence of each name: "next occurrence" never finds another.
        guard command.p2 == 0x00 else { return status(.fileNotFound) }
        let name = command.data
        if name == Self.pseName {
            guard interface == .contact else { return status(.fileNotFound) }
            session.selection = .pse
            let proprietary = tlv(.shortFileIdentifier, [Self.directorySFI]) + tlv(.languagePreference, Array("en".utf8))
            return ok(tlv(.fciTemplate, tlv(.dedicatedFileName, name) + tlv(.fciProprietaryTemplate, proprietary)))
        }
        if name == Self.ppseName {
            guard interface == .contactless else { return status(.fileNotFound) }
            session.selection = .ppse
            let entries = profile.applications.flatMap { tlv(.applicationTemplate, directoryEntry($0)) }
            let proprietary = tlv(.fciProprietaryTemplate, tlv(.fciIssuerDiscretionaryData, entries))
            return ok(tlv(.fciTemplate, tlv(.dedicatedFileName, name) + proprietary))
        }
        guard name.count >= 5, let index = profile.applications.firstIndex(where: { $0.aid.starts(with: name) }) else {
            return status(.fileNotFound)
        }
        session.selection = .application(index)
        session.phase = .selected
        let application = profile.applications[index]
        var proprietary = tlv(.applicationLabel, Array(application.label.utf8)) + tlv(.applicationPriorityIndicator, [application.priority])
        if !profile.pdol.entries.isEmpty { proprietary += tlv(.pdol, profile.pdol.encoded()) }
        proprietary += tlv(.languagePreference, Array("en".utf8))
        return ok(tlv(.fciTemplate, tlv(.dedicatedFileName, application.aid) + tlv(.fciProprietaryTemplate, proprietary)))
    }

    private func readRecord(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p2 & 0x07 == 0x04, command.p1 != 0 else { return status(.incorrectP1P2) }
        let sfi = command.p2 >> 3
        switch session.selection {
        case .pse:
            guard sfi == Self.directorySFI else { return status(.fileNotFound) }
            // One directory record holds every application.
            guard command.p1 == 1 else { return status(.recordNotFound) }
            return ok(tlv(.readRecordResponseTemplate, profile.applications.flatMap { tlv(.applicationTemplate, directoryEntry($0)) }))
        case .application:
            guard afl.entries.contains(where: { $0.sfi == sfi }) else { return status(.fileNotFound) }
            guard let record = records[UInt16(sfi) << 8 | UInt16(command.p1)] else { return status(.recordNotFound) }
            return ok(record)
        case .none, .ppse:
            return status(.conditionsNotSatisfied)
        }
    }

    private mutating func getProcessingOptions(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0, command.p2 == 0 else { return status(.incorrectP1P2) }
        guard session.phase == .selected else { return status(.conditionsNotSatisfied) }
        guard let objects = try? BERTLV.decode(command.data, recursive: false), objects.count == 1, objects[0].tag == 0x83 else {
            return status(.wrongData)
        }
        guard let values = try? profile.pdol.parse(objects[0].value) else { return status(.wrongLength) }
        guard atc < UInt16.max else { return status(.conditionsNotSatisfied) }
        atc += 1
        session.pdolValues = values
        session.phase = .processing
        session.cvr = carriedCVR
        let aip = applicationInterchangeProfile.bytes
        if let sca = profile.contactlessSCA, interface == .contactless {
            // qVSDC answers in format 2 with its Card Transaction Qualifiers; byte 1 bit 8 asks for an online PIN.
            let amount = Self.amount(session.pdolValues[.amountAuthorised])
            session.pinRequested = tapsWithoutPIN >= sca.consecutiveTransactionLimit || amountWithoutPIN + amount > sca.cumulativeAmountLimit
            let ctq: [UInt8] = [session.pinRequested ? 0x80 : 0x00, 0x00]
            return ok(tlv(.responseMessageTemplateFormat2, tlv(.applicationInterchangeProfile, aip) + tlv(.applicationFileLocator, afl.bytes) + tlv(.cardTransactionQualifiers, ctq)))
        }
        switch profile.scheme {
        case .visa:
            return ok(tlv(.responseMessageTemplateFormat1, aip + afl.bytes))
        case .mastercard:
            return ok(tlv(.responseMessageTemplateFormat2, tlv(.applicationInterchangeProfile, aip) + tlv(.applicationFileLocator, afl.bytes)))
        }
    }

    private func getData(_ command: CommandAPDU) -> ResponseAPDU {
        guard case .application = session.selection else { return status(.conditionsNotSatisfied) }
        switch UInt16(command.p1) << 8 | UInt16(command.p2) {
        case 0x9F36: return ok(tlv(.applicationTransactionCounter, bigEndian(atc)))
        case 0x9F13: return ok(tlv(.lastOnlineATCRegister, bigEndian(lastOnlineATC)))
        case 0x9F17 where profile.pin != nil: return ok(tlv(.pinTryCounter, [UInt8(pinTriesRemaining)]))
        default: return status(StatusWord(0x6A88))
        }
    }

    private mutating func verify(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x00, command.p2 == 0x80 else { return status(.incorrectP1P2) }
        guard session.phase == .processing, let pin = profile.pin else { return status(.conditionsNotSatisfied) }
        guard command.data.count == 8 else { return status(.wrongLength) }
        guard pinTriesRemaining > 0 else {
            session.cvr.formUnion([.pinTryLimitExceeded, .applicationBlockedByPINTryLimit])
            return status(.authenticationMethodBlocked)
        }
        guard let entered = PINEntry(format2Block: command.data) else { return status(.wrongData) }
        session.cvr.insert(.offlinePINPerformed)
        if entered == pin {
            pinTriesRemaining = profile.pinTryLimit
            session.cvr.remove(.offlinePINFailed)
            return status(.success)
        }
        pinTriesRemaining -= 1
        session.cvr.insert(.offlinePINFailed)
        if pinTriesRemaining == 0 { session.cvr.formUnion([.pinTryLimitExceeded, .applicationBlockedByPINTryLimit]) }
        return status(.verificationFailed(triesLeft: pinTriesRemaining))
    }

    private mutating func generateAC(_ command: CommandAPDU) -> ResponseAPDU {
        let requested = command.p1 & 0xC0
        guard command.p2 == 0x00, command.p1 & 0x2F == 0, requested != 0xC0 else { return status(.incorrectP1P2) }
        switch session.phase {
        case .processing: return firstGenerateAC(requested: requested, data: command.data)
        case .awaitingSecondAC: return secondGenerateAC(requested: requested, data: command.data)
        case .idle, .selected, .done: return status(.conditionsNotSatisfied)
        }
    }

    private mutating func firstGenerateAC(requested: UInt8, data: [UInt8]) -> ResponseAPDU {
        guard let values = try? profile.cdol1.parse(data) else { return status(.wrongLength) }
        let onlineRequiredByReader = (session.pdolValues[.terminalTransactionQualifiers]?.dropFirst().first).map { $0 & 0x80 != 0 } ?? false
        let pinVerified = Self.pinVerified(values[.cvmResults])
        let type: UInt8
        if requested == 0x00 || profile.riskManagement.alwaysDeclines || (session.pinRequested && !pinVerified) {
            type = 0x00
        } else if requested == 0x80 || consecutiveOfflineTransactions >= profile.riskManagement.lowerConsecutiveOfflineLimit || onlineRequiredByReader {
            type = 0x80
        } else {
            type = 0x40
        }
        session.cvr.insert(.secondACNotRequested)
        switch type {
        case 0x40: session.cvr.insert(.firstACTC)
        case 0x80: session.cvr.insert(.firstACARQC)
        default: break
        }
        guard let response = cryptogramResponse(type: type, values: values) else { return status(StatusWord(0x6F00)) }
        if profile.contactlessSCA != nil, type != 0x00 {
            if pinVerified {
                tapsWithoutPIN = 0
                amountWithoutPIN = 0
            } else if interface == .contactless {
                tapsWithoutPIN += 1
                amountWithoutPIN += Self.amount(values[.amountAuthorised])
            }
        }
        session.firstACValues = values
        switch type {
        case 0x80:
            session.phase = .awaitingSecondAC
            session.arqc = response.cryptogram
            // Until a second GENERATE AC arrives, the online transaction counts as not completed.
            carriedCVR.insert(.lastOnlineTransactionNotCompleted)
        case 0x40:
            consecutiveOfflineTransactions += 1
            session.phase = .done
        default:
            session.phase = .done
        }
        return ok(response.bytes)
    }

    private mutating func secondGenerateAC(requested: UInt8, data: [UInt8]) -> ResponseAPDU {
        guard requested != 0x80, let values = try? profile.cdol2.parse(data) else {
            return requested == 0x80 ? status(.incorrectP1P2) : status(.wrongLength)
        }
        if !session.externalAuthenticateReceived, let issuerData = values[.issuerAuthenticationData], issuerData.contains(where: { $0 != 0 }) {
            session.issuerAuthentication = verifyIssuer(issuerData) ? .passed : .failed
        }
        let arc = values[.authorisationResponseCode] ?? []
        let risk = profile.riskManagement
        var type: UInt8 = 0x00
        if arc == Array("Y3".utf8) || arc == Array("Z3".utf8) {
            session.cvr.insert(.unableToGoOnline)
            let allowed = arc == Array("Y3".utf8) && !risk.alwaysDeclines && consecutiveOfflineTransactions < risk.upperConsecutiveOfflineLimit
            if requested == 0x40 && allowed { type = 0x40 }
        } else if Self.approvalCodes.contains(arc) {
            switch session.issuerAuthentication {
            case .passed: if requested == 0x40 && !risk.alwaysDeclines { type = 0x40 }
            case .failed: session.cvr.insert(.issuerAuthenticationFailed)
            case .notPerformed: session.cvr.insert(.issuerAuthenticationNotPerformed)
            }
        }
        session.cvr.remove(.secondACNotRequested)
        if type == 0x40 { session.cvr.insert(.secondACTC) }
        let merged = session.firstACValues.merging(values) { _, second in second }
        guard let response = cryptogramResponse(type: type, values: merged) else { return status(StatusWord(0x6F00)) }
        // The online dialogue is complete; remember how issuer authentication went for the next transaction.
        carriedCVR.remove(.lastOnlineTransactionNotCompleted)
        if session.issuerAuthentication == .failed { carriedCVR.insert(.issuerAuthenticationFailedLastOnline) }
        if type == 0x40 {
            if session.issuerAuthentication == .passed {
                consecutiveOfflineTransactions = 0
                lastOnlineATC = atc
                carriedCVR.remove(.issuerAuthenticationFailedLastOnline)
            } else {
                consecutiveOfflineTransactions += 1
            }
        }
        session.phase = .done
        return ok(response.bytes)
    }

    private mutating func externalAuthenticate(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0, command.p2 == 0 else { return status(.incorrectP1P2) }
        guard session.phase == .awaitingSecondAC, !session.externalAuthenticateReceived else { return status(.conditionsNotSatisfied) }
        guard (8...16).contains(command.data.count) else { return status(.wrongLength) }
        session.externalAuthenticateReceived = true
        let passed = verifyIssuer(command.data)
        session.issuerAuthentication = passed ? .passed : .failed
        if !passed { session.cvr.insert(.issuerAuthenticationFailed) }
        return passed ? status(.success) : status(StatusWord(0x6300))
    }

    // MARK: - Helpers

    /// An amount (n12, 6 bytes) in minor units; 0 when absent or not BCD.
    private static func amount(_ bytes: [UInt8]?) -> Int64 {
        guard let bytes, bytes.count == 6, let value = BCD.value(bytes) else { return 0 }
        return Int64(value)
    }

    /// CVM results (9F34) that show a PIN method (offline plaintext or enciphered, online, with or without
    /// signature: codes 01–05) which did not fail.
    private static func pinVerified(_ cvmResults: [UInt8]?) -> Bool {
        guard let cvmResults, cvmResults.count == 3 else { return false }
        return (0x01...0x05).contains(cvmResults[0] & 0x3F) && cvmResults[2] != 0x01
    }

    /// Authorisation response codes that approve: 00, 08 (honour with ID), 10 (partial), 11 (VIP).
    private static let approvalCodes: Set<[UInt8]> = [Array("00".utf8), Array("08".utf8), Array("10".utf8), Array("11".utf8)]

    private var applicationInterchangeProfile: ApplicationInterchangeProfile {
        var aip: ApplicationInterchangeProfile = [.terminalRiskManagementRequired, .issuerAuthenticationSupported]
        if !profile.cvmList.rules.isEmpty { aip.insert(.cardholderVerificationSupported) }
        if profile.supportsCDCVM { aip.insert(.onDeviceCardholderVerificationSupported) }
        if interface == .contactless { aip.insert(.emvModeSupported) }
        return aip
    }

    /// Checks `ARPC (8) ‖ ARC (2)` with ARPC method 1 against the last ARQC.
    private func verifyIssuer(_ data: [UInt8]) -> Bool {
        guard data.count >= 10, let masterKey, session.arqc.count == 8,
              let key = try? EMVKeys.sessionKey(masterKey: masterKey, atc: atc),
              let expected = try? ApplicationCryptogram.arpcMethod1(sessionKey: key, arqc: session.arqc, arc: Array(data[8..<10]))
        else { return false }
        return zip(expected, data.prefix(8)).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The GENERATE AC response for a cryptogram of `type` (00 AAC, 40 TC, 80 ARQC) over `values` and the card's data.
    private func cryptogramResponse(type: UInt8, values: [Tag: [UInt8]]) -> (bytes: [UInt8], cryptogram: [UInt8])? {
        guard let masterKey, let key = try? EMVKeys.sessionKey(masterKey: masterKey, atc: atc) else { return nil }
        let iad = IssuerApplicationData(cardVerificationResults: session.cvr).bytes
        var input = values
        input[.applicationInterchangeProfile] = applicationInterchangeProfile.bytes
        input[.applicationTransactionCounter] = bigEndian(atc)
        input[.issuerApplicationData] = iad
        guard let cryptogram = try? ApplicationCryptogram.generate(sessionKey: key, data: CryptogramInput.build(from: input), padding: CryptogramInput.padding) else {
            return nil
        }
        let cid = type
        switch profile.scheme {
        case .visa:
            return (tlv(.responseMessageTemplateFormat1, [cid] + bigEndian(atc) + cryptogram + iad), cryptogram)
        case .mastercard:
            let body = tlv(.cryptogramInformationData, [cid]) + tlv(.applicationTransactionCounter, bigEndian(atc))
                + tlv(.applicationCryptogram, cryptogram) + tlv(.issuerApplicationData, iad)
            return (tlv(.responseMessageTemplateFormat2, body), cryptogram)
        }
    }

    /// Ends the transaction in progress; an online one left without its second GENERATE AC stays "not completed".
    private mutating func endSession() {
        session = Session()
    }

    private func directoryEntry(_ application: CardProfile.Application) -> [UInt8] {
        tlv(.applicationIdentifier, application.aid) + tlv(.applicationLabel, Array(application.label.utf8))
            + tlv(.applicationPriorityIndicator, [application.priority])
    }

    private static func makeRecords(profile: CardProfile, track2: [UInt8]?) -> ([UInt16: [UInt8]], ApplicationFileLocator) {
        func tlv(_ tag: Tag, _ value: [UInt8]) -> [UInt8] { tag.bytes + BERTLV.encodeLength(value.count) + value }
        var digits = Array(profile.pan.revealDigits().utf8).map { $0 - 0x30 }
        if digits.count % 2 == 1 { digits.append(0x0F) }
        let pan = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
        let expiry = (try? TransactionDate.lastDay(of: profile.expiry.month, year: profile.expiry.year))?.bcd ?? [0x00, 0x01, 0x01]
        var record1 = track2.map { tlv(.track2Equivalent, $0) } ?? []
        record1 += tlv(.cardholderName, Array(profile.cardholderName.utf8.prefix(26)))
        var record2 = tlv(.pan, pan) + tlv(.applicationExpirationDate, expiry)
        if let effective = profile.effective, let date = try? TransactionDate(year: effective.year, month: effective.month, day: 1) {
            record2 += tlv(.applicationEffectiveDate, date.bcd)
        }
        record2 += tlv(.panSequenceNumber, BCD.encode(UInt64(profile.psn), length: 1))
        record2 += tlv(.issuerCountryCode, BCD.encode(UInt64(profile.issuerCountryCode), length: 2))
        record2 += tlv(.applicationUsageControl, profile.applicationUsageControl)
        record2 += tlv(.applicationVersionNumber, profile.applicationVersion)
        record2 += tlv(.applicationCurrencyCode, BCD.encode(UInt64(profile.currency.numericCode), length: 2))
        record2 += tlv(.cvmList, profile.cvmList.bytes)
        var record3 = tlv(.cdol1, profile.cdol1.encoded()) + tlv(.cdol2, profile.cdol2.encoded())
        record3 += tlv(.issuerActionCodeDenial, profile.issuerActionCodes.denial.bytes)
        record3 += tlv(.issuerActionCodeOnline, profile.issuerActionCodes.online.bytes)
        record3 += tlv(.issuerActionCodeDefault, profile.issuerActionCodes.default.bytes)
        let template: ([UInt8]) -> [UInt8] = { tlv(.readRecordResponseTemplate, $0) }
        let records: [UInt16: [UInt8]] = [0x0101: template(record1), 0x0201: template(record2), 0x0202: template(record3)]
        let afl = ApplicationFileLocator(entries: [
            .init(sfi: 1, firstRecord: 1, lastRecord: 1),
            .init(sfi: 2, firstRecord: 1, lastRecord: 2),
        ])
        return (records, afl)
    }

    private func tlv(_ tag: Tag, _ value: [UInt8]) -> [UInt8] {
        tag.bytes + BERTLV.encodeLength(value.count) + value
    }

    private func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    private func ok(_ data: [UInt8]) -> ResponseAPDU { ResponseAPDU(data: data, status: .success) }

    private func status(_ status: StatusWord) -> ResponseAPDU { ResponseAPDU(status: status) }
}
