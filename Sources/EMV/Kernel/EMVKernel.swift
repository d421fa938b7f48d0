import PaymentCore

/// The terminal's EMV kernel as a pure state machine: events in, actions out.
///
/// One kernel runs contact and contactless transactions; the contactless differences are those that matter for a
/// payment: PPSE selection, the contactless transaction, floor and CVM-required limits (TTQ), CDCVM, and no second
/// GENERATE AC (the card may leave the field once it has answered the first one). It speaks to the card only through
/// `.transmit` actions and `.cardResponded` events, so any `CardChannel` can serve it (see `KernelRunner`).
///
/// Not done: offline data authentication (SDA/DDA/CDA: the terminal sets "offline data authentication was not
/// performed"), enciphered offline PIN, velocity checking, issuer scripts, PSE directories nested in DDFs and
/// partial selection of a second occurrence.
public struct EMVKernel: Sendable {
    public let configuration: TerminalConfiguration

    /// Where the dialogue is.
    enum Step: Sendable, Equatable {
        case idle
        case selectingPSE
        case readingDirectory
        case selectingListedApplication
        case selectingPPSE
        case awaitingApplicationChoice
        case selectingApplication
        case gettingProcessingOptions
        case readingRecords
        case readingPINTryCounter
        case awaitingOfflinePIN
        case verifyingPIN
        case awaitingOnlinePIN
        case generatingFirstAC
        case awaitingOnlineResponse
        case externallyAuthenticating
        case generatingSecondAC
        case finished

        /// Steps that wait for a card response.
        var awaitsCard: Bool {
            switch self {
            case .selectingPSE, .readingDirectory, .selectingListedApplication, .selectingPPSE, .selectingApplication,
                 .gettingProcessingOptions, .readingRecords, .readingPINTryCounter, .verifyingPIN, .generatingFirstAC,
                 .externallyAuthenticating, .generatingSecondAC:
                true
            default:
                false
            }
        }
    }

    var step = Step.idle
    var transaction: Transaction?
    var tvr: TerminalVerificationResults = []
    var tsi: TransactionStatusInformation = []
    var cvmResults: CVMResults?
    var cardholderVerification = CardholderVerification.notPerformed
    /// Data from the card (FCI, GPO, records, GENERATE AC), first occurrence wins.
    var cardData: [Tag: [UInt8]] = [:]
    /// Tags read from records, to catch duplicates.
    var recordTags: Set<Tag> = []
    /// The terminal's data objects (amounts, dates, TVR, ...), kept current by `syncTerminalData`.
    var terminalData: [Tag: [UInt8]] = [:]

    // Application selection.
    var candidates: [Candidate] = []
    var listIndex = 0
    var directorySFI: UInt8 = 0
    var directoryRecord: UInt8 = 0
    var selected: Candidate?

    // Reading.
    var recordsToRead: [(sfi: UInt8, record: UInt8)] = []
    var recordIndex = 0
    var pan: PAN?
    var track2: Track2?

    // Cardholder verification.
    var cvmRules: [CVMRule] = []
    var cvmIndex = 0
    var cvmList: CVMList?
    var onlinePIN: PINEntry?

    // Decision.
    var requestedFirstAC: UInt8 = 0
    var requestedSecondAC: UInt8 = 0
    var authorisationResponseCode: [UInt8]?

    public init(configuration: TerminalConfiguration) {
        self.configuration = configuration
    }

    /// True once the transaction has completed (or before it started).
    public var isIdle: Bool { step == .idle || step == .finished }

    /// Feeds one event; returns what to do next (at most one action that waits for an answer, or `.complete`).
    public mutating func handle(_ event: KernelEvent) -> [KernelAction] {
        switch event {
        case .start(let transaction):
            guard isIdle else { return [] }
            return start(transaction)
        case .cardRemoved:
            switch step {
            case .idle, .finished:
                return []
            case .awaitingOnlineResponse where transaction?.entryMode == .contactless:
                // A tap is over once the card has answered the first GENERATE AC.
                return []
            default:
                return terminate(.cardRemoved)
            }
        case .transmissionFailed(let error):
            guard step.awaitsCard else { return [] }
            return terminate(error.code == .cardRemoved ? .cardRemoved : .communicationFailed(error.description))
        case .cancelled:
            guard !isIdle else { return [] }
            return terminate(.cancelled)
        case .cardResponded(let response):
            guard step.awaitsCard else { return [] }
            return cardResponded(response)
        case .applicationChosen(let index):
            guard step == .awaitingApplicationChoice else { return [] }
            guard candidates.indices.contains(index) else { return [.chooseApplication(candidates)] }
            return selectFinal(candidates[index])
        case .pinEntered(let pin):
            switch step {
            case .awaitingOfflinePIN: return verifyOfflinePIN(pin)
            case .awaitingOnlinePIN: return onlinePINEntered(pin)
            default: return []
            }
        case .pinBypassed:
            guard step == .awaitingOfflinePIN || step == .awaitingOnlinePIN else { return [] }
            tvr.insert(.pinNotEntered)
            return currentRuleFailed()
        case .onlineResponse(let response):
            guard step == .awaitingOnlineResponse else { return [] }
            return onlineResponded(response)
        }
    }

    private mutating func cardResponded(_ response: ResponseAPDU) -> [KernelAction] {
        switch step {
        case .selectingPSE: return pseSelected(response)
        case .readingDirectory: return directoryRecordRead(response)
        case .selectingListedApplication: return listedApplicationSelected(response)
        case .selectingPPSE: return ppseSelected(response)
        case .selectingApplication: return applicationSelected(response)
        case .gettingProcessingOptions: return processingOptionsReceived(response)
        case .readingRecords: return recordRead(response)
        case .readingPINTryCounter: return pinTryCounterRead(response)
        case .verifyingPIN: return pinVerified(response)
        case .generatingFirstAC: return firstACGenerated(response)
        case .externallyAuthenticating: return externallyAuthenticated(response)
        case .generatingSecondAC: return secondACGenerated(response)
        default: return []
        }
    }

    // MARK: - Start

    private mutating func start(_ transaction: Transaction) -> [KernelAction] {
        self = EMVKernel(configuration: configuration)
        self.transaction = transaction
        terminalData = configuration.additionalData
        terminalData[.amountAuthorised] = BCD.encode(UInt64(max(0, transaction.amount.minorUnits)), length: 6)
        terminalData[.amountOther] = BCD.encode(UInt64(max(0, transaction.otherAmount?.minorUnits ?? 0)), length: 6)
        terminalData[.transactionCurrencyCode] = BCD.encode(UInt64(transaction.amount.currency.numericCode), length: 2)
        terminalData[.transactionCurrencyExponent] = BCD.encode(UInt64(transaction.amount.currency.exponent), length: 1)
        terminalData[.terminalCountryCode] = BCD.encode(UInt64(max(0, configuration.countryCode)), length: 2)
        terminalData[.transactionDate] = transaction.date.bcd
        terminalData[.transactionType] = [transaction.type.rawValue]
        let un = transaction.unpredictableNumber
        terminalData[.unpredictableNumber] = [UInt8(un >> 24), UInt8(un >> 16 & 0xFF), UInt8(un >> 8 & 0xFF), UInt8(un & 0xFF)]
        terminalData[.terminalCapabilities] = configuration.terminalCapabilities.bytes
        terminalData[.additionalTerminalCapabilities] = configuration.additionalTerminalCapabilities
        terminalData[.terminalType] = [configuration.terminalType]
        terminalData[.posEntryMode] = [transaction.entryMode.posEntryMode]
        let floor = UInt32(clamping: transaction.entryMode == .contact ? configuration.floorLimit : configuration.contactlessFloorLimit)
        terminalData[.terminalFloorLimit] = [UInt8(floor >> 24), UInt8(floor >> 16 & 0xFF), UInt8(floor >> 8 & 0xFF), UInt8(floor & 0xFF)]
        if let counter = transaction.sequenceCounter {
            terminalData[.transactionSequenceCounter] = BCD.encode(UInt64(counter % 100_000_000), length: 4)
        }
        if transaction.entryMode == .contactless {
            if let limit = configuration.contactlessTransactionLimit, !isBelow(limit) {
                return terminate(.contactlessLimitExceeded)
            }
            var ttq = configuration.terminalTransactionQualifiers
            if ttq.count == 4 {
                ttq[1] &= ~0xC0
                if exceedsContactlessFloorLimit { ttq[1] |= 0x80 }
                if contactlessCVMRequired { ttq[1] |= 0x40 }
            }
            terminalData[.terminalTransactionQualifiers] = ttq
            syncTerminalData()
            return transmit(.selectPPSE, step: .selectingPPSE)
        }
        syncTerminalData()
        return transmit(.selectPSE, step: .selectingPSE)
    }

    // MARK: - Shared helpers

    /// True when the amount is below `limit` in the terminal's currency (a foreign currency is never below).
    func isBelow(_ limit: Int64) -> Bool {
        guard let transaction, transaction.amount.currency == configuration.currency else { return false }
        return transaction.amount.minorUnits < limit
    }

    var exceedsContactlessFloorLimit: Bool {
        guard let transaction, transaction.amount.currency == configuration.currency else { return true }
        return transaction.amount.minorUnits > configuration.contactlessFloorLimit
    }

    var contactlessCVMRequired: Bool { !isBelow(configuration.cvmRequiredLimit) }

    var isContactless: Bool { transaction?.entryMode == .contactless }

    var applicationInterchangeProfile: ApplicationInterchangeProfile {
        cardData[.applicationInterchangeProfile].flatMap { ApplicationInterchangeProfile(bytes: $0) } ?? []
    }

    /// Writes TVR, TSI and CVM results into the terminal data, as DOLs and DE55 read them.
    mutating func syncTerminalData() {
        terminalData[.terminalVerificationResults] = tvr.bytes
        terminalData[.transactionStatusInformation] = tsi.bytes
        terminalData[.cvmResults] = (cvmResults ?? .notPerformed).bytes
    }

    /// Card data overlaid with terminal data: the source for DOLs.
    var dolSource: [Tag: [UInt8]] {
        cardData.merging(terminalData) { _, terminal in terminal }
    }

    mutating func transmit(_ command: CommandAPDU, step: Step) -> [KernelAction] {
        self.step = step
        return [.transmit(command)]
    }

    /// Builds a command; a command that cannot be encoded means the card asked for too much data.
    mutating func transmit(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: UInt8? = nil, step: Step, command: CardCommand) -> [KernelAction] {
        do throws(EMVError) {
            return transmit(try CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data, le: le), step: step)
        } catch {
            return terminate(.malformedResponse(command: command, detail: "the card asks for \(data.count) bytes of data, more than a command can carry", tagPath: [], offset: nil))
        }
    }

    mutating func terminate(_ reason: TerminationReason) -> [KernelAction] {
        complete(.terminated(reason))
    }

    mutating func malformed(_ command: CardCommand, _ error: PaymentCoreError) -> [KernelAction] {
        terminate(.malformedResponse(command: command, detail: error.message, tagPath: error.tagPath, offset: error.offset))
    }

    mutating func malformed(_ command: CardCommand, _ detail: String, tagPath: [Tag] = []) -> [KernelAction] {
        terminate(.malformedResponse(command: command, detail: detail, tagPath: tagPath, offset: nil))
    }

    /// The outcome of a transaction cancelled in its current state, for a driver that lost track of the kernel.
    var cancelledOutcome: KernelOutcome {
        var copy = self
        for case .complete(let outcome) in copy.complete(.terminated(.cancelled)) { return outcome }
        return KernelOutcome(decision: .terminated(.cancelled), tvr: tvr, tsi: tsi, cvmResults: cvmResults, cardholderVerification: cardholderVerification, data: [:])
    }

    mutating func complete(_ decision: KernelDecision) -> [KernelAction] {
        step = .finished
        syncTerminalData()
        if let arc = authorisationResponseCode { terminalData[.authorisationResponseCode] = arc }
        let atc = cardData[.applicationTransactionCounter].flatMap { $0.count == 2 ? UInt16($0[0]) << 8 | UInt16($0[1]) : nil }
        let outcome = KernelOutcome(
            decision: decision,
            tvr: tvr,
            tsi: tsi,
            cvmResults: cvmResults,
            cardholderVerification: cardholderVerification,
            cryptogramInformationData: cardData[.cryptogramInformationData]?.first,
            applicationCryptogram: cardData[.applicationCryptogram],
            atc: atc,
            authorisationResponseCode: authorisationResponseCode.map { String(decoding: $0, as: UTF8.self) },
            applicationIdentifier: selected?.aid,
            applicationLabel: selected?.label,
            pan: pan,
            data: dolSource
        )
        return [.complete(outcome)]
    }

    /// Decodes response data; nil after terminating with the parse error (in `actions`).
    mutating func decode(_ data: [UInt8], command: CardCommand, actions: inout [KernelAction]) -> [TLV]? {
        do throws(PaymentCoreError) {
            return try BERTLV.decode(data)
        } catch {
            actions = malformed(command, error)
            return nil
        }
    }
}
