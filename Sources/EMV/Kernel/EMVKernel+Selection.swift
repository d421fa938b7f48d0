import PaymentCore

/// Application selection (EMV Book 1 §12): PSE directory or list of AIDs for contact, PPSE for contactless,
/// then candidates by priority, the cardholder's choice, and the final SELECT.
extension EMVKernel {
    mutating func pseSelected(_ response: ResponseAPDU) -> [KernelAction] {
        if response.status.value == 0x6A81 { return terminate(.cardBlocked) }
        // A PSE that is absent or unusable sends the terminal to its list of AIDs.
        guard response.status.isSuccess, let objects = try? BERTLV.decode(response.data),
              let sfi = objects.first(.shortFileIdentifier)?.value, sfi.count == 1, (1...30).contains(sfi[0])
        else { return selectNextListedApplication() }
        directorySFI = sfi[0]
        directoryRecord = 1
        return readDirectoryRecord()
    }

    private mutating func readDirectoryRecord() -> [KernelAction] {
        transmit(cla: 0x00, ins: 0xB2, p1: directoryRecord, p2: directorySFI << 3 | 0x04, le: 0x00, step: .readingDirectory, command: .readDirectory)
    }

    mutating func directoryRecordRead(_ response: ResponseAPDU) -> [KernelAction] {
        if response.status == .recordNotFound {
            return candidates.isEmpty ? selectNextListedApplication() : offerCandidates()
        }
        guard response.status.isSuccess else { return terminate(.unexpectedStatus(command: .readDirectory, response.status)) }
        var failure: [KernelAction] = []
        guard let objects = decode(response.data, command: .readDirectory, actions: &failure) else { return failure }
        guard objects.count == 1, objects[0].tag == .readRecordResponseTemplate else {
            return malformed(.readDirectory, "a directory record is one 70 template", tagPath: objects.first.map { [$0.tag] } ?? [])
        }
        for entry in objects[0].children where entry.tag == .applicationTemplate {
            addCandidate(from: entry.children, aidTag: .applicationIdentifier)
        }
        // A card cannot keep the terminal reading forever: records are numbered up to 255 at most.
        guard directoryRecord < 0xFF else { return offerCandidates() }
        directoryRecord += 1
        return readDirectoryRecord()
    }

    /// The list-of-AIDs method: SELECT each terminal AID in turn.
    private mutating func selectNextListedApplication() -> [KernelAction] {
        let applications = listedApplications
        guard listIndex < applications.count else { return offerCandidates() }
        return transmitSelect(try? CommandAPDU.select(name: applications[listIndex].aid), step: .selectingListedApplication)
    }

    private var listedApplications: [TerminalConfiguration.SupportedApplication] {
        configuration.applications.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map(\.element)
    }

    mutating func listedApplicationSelected(_ response: ResponseAPDU) -> [KernelAction] {
        if response.status.value == 0x6A81 { return terminate(.cardBlocked) }
        // A missing, blocked or unreadable application is simply not a candidate.
        if response.status.isSuccess, let objects = try? BERTLV.decode(response.data), let fci = objects.first(where: { $0.tag == .fciTemplate }) {
            var fields = fci.children.filter { $0.tag != .fciProprietaryTemplate }
            fields += fci.first(.fciProprietaryTemplate)?.children ?? []
            addCandidate(from: fields, aidTag: .dedicatedFileName)
        }
        listIndex += 1
        return selectNextListedApplication()
    }

    mutating func ppseSelected(_ response: ResponseAPDU) -> [KernelAction] {
        switch response.status.value {
        case 0x9000: break
        case 0x6A81: return terminate(.cardBlocked)
        case 0x6A82: return terminate(.noCommonApplication)
        default: return terminate(.unexpectedStatus(command: .selectPPSE, response.status))
        }
        var failure: [KernelAction] = []
        guard let objects = decode(response.data, command: .selectPPSE, actions: &failure) else { return failure }
        guard let fci = objects.first(where: { $0.tag == .fciTemplate }) else {
            return terminate(.missingData(command: .selectPPSE, tag: .fciTemplate))
        }
        guard let directory = fci.first(.fciIssuerDiscretionaryData) else {
            return terminate(.missingData(command: .selectPPSE, tag: .fciIssuerDiscretionaryData))
        }
        for entry in directory.children where entry.tag == .applicationTemplate {
            addCandidate(from: entry.children, aidTag: .applicationIdentifier)
        }
        return offerCandidates()
    }

    /// Adds the application described by `fields` when the terminal supports its AID and it is not listed yet.
    private mutating func addCandidate(from fields: [TLV], aidTag: Tag) {
        guard let aid = fields.first(where: { $0.tag == aidTag })?.value, (5...16).contains(aid.count),
              configuration.applications.contains(where: { $0.matches(aid) }),
              !candidates.contains(where: { $0.aid == aid })
        else { return }
        let priorityByte = fields.first { $0.tag == .applicationPriorityIndicator }?.value.first
        let priority = priorityByte.map { Int($0 & 0x0F) }.flatMap { $0 == 0 ? nil : $0 }
        let labelBytes = fields.first { $0.tag == .applicationLabel }?.value ?? []
        let printable = !labelBytes.isEmpty && labelBytes.allSatisfy { (0x20...0x7E).contains($0) }
        candidates.append(Candidate(
            aid: aid,
            label: printable ? String(decoding: labelBytes, as: UTF8.self) : HexCoding.encode(aid),
            priority: priority,
            requiresConfirmation: (priorityByte ?? 0) & 0x80 != 0
        ))
    }

    /// Orders the candidates and selects one, or asks the cardholder.
    mutating func offerCandidates() -> [KernelAction] {
        guard !candidates.isEmpty else { return terminate(.noCommonApplication) }
        candidates = candidates.enumerated().sorted { ($0.element.priority ?? 16, $0.offset) < ($1.element.priority ?? 16, $1.offset) }.map(\.element)
        if isContactless {
            return selectFinal(candidates[0])
        }
        if configuration.supportsCardholderSelection, candidates.count > 1 || candidates[0].requiresConfirmation {
            step = .awaitingApplicationChoice
            return [.chooseApplication(candidates)]
        }
        guard let automatic = candidates.first(where: { !$0.requiresConfirmation }) else { return terminate(.noCommonApplication) }
        return selectFinal(automatic)
    }

    mutating func selectFinal(_ candidate: Candidate) -> [KernelAction] {
        selected = candidate
        return transmitSelect(try? CommandAPDU.select(name: candidate.aid), step: .selectingApplication)
    }

    /// Drops the selected application and offers the rest (EMV Book 1 §12.4 after 6A82, Book 3 §10.1 after GPO 6985).
    mutating func dropSelectedApplication() -> [KernelAction] {
        if let selected { candidates.removeAll { $0.aid == selected.aid } }
        selected = nil
        cardData = [:]
        return offerCandidates()
    }

    mutating func applicationSelected(_ response: ResponseAPDU) -> [KernelAction] {
        if response.status.value == 0x6A81 { return terminate(.cardBlocked) }
        guard response.status.isSuccess else { return dropSelectedApplication() }
        var failure: [KernelAction] = []
        guard let objects = decode(response.data, command: .selectApplication, actions: &failure) else { return failure }
        guard let fci = objects.first(where: { $0.tag == .fciTemplate }) else {
            return terminate(.missingData(command: .selectApplication, tag: .fciTemplate))
        }
        guard let name = fci.children.first(where: { $0.tag == .dedicatedFileName })?.value else {
            return terminate(.missingData(command: .selectApplication, tag: .dedicatedFileName))
        }
        guard let proprietary = fci.children.first(where: { $0.tag == .fciProprietaryTemplate }) else {
            return terminate(.missingData(command: .selectApplication, tag: .fciProprietaryTemplate))
        }
        guard name == selected?.aid else { return dropSelectedApplication() }
        cardData = [:]
        cardData[.dedicatedFileName] = name
        cardData[.applicationIdentifier] = name
        for object in proprietary.children where !object.tag.isConstructed && cardData[object.tag] == nil {
            cardData[object.tag] = object.value
        }
        if let supported = configuration.applications.first(where: { $0.matches(name) }) {
            terminalData[.terminalApplicationIdentifier] = supported.aid
            terminalData[.terminalApplicationVersionNumber] = supported.applicationVersion
        }
        return getProcessingOptions()
    }

    private mutating func transmitSelect(_ command: CommandAPDU?, step: Step) -> [KernelAction] {
        guard let command else { return terminate(.noCommonApplication) }
        return transmit(command, step: step)
    }
}
