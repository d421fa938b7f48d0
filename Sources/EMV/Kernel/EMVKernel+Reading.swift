import PaymentCore

/// Initiate application processing, read application data, processing restrictions (EMV Book 3 §10.1–10.4).
extension EMVKernel {
    mutating func getProcessingOptions() -> [KernelAction] {
        var pdolData: [UInt8] = []
        if let pdolBytes = cardData[.pdol] {
            do throws(PaymentCoreError) {
                pdolData = try DOL(parsing: pdolBytes).build(dolSource)
            } catch {
                return terminate(.malformedResponse(command: .selectApplication, detail: error.message, tagPath: [.fciTemplate, .fciProprietaryTemplate, .pdol], offset: error.offset))
            }
        }
        guard pdolData.count <= 253 else {
            return malformed(.selectApplication, "the PDOL asks for \(pdolData.count) bytes, more than a command can carry", tagPath: [.pdol])
        }
        let template = [0x83] + BERTLV.encodeLength(pdolData.count) + pdolData
        return transmit(cla: 0x80, ins: 0xA8, p1: 0x00, p2: 0x00, data: template, le: 0x00, step: .gettingProcessingOptions, command: .getProcessingOptions)
    }

    mutating func processingOptionsReceived(_ response: ResponseAPDU) -> [KernelAction] {
        if response.status == .conditionsNotSatisfied { return dropSelectedApplication() }
        guard response.status.isSuccess else { return terminate(.unexpectedStatus(command: .getProcessingOptions, response.status)) }
        var failure: [KernelAction] = []
        guard let objects = decode(response.data, command: .getProcessingOptions, actions: &failure) else { return failure }
        guard objects.count == 1 else {
            return malformed(.getProcessingOptions, "expected one response template (80 or 77), found \(objects.count) objects")
        }
        let aip: [UInt8]
        let aflBytes: [UInt8]
        switch objects[0].tag {
        case .responseMessageTemplateFormat1:
            let value = objects[0].value
            guard value.count >= 2 else {
                return malformed(.getProcessingOptions, "format 1 needs the 2-byte AIP, got \(value.count) bytes", tagPath: [.responseMessageTemplateFormat1])
            }
            aip = Array(value[0..<2])
            aflBytes = Array(value[2...])
        case .responseMessageTemplateFormat2:
            let children = objects[0].children
            for object in children where !object.tag.isConstructed && cardData[object.tag] == nil {
                cardData[object.tag] = object.value
            }
            guard let value = children.first(where: { $0.tag == .applicationInterchangeProfile })?.value else {
                return terminate(.missingData(command: .getProcessingOptions, tag: .applicationInterchangeProfile))
            }
            guard let afl = children.first(where: { $0.tag == .applicationFileLocator })?.value else {
                return terminate(.missingData(command: .getProcessingOptions, tag: .applicationFileLocator))
            }
            aip = value
            aflBytes = afl
        default:
            return malformed(.getProcessingOptions, "tag \(objects[0].tag.hex) is neither format 1 (80) nor format 2 (77)", tagPath: [objects[0].tag])
        }
        guard aip.count == 2 else {
            return malformed(.getProcessingOptions, "the AIP is 2 bytes, not \(aip.count)", tagPath: [.applicationInterchangeProfile])
        }
        if aflBytes.isEmpty { return terminate(.missingData(command: .getProcessingOptions, tag: .applicationFileLocator)) }
        let afl: ApplicationFileLocator
        do throws(EMVError) {
            afl = try ApplicationFileLocator(bytes: aflBytes)
        } catch {
            return terminate(.malformedResponse(command: .getProcessingOptions, detail: error.message, tagPath: [.applicationFileLocator], offset: error.offset))
        }
        cardData[.applicationInterchangeProfile] = aip
        cardData[.applicationFileLocator] = aflBytes
        recordsToRead = afl.records
        recordIndex = 0
        return readNextRecord()
    }

    private mutating func readNextRecord() -> [KernelAction] {
        guard recordIndex < recordsToRead.count else { return recordsComplete() }
        let (sfi, record) = recordsToRead[recordIndex]
        return transmit(cla: 0x00, ins: 0xB2, p1: record, p2: sfi << 3 | 0x04, le: 0x00, step: .readingRecords, command: .readRecord)
    }

    mutating func recordRead(_ response: ResponseAPDU) -> [KernelAction] {
        guard response.status.isSuccess else { return terminate(.unexpectedStatus(command: .readRecord, response.status)) }
        var failure: [KernelAction] = []
        guard let objects = decode(response.data, command: .readRecord, actions: &failure) else { return failure }
        guard objects.count == 1, objects[0].tag == .readRecordResponseTemplate else {
            return malformed(.readRecord, "a record is one 70 template", tagPath: objects.first.map { [$0.tag] } ?? [])
        }
        for object in objects[0].children where !object.tag.isConstructed {
            // EMV Book 3 §10.2: a primitive object read twice ends the transaction.
            guard recordTags.insert(object.tag).inserted else {
                return malformed(.readRecord, "tag \(object.tag.hex) appears in more than one record", tagPath: [.readRecordResponseTemplate, object.tag])
            }
            cardData[object.tag] = object.value
        }
        recordIndex += 1
        return readNextRecord()
    }

    /// Checks the mandatory data, then runs processing restrictions and goes on to cardholder verification.
    private mutating func recordsComplete() -> [KernelAction] {
        var mandatory: [Tag] = [.applicationExpirationDate, .pan, .track2Equivalent, .cdol1]
        if !isContactless { mandatory.append(.cdol2) }
        for tag in mandatory where cardData[tag] == nil {
            return terminate(.missingData(command: .readRecord, tag: tag))
        }
        let panDigits = HexCoding.encode(cardData[.pan] ?? []).prefix { $0 != "F" }
        do throws(PaymentCoreError) {
            pan = try PAN(String(panDigits))
        } catch {
            return malformed(.readRecord, "5A is not a card number: \(error.message)", tagPath: [.readRecordResponseTemplate, .pan])
        }
        do throws(PaymentCoreError) {
            track2 = try Track2(emvBytes: cardData[.track2Equivalent] ?? [])
        } catch {
            return malformed(.readRecord, "57 is not track 2 data: \(error.message)", tagPath: [.readRecordResponseTemplate, .track2Equivalent])
        }
        for tag in [Tag.cdol1, .cdol2] {
            guard let bytes = cardData[tag] else { continue }
            do throws(PaymentCoreError) {
                _ = try DOL(parsing: bytes)
            } catch {
                return terminate(.malformedResponse(command: .readRecord, detail: error.message, tagPath: [.readRecordResponseTemplate, tag], offset: error.offset))
            }
        }
        let expiry: TransactionDate
        do throws(EMVError) {
            expiry = try TransactionDate(bcd: cardData[.applicationExpirationDate] ?? [])
        } catch {
            return malformed(.readRecord, "5F24 is not a YYMMDD date", tagPath: [.readRecordResponseTemplate, .applicationExpirationDate])
        }
        var effective: TransactionDate?
        if let bytes = cardData[.applicationEffectiveDate] {
            do throws(EMVError) {
                effective = try TransactionDate(bcd: bytes)
            } catch {
                return malformed(.readRecord, "5F25 is not a YYMMDD date", tagPath: [.readRecordResponseTemplate, .applicationEffectiveDate])
            }
        }
        // This kernel has no certificate authority keys, so no offline data authentication is performed.
        tvr.insert(.offlineDataAuthenticationNotPerformed)
        checkProcessingRestrictions(expiry: expiry, effective: effective)
        return startCardholderVerification()
    }

    /// EMV Book 3 §10.4: application versions, dates, application usage control.
    private mutating func checkProcessingRestrictions(expiry: TransactionDate, effective: TransactionDate?) {
        guard let transaction else { return }
        if let card = cardData[.applicationVersionNumber], let terminal = terminalData[.terminalApplicationVersionNumber], card != terminal {
            tvr.insert(.differentApplicationVersions)
        }
        if expiry < transaction.date { tvr.insert(.expiredApplication) }
        if let effective, transaction.date < effective { tvr.insert(.applicationNotYetEffective) }
        guard let auc = cardData[.applicationUsageControl], auc.count == 2 else { return }
        let atm = [0x14, 0x15, 0x16].contains(configuration.terminalType)
        var allowed = auc[0] & (atm ? 0x02 : 0x01) != 0
        if let issuerCountry = cardData[.issuerCountryCode] {
            let domestic = issuerCountry == terminalData[.terminalCountryCode]
            switch transaction.type {
            case .cash:
                allowed = allowed && auc[0] & (domestic ? 0x80 : 0x40) != 0
            case .purchaseWithCashback:
                allowed = allowed && auc[0] & (domestic ? 0x28 : 0x14) != 0 && auc[1] & (domestic ? 0x80 : 0x40) != 0
            case .purchase:
                allowed = allowed && auc[0] & (domestic ? 0x28 : 0x14) != 0
            default:
                break
            }
        }
        if !allowed { tvr.insert(.serviceNotAllowed) }
    }
}
