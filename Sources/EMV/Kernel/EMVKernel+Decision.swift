import PaymentCore

/// Terminal risk management, terminal action analysis, GENERATE AC, online processing, issuer authentication and
/// completion (EMV Book 3 §10.6–10.11).
extension EMVKernel {
    static let approvalCodes: Set<[UInt8]> = [Array("00".utf8), Array("08".utf8), Array("10".utf8), Array("11".utf8)]
    static let unableOnlineApproved = Array("Y3".utf8)
    static let unableOnlineDeclined = Array("Z3".utf8)

    mutating func afterCardholderVerification() -> [KernelAction] {
        performTerminalRiskManagement()
        requestedFirstAC = terminalActionAnalysis()
        syncTerminalData()
        return generateAC(p1: requestedFirstAC, dolTag: .cdol1, step: .generatingFirstAC, command: .firstGenerateAC)
    }

    /// Floor limit and random transaction selection (velocity checking is not done); always for a tap.
    private mutating func performTerminalRiskManagement() {
        guard let transaction else { return }
        guard isContactless || applicationInterchangeProfile.contains(.terminalRiskManagementRequired) else { return }
        tsi.insert(.terminalRiskManagementPerformed)
        if transaction.forceOnline { tvr.insert(.merchantForcedOnline) }
        if isContactless {
            if exceedsContactlessFloorLimit { tvr.insert(.exceedsFloorLimit) }
            return
        }
        guard isBelow(configuration.floorLimit) else {
            tvr.insert(.exceedsFloorLimit)
            return
        }
        let selection = configuration.randomSelection
        guard selection.targetPercentage > 0 else { return }
        let amount = transaction.amount.minorUnits
        var target = selection.targetPercentage
        if amount >= selection.thresholdAmount, configuration.floorLimit > selection.thresholdAmount {
            // EMV Book 3 §10.6.2: the percentage grows linearly from the threshold to the floor limit.
            let span = configuration.floorLimit - selection.thresholdAmount
            target += Int(Int64(selection.maximumTargetPercentage - selection.targetPercentage) * (amount - selection.thresholdAmount) / span)
        }
        if transaction.randomSelectionNumber <= target { tvr.insert(.selectedRandomlyForOnline) }
    }

    /// The cryptogram to ask for (P1 of the first GENERATE AC): 00 AAC, 40 TC, 80 ARQC.
    private func terminalActionAnalysis() -> UInt8 {
        let allOnes = TerminalVerificationResults(rawValue: .max)
        let iacDenial = cardData[.issuerActionCodeDenial].flatMap { TerminalVerificationResults(bytes: $0) } ?? []
        let iacOnline = cardData[.issuerActionCodeOnline].flatMap { TerminalVerificationResults(bytes: $0) } ?? allOnes
        let iacDefault = cardData[.issuerActionCodeDefault].flatMap { TerminalVerificationResults(bytes: $0) } ?? allOnes
        let tac = configuration.actionCodes
        if transaction?.type == .refund { return 0x00 }
        if !tvr.isDisjoint(with: iacDenial.union(tac.denial)) { return 0x00 }
        if configuration.isOnlineCapable {
            return tvr.isDisjoint(with: iacOnline.union(tac.online)) ? 0x40 : 0x80
        }
        return tvr.isDisjoint(with: iacDefault.union(tac.default)) ? 0x40 : 0x00
    }

    /// The default action analysis when the host cannot be reached: true to approve (Y3), false to decline (Z3).
    private var defaultActionApproves: Bool {
        let allOnes = TerminalVerificationResults(rawValue: .max)
        let iacDefault = cardData[.issuerActionCodeDefault].flatMap { TerminalVerificationResults(bytes: $0) } ?? allOnes
        return tvr.isDisjoint(with: iacDefault.union(configuration.actionCodes.default))
    }

    private mutating func generateAC(p1: UInt8, dolTag: Tag, step: Step, command: CardCommand) -> [KernelAction] {
        let data: [UInt8]
        do throws(PaymentCoreError) {
            data = try DOL(parsing: cardData[dolTag] ?? []).build(dolSource)
        } catch {
            return terminate(.malformedResponse(command: .readRecord, detail: error.message, tagPath: [dolTag], offset: error.offset))
        }
        return transmit(cla: 0x80, ins: 0xAE, p1: p1, p2: 0x00, data: data, le: 0x00, step: step, command: command)
    }

    /// The parts of a GENERATE AC response.
    private struct CryptogramResponse {
        var cid: UInt8
        var atc: [UInt8]
        var cryptogram: [UInt8]
        var issuerApplicationData: [UInt8]?
    }

    /// Parses format 1 (CID ATC AC IAD) or format 2 (9F27 9F36 9F26 [9F10]); nil after terminating in `actions`.
    private mutating func parseCryptogram(_ response: ResponseAPDU, command: CardCommand, actions: inout [KernelAction]) -> CryptogramResponse? {
        guard response.status.isSuccess else {
            actions = terminate(.unexpectedStatus(command: command, response.status))
            return nil
        }
        guard let objects = decode(response.data, command: command, actions: &actions) else { return nil }
        guard objects.count == 1 else {
            actions = malformed(command, "expected one response template (80 or 77), found \(objects.count) objects")
            return nil
        }
        let result: CryptogramResponse
        switch objects[0].tag {
        case .responseMessageTemplateFormat1:
            let value = objects[0].value
            guard (11...43).contains(value.count) else {
                actions = malformed(command, "format 1 holds CID, ATC, cryptogram and up to 32 bytes of IAD (11–43 bytes), not \(value.count)", tagPath: [.responseMessageTemplateFormat1])
                return nil
            }
            result = CryptogramResponse(cid: value[0], atc: Array(value[1..<3]), cryptogram: Array(value[3..<11]), issuerApplicationData: value.count > 11 ? Array(value[11...]) : nil)
        case .responseMessageTemplateFormat2:
            let children = objects[0].children
            func value(_ tag: Tag, length: Int?) -> [UInt8]?? {
                guard let found = children.first(where: { $0.tag == tag })?.value else { return .some(nil) }
                if let length, found.count != length { return nil }
                return .some(found)
            }
            for (tag, length) in [(Tag.cryptogramInformationData, 1), (.applicationTransactionCounter, 2), (.applicationCryptogram, 8)] {
                switch value(tag, length: length) {
                case .none:
                    actions = malformed(command, "tag \(tag.hex) must be \(length) bytes", tagPath: [.responseMessageTemplateFormat2, tag])
                    return nil
                case .some(.none):
                    actions = terminate(.missingData(command: command, tag: tag))
                    return nil
                case .some(.some):
                    break
                }
            }
            let iad = children.first { $0.tag == .issuerApplicationData }?.value
            if let iad, iad.count > 32 {
                actions = malformed(command, "the issuer application data is at most 32 bytes", tagPath: [.responseMessageTemplateFormat2, .issuerApplicationData])
                return nil
            }
            result = CryptogramResponse(
                cid: children.first { $0.tag == .cryptogramInformationData }?.value.first ?? 0,
                atc: children.first { $0.tag == .applicationTransactionCounter }?.value ?? [],
                cryptogram: children.first { $0.tag == .applicationCryptogram }?.value ?? [],
                issuerApplicationData: iad
            )
        default:
            actions = malformed(command, "tag \(objects[0].tag.hex) is neither format 1 (80) nor format 2 (77)", tagPath: [objects[0].tag])
            return nil
        }
        cardData[.cryptogramInformationData] = [result.cid]
        cardData[.applicationTransactionCounter] = result.atc
        cardData[.applicationCryptogram] = result.cryptogram
        if let iad = result.issuerApplicationData { cardData[.issuerApplicationData] = iad }
        return result
    }

    /// Checks that the card did not answer with a "higher" cryptogram than asked (EMV Book 3 §9.3).
    private func cryptogramAllowed(_ returned: UInt8, requested: UInt8) -> Bool {
        switch (requested, returned) {
        case (_, 0x00): true
        case (0x40, 0x40), (0x40, 0x80), (0x80, 0x80): true
        default: false
        }
    }

    private static func name(ofCryptogram type: UInt8) -> String {
        switch type {
        case 0x00: "an AAC"
        case 0x40: "a TC"
        case 0x80: "an ARQC"
        default: "a reserved cryptogram type"
        }
    }

    mutating func firstACGenerated(_ response: ResponseAPDU) -> [KernelAction] {
        var failure: [KernelAction] = []
        guard let result = parseCryptogram(response, command: .firstGenerateAC, actions: &failure) else { return failure }
        tsi.insert(.cardRiskManagementPerformed)
        let type = result.cid & 0xC0
        guard cryptogramAllowed(type, requested: requestedFirstAC) else {
            return terminate(.protocolViolation(
                command: .firstGenerateAC,
                detail: "the card returned \(Self.name(ofCryptogram: type)) when the terminal asked for \(Self.name(ofCryptogram: requestedFirstAC))"
            ))
        }
        switch type {
        case 0x00: return complete(.declinedOffline)
        case 0x40: return complete(.approvedOffline)
        default:
            guard configuration.isOnlineCapable, let request = onlineRequest() else { return unableToGoOnline() }
            step = .awaitingOnlineResponse
            return [.goOnline(request)]
        }
    }

    /// The DE55 objects, in the order acquirers expect them.
    static let de55Tags: [Tag] = [
        .applicationCryptogram, .cryptogramInformationData, .issuerApplicationData, .unpredictableNumber,
        .applicationTransactionCounter, .terminalVerificationResults, .transactionDate, .transactionType,
        .amountAuthorised, .transactionCurrencyCode, .applicationInterchangeProfile, .terminalCountryCode,
        .terminalCapabilities, .cvmResults, .dedicatedFileName, .terminalType, .amountOther, .panSequenceNumber,
        .track2Equivalent, .terminalApplicationVersionNumber, .ifdSerialNumber, .transactionSequenceCounter,
        .terminalTransactionQualifiers,
    ]

    /// The DE55 objects of `source` (the transaction's data objects), in `de55Tags` order.
    static func de55(_ source: [Tag: [UInt8]]) -> [TLV] {
        de55Tags.compactMap { tag in source[tag].map { TLV(tag: tag, value: $0) } }
    }

    /// The PAN sequence number (5F34, BCD) among `data`.
    static func panSequenceNumber(_ data: [Tag: [UInt8]]) -> UInt8? {
        data[.panSequenceNumber].flatMap { BCD.value($0) }.flatMap { UInt8(exactly: $0) }
    }

    private func onlineRequest() -> OnlineRequest? {
        guard let transaction, let pan, let aid = selected?.aid else { return nil }
        let tlv = Self.de55(dolSource)
        let psn = Self.panSequenceNumber(cardData)
        return OnlineRequest(
            tlv: tlv,
            pan: pan,
            track2: track2,
            panSequenceNumber: psn,
            amount: transaction.amount,
            otherAmount: transaction.otherAmount,
            entryMode: transaction.entryMode,
            onlinePIN: onlinePIN,
            applicationIdentifier: aid
        )
    }

    mutating func onlineResponded(_ response: OnlineResponse) -> [KernelAction] {
        switch response {
        case .unableToGoOnline:
            return unableToGoOnline()
        case .received(let code, let issuerData):
            let arc = Array(code.utf8)
            guard arc.count == 2 else {
                // A host answer without a usable response code counts as no answer.
                return unableToGoOnline()
            }
            authorisationResponseCode = arc
            terminalData[.authorisationResponseCode] = arc
            let approved = Self.approvalCodes.contains(arc)
            if isContactless {
                // The card has left the field: no issuer authentication, no second GENERATE AC.
                return complete(approved ? .approvedOnline : .declinedOnline)
            }
            requestedSecondAC = approved ? 0x40 : 0x00
            if let issuerData, !issuerData.isEmpty, applicationInterchangeProfile.contains(.issuerAuthenticationSupported) {
                terminalData[.issuerAuthenticationData] = issuerData
                tsi.insert(.issuerAuthenticationPerformed)
                let cdol2 = (try? DOL(parsing: cardData[.cdol2] ?? []))?.entries ?? []
                if !cdol2.contains(where: { $0.tag == .issuerAuthenticationData }) {
                    guard (8...16).contains(issuerData.count) else {
                        tvr.insert(.issuerAuthenticationFailed)
                        return secondGenerateAC()
                    }
                    return transmit(cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data: issuerData, step: .externallyAuthenticating, command: .externalAuthenticate)
                }
            }
            return secondGenerateAC()
        }
    }

    /// Y3/Z3: the terminal decides with its default action codes; contact asks the card to agree in a second GENERATE AC.
    private mutating func unableToGoOnline() -> [KernelAction] {
        let approve = defaultActionApproves
        authorisationResponseCode = approve ? Self.unableOnlineApproved : Self.unableOnlineDeclined
        terminalData[.authorisationResponseCode] = authorisationResponseCode
        if isContactless {
            // Without a second GENERATE AC there is no card TC to approve with.
            authorisationResponseCode = Self.unableOnlineDeclined
            terminalData[.authorisationResponseCode] = authorisationResponseCode
            return complete(.declinedUnableToGoOnline)
        }
        requestedSecondAC = approve ? 0x40 : 0x00
        return secondGenerateAC()
    }

    mutating func externallyAuthenticated(_ response: ResponseAPDU) -> [KernelAction] {
        if !response.status.isSuccess { tvr.insert(.issuerAuthenticationFailed) }
        return secondGenerateAC()
    }

    private mutating func secondGenerateAC() -> [KernelAction] {
        syncTerminalData()
        return generateAC(p1: requestedSecondAC, dolTag: .cdol2, step: .generatingSecondAC, command: .secondGenerateAC)
    }

    mutating func secondACGenerated(_ response: ResponseAPDU) -> [KernelAction] {
        var failure: [KernelAction] = []
        guard let result = parseCryptogram(response, command: .secondGenerateAC, actions: &failure) else { return failure }
        let type = result.cid & 0xC0
        guard type != 0x80, cryptogramAllowed(type, requested: requestedSecondAC) else {
            return terminate(.protocolViolation(
                command: .secondGenerateAC,
                detail: "the card returned \(Self.name(ofCryptogram: type)) when the terminal asked for \(Self.name(ofCryptogram: requestedSecondAC))"
            ))
        }
        let arc = authorisationResponseCode ?? []
        let unable = arc == Self.unableOnlineApproved || arc == Self.unableOnlineDeclined
        if type == 0x40 {
            return complete(unable ? .approvedUnableToGoOnline : .approvedOnline)
        }
        if unable { return complete(.declinedUnableToGoOnline) }
        return complete(Self.approvalCodes.contains(arc) ? .declinedByCardAfterOnlineApproval : .declinedOnline)
    }
}
