import PaymentCore

/// The card commands of the dialogue, named in termination reasons.
public enum CardCommand: String, Sendable, Hashable, CustomStringConvertible {
    case selectPSE = "SELECT PSE"
    case readDirectory = "READ RECORD (directory)"
    case selectPPSE = "SELECT PPSE"
    case selectApplication = "SELECT AID"
    case getProcessingOptions = "GET PROCESSING OPTIONS"
    case readRecord = "READ RECORD"
    case getData = "GET DATA"
    case verify = "VERIFY"
    case firstGenerateAC = "GENERATE AC (first)"
    case externalAuthenticate = "EXTERNAL AUTHENTICATE"
    case secondGenerateAC = "GENERATE AC (second)"

    public var description: String { rawValue }
}

/// An application that both card and terminal support, offered for selection.
public struct Candidate: Sendable, Hashable {
    /// The card's AID (DF name).
    public var aid: [UInt8]
    /// Application label (50), or the AID in hex when the card gives none.
    public var label: String
    /// Priority 1 (highest)–15; nil when the card gives none.
    public var priority: Int?
    /// The card asks the cardholder to confirm this application.
    public var requiresConfirmation: Bool

    public init(aid: [UInt8], label: String, priority: Int?, requiresConfirmation: Bool) {
        self.aid = aid
        self.label = label
        self.priority = priority
        self.requiresConfirmation = requiresConfirmation
    }
}

/// What the issuer (or the lack of one) answered to an online request.
public enum OnlineResponse: Sendable, Hashable {
    /// The host answered: authorisation response code (8A, two characters such as "00" or "51") and, when the issuer
    /// authenticates itself, issuer authentication data (91: ARPC ‖ ARC for method 1).
    case received(authorisationResponseCode: String, issuerAuthenticationData: [UInt8]?)
    /// No answer: the terminal decides with its default action codes (Y3 / Z3).
    case unableToGoOnline
}

/// Everything the acquirer needs to authorise a chip transaction online.
public struct OnlineRequest: Sendable, Hashable {
    /// ICC data for ISO 8583 DE55, in order: 9F26 9F27 9F10 9F37 9F36 95 9A 9C 9F02 5F2A 82 9F1A 9F33 9F34 84 9F35
    /// 9F03 5F34 57 9F09 9F1E 9F41 9F66 — those present.
    public let tlv: [TLV]
    public let pan: PAN
    public let track2: Track2?
    public let panSequenceNumber: UInt8?
    public let amount: Money
    public let otherAmount: Money?
    public let entryMode: CardInterface
    /// The PIN the cardholder entered for online verification; the caller enciphers it (never logged).
    public let onlinePIN: PINEntry?
    public let applicationIdentifier: [UInt8]

    /// The DE55 bytes.
    public var de55: [UInt8] { BERTLV.encode(tlv) }

    /// The DE55 objects as a dictionary, e.g. for `CryptogramInput.build(from:)` or `TestIssuer.verifyCryptogram`.
    public var values: [Tag: [UInt8]] {
        var values: [Tag: [UInt8]] = [:]
        for object in tlv where values[object.tag] == nil { values[object.tag] = object.value }
        return values
    }
}

/// Which PIN the kernel asks for.
public enum PINRequest: Sendable, Hashable {
    /// Offline plaintext PIN, checked by the card; tries left when the card told.
    case offline(triesLeft: Int?)
    /// Online PIN, checked by the issuer.
    case online
}

/// Something that happened: the kernel's input.
public enum KernelEvent: Sendable, Hashable {
    case start(Transaction)
    case cardResponded(ResponseAPDU)
    case cardRemoved
    /// The channel failed in another way than removal (card mute, reader error).
    case transmissionFailed(EMVError)
    /// Index into the candidates of the last `.chooseApplication`.
    case applicationChosen(Int)
    case pinEntered(PINEntry)
    case pinBypassed
    case onlineResponse(OnlineResponse)
    /// Merchant or cardholder cancelled.
    case cancelled
}

/// Something to do: the kernel's output.
public enum KernelAction: Sendable, Hashable {
    case transmit(CommandAPDU)
    case chooseApplication([Candidate])
    case requestOfflinePIN(triesLeft: Int?)
    case requestOnlinePIN
    case goOnline(OnlineRequest)
    case complete(KernelOutcome)
}

/// How the cardholder was verified.
public enum CardholderVerification: String, Sendable, Hashable, Codable {
    /// No CVM needed (no CVM rule, or a tap under the CVM-required limit).
    case noneRequired
    case offlinePIN
    case offlinePINAndSignature
    case onlinePIN
    case signature
    /// On the cardholder's phone or watch (CDCVM).
    case consumerDevice
    /// Every applicable method failed.
    case failed
    /// The card does not support cardholder verification, or the transaction ended before it.
    case notPerformed

    /// True when the receipt needs a signature line.
    public var requiresSignature: Bool { self == .signature || self == .offlinePINAndSignature }
}

/// Why a transaction ended without a decision.
public enum TerminationReason: Sendable, Hashable, CustomStringConvertible {
    case cardRemoved
    /// The channel failed (card mute, reader error).
    case communicationFailed(String)
    /// A response whose data does not parse; tag path and offset say where.
    case malformedResponse(command: CardCommand, detail: String, tagPath: [Tag], offset: Int?)
    /// A tag the kernel needs is absent.
    case missingData(command: CardCommand, tag: Tag)
    case unexpectedStatus(command: CardCommand, StatusWord)
    /// The card broke the protocol (e.g. a TC where only an AAC was allowed).
    case protocolViolation(command: CardCommand, detail: String)
    case noCommonApplication
    /// SELECT answered 6A81.
    case cardBlocked
    /// The amount is at or above the contactless transaction limit: insert the card instead.
    case contactlessLimitExceeded
    case cancelled

    public var description: String {
        switch self {
        case .cardRemoved: return "the card was removed"
        case .communicationFailed(let message): return "the card did not answer: \(message)"
        case .malformedResponse(let command, let detail, let path, let offset):
            var text = "malformed response to \(command): \(detail)"
            if !path.isEmpty { text += " (tag \(path.map(\.hex).joined(separator: "/"))" + (offset.map { " at byte \($0))" } ?? ")") }
            else if let offset { text += " (at byte \(offset))" }
            return text
        case .missingData(let command, let tag): return "the card did not provide tag \(tag.hex) (\(EMVTags.info(for: tag)?.name ?? "unknown")) by \(command)"
        case .unexpectedStatus(let command, let status): return "\(command) failed with status \(status)"
        case .protocolViolation(let command, let detail): return "the card broke the protocol in \(command): \(detail)"
        case .noCommonApplication: return "no application is supported by both the card and the terminal"
        case .cardBlocked: return "the card is blocked"
        case .contactlessLimitExceeded: return "the amount is over the contactless limit; insert the card"
        case .cancelled: return "the transaction was cancelled"
        }
    }
}

/// How the transaction ended.
public enum KernelDecision: Sendable, Hashable {
    /// The card gave a TC on the first GENERATE AC.
    case approvedOffline
    /// The card gave an AAC on the first GENERATE AC.
    case declinedOffline
    /// The issuer approved (and, for contact, the card agreed with a TC).
    case approvedOnline
    /// The issuer declined.
    case declinedOnline
    /// No host; the terminal and the card approved offline (ARC Y3).
    case approvedUnableToGoOnline
    /// No host; declined (ARC Z3).
    case declinedUnableToGoOnline
    /// The issuer approved but the card answered the second GENERATE AC with an AAC (e.g. bad ARPC): reverse it.
    case declinedByCardAfterOnlineApproval
    case terminated(TerminationReason)

    public var isApproved: Bool {
        switch self {
        case .approvedOffline, .approvedOnline, .approvedUnableToGoOnline: true
        default: false
        }
    }
}

/// The result of a transaction with the data a receipt, a reversal or a later clearing needs.
public struct KernelOutcome: Sendable, Hashable {
    public var decision: KernelDecision
    public var tvr: TerminalVerificationResults
    public var tsi: TransactionStatusInformation
    /// 9F34; nil when the transaction ended before cardholder verification.
    public var cvmResults: CVMResults?
    public var cardholderVerification: CardholderVerification
    /// 9F27 of the last GENERATE AC.
    public var cryptogramInformationData: UInt8?
    /// 9F26 of the last GENERATE AC.
    public var applicationCryptogram: [UInt8]?
    public var atc: UInt16?
    /// 8A: from the issuer, or Y3/Z3 when the terminal decided offline after trying to go online.
    public var authorisationResponseCode: String?
    public var applicationIdentifier: [UInt8]?
    public var applicationLabel: String?
    public var pan: PAN?
    /// Every data object of the transaction, card's and terminal's (sensitive ones included: mask before logging).
    public var data: [Tag: [UInt8]]

    public init(decision: KernelDecision, tvr: TerminalVerificationResults = [], tsi: TransactionStatusInformation = [],
                cvmResults: CVMResults? = nil, cardholderVerification: CardholderVerification = .notPerformed,
                cryptogramInformationData: UInt8? = nil, applicationCryptogram: [UInt8]? = nil, atc: UInt16? = nil,
                authorisationResponseCode: String? = nil, applicationIdentifier: [UInt8]? = nil, applicationLabel: String? = nil,
                pan: PAN? = nil, data: [Tag: [UInt8]] = [:]) {
        self.decision = decision
        self.tvr = tvr
        self.tsi = tsi
        self.cvmResults = cvmResults
        self.cardholderVerification = cardholderVerification
        self.cryptogramInformationData = cryptogramInformationData
        self.applicationCryptogram = applicationCryptogram
        self.atc = atc
        self.authorisationResponseCode = authorisationResponseCode
        self.applicationIdentifier = applicationIdentifier
        self.applicationLabel = applicationLabel
        self.pan = pan
        self.data = data
    }
}

extension KernelOutcome: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The data objects as TLV, by tag; TLV masks sensitive values when printed.
    public var dataObjects: [TLV] {
        data.sorted { $0.key.rawValue < $1.key.rawValue }.map { TLV(tag: $0.key, value: $0.value) }
    }

    /// "approvedOnline, TVR 8000040000, TSI 7800, CVM 420300, CID 40, ATC 17" — no card data.
    public var description: String {
        var parts = ["\(decision)", "TVR \(tvr.hex)", "TSI \(tsi.hex)"]
        if let cvmResults { parts.append("CVM \(HexCoding.encode(cvmResults.bytes))") }
        if let cryptogramInformationData { parts.append("CID \(HexCoding.encode([cryptogramInformationData]))") }
        if let atc { parts.append("ATC \(atc)") }
        if let authorisationResponseCode { parts.append("ARC \(authorisationResponseCode)") }
        if let pan { parts.append("PAN \(pan.masked)") }
        return parts.joined(separator: ", ")
    }

    public var debugDescription: String { "KernelOutcome(\(description))" }

    /// A mirror whose data objects are masked TLVs, so `dump` shows no PAN or track data.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "decision": decision, "tvr": tvr, "tsi": tsi, "cvmResults": cvmResults as Any,
            "cardholderVerification": cardholderVerification, "cryptogramInformationData": cryptogramInformationData as Any,
            "applicationCryptogram": applicationCryptogram.map(HexCoding.encode) as Any, "atc": atc as Any,
            "authorisationResponseCode": authorisationResponseCode as Any, "applicationLabel": applicationLabel as Any,
            "pan": pan as Any, "data": dataObjects,
        ], displayStyle: .struct)
    }
}
