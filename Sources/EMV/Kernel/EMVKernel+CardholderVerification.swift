import PaymentCore

/// Cardholder verification (EMV Book 3 §10.5; contactless CVM-required limit and CDCVM as in EMV Book C-2).
extension EMVKernel {
    /// What trying one rule gave.
    enum Attempt {
        case succeeded(CVMResults.Result, CardholderVerification)
        case failed
        /// Waiting for the card or the cardholder.
        case pending([KernelAction])
    }

    mutating func startCardholderVerification() -> [KernelAction] {
        let aip = applicationInterchangeProfile
        if isContactless {
            if cardRequestsOnlinePIN {
                // The card's own counters (e.g. PSD2's taps without a PIN) ask for an online PIN, whatever the amount.
                tsi.insert(.cardholderVerificationPerformed)
                cvmList = nil
                cvmRules = [CVMRule(method: .onlinePIN, condition: .always, applySucceedingRuleIfUnsuccessful: false)]
                cvmIndex = 0
                cvmResults = nil
                return continueCardholderVerification()
            }
            if !contactlessCVMRequired {
                cvmResults = .noCVMRequired
                cardholderVerification = .noneRequired
                return afterCardholderVerification()
            }
            if aip.contains(.onDeviceCardholderVerificationSupported) && configuration.supportsConsumerDeviceCVM {
                cvmResults = .consumerDeviceCVM
                cardholderVerification = .consumerDevice
                tsi.insert(.cardholderVerificationPerformed)
                return afterCardholderVerification()
            }
        }
        guard aip.contains(.cardholderVerificationSupported) else {
            cvmResults = .notPerformed
            cardholderVerification = .notPerformed
            return afterCardholderVerification()
        }
        guard let bytes = cardData[.cvmList], let list = try? CVMList(bytes: bytes), !list.rules.isEmpty else {
            tvr.insert(.iccDataMissing)
            cvmResults = .notPerformed
            cardholderVerification = .notPerformed
            return afterCardholderVerification()
        }
        tsi.insert(.cardholderVerificationPerformed)
        cvmList = list
        cvmRules = list.rules
        cvmIndex = 0
        cvmResults = nil
        return continueCardholderVerification()
    }

    /// Visa CTQ (9F6C) byte 1 bit 8: "online PIN required" (EMV Book C-3 Annex A).
    private var cardRequestsOnlinePIN: Bool {
        cardData[.cardTransactionQualifiers]?.first.map { $0 & 0x80 != 0 } ?? false
    }

    /// Walks the rules from `cvmIndex` until one succeeds, one fails for good, one waits, or the list ends.
    mutating func continueCardholderVerification() -> [KernelAction] {
        while cvmIndex < cvmRules.count {
            let rule = cvmRules[cvmIndex]
            guard conditionSatisfied(rule) else {
                cvmIndex += 1
                continue
            }
            switch attempt(rule) {
            case .succeeded(let result, let method):
                cvmResults = CVMResults(rule: rule, result: result)
                cardholderVerification = method
                return afterCardholderVerification()
            case .pending(let actions):
                return actions
            case .failed:
                if let actions = ruleFailed(rule) { return actions }
            }
        }
        return cardholderVerificationFailed(noRuleApplied: cvmResults == nil)
    }

    /// Records a failed rule; actions when verification ends, nil to go on with the next rule.
    private mutating func ruleFailed(_ rule: CVMRule) -> [KernelAction]? {
        cvmResults = CVMResults(rule: rule, result: .failed)
        guard rule.applySucceedingRuleIfUnsuccessful else { return cardholderVerificationFailed(noRuleApplied: false) }
        cvmIndex += 1
        return nil
    }

    /// The rule that was waiting (PIN entry, VERIFY) failed.
    mutating func currentRuleFailed() -> [KernelAction] {
        guard cvmRules.indices.contains(cvmIndex) else { return cardholderVerificationFailed(noRuleApplied: false) }
        if let actions = ruleFailed(cvmRules[cvmIndex]) { return actions }
        return continueCardholderVerification()
    }

    private mutating func cardholderVerificationFailed(noRuleApplied: Bool) -> [KernelAction] {
        tvr.insert(.cardholderVerificationNotSuccessful)
        if noRuleApplied { cvmResults = .noRuleApplied }
        cardholderVerification = .failed
        return afterCardholderVerification()
    }

    private func conditionSatisfied(_ rule: CVMRule) -> Bool {
        guard let transaction else { return false }
        switch rule.condition {
        case .always: return true
        case .unattendedCash: return transaction.type == .cash && configuration.isUnattended
        case .manualCash: return transaction.type == .cash && !configuration.isUnattended
        case .notCashOrCashback: return transaction.type != .cash && transaction.type != .purchaseWithCashback
        case .purchaseWithCashback: return transaction.type == .purchaseWithCashback
        case .terminalSupportsCVM: return rule.method.isRecognised && supports(rule.method)
        case .underX, .overX, .underY, .overY:
            guard let list = cvmList, cardData[.applicationCurrencyCode] == terminalData[.transactionCurrencyCode] else { return false }
            let amount = transaction.amount.minorUnits
            switch rule.condition {
            case .underX: return amount < Int64(list.amountX)
            case .overX: return amount > Int64(list.amountX)
            case .underY: return amount < Int64(list.amountY)
            default: return amount > Int64(list.amountY)
            }
        default: return false
        }
    }

    /// Whether the terminal can perform `method` on this interface.
    private func supports(_ method: CVMethod) -> Bool {
        let capabilities = configuration.terminalCapabilities
        if isContactless {
            // A tap that needs a CVM has no PIN pad dialogue with the card and "no CVM" is not enough.
            let ttq = terminalData[.terminalTransactionQualifiers] ?? [0, 0, 0, 0]
            switch method {
            case .onlinePIN: return ttq.first.map { $0 & 0x04 != 0 } ?? false
            case .signature: return ttq.first.map { $0 & 0x02 != 0 } ?? false
            default: return false
            }
        }
        switch method {
        case .offlinePlaintextPIN: return capabilities.contains(.plaintextPINForICCVerification)
        case .offlinePlaintextPINAndSignature: return capabilities.isSuperset(of: [.plaintextPINForICCVerification, .signature])
        case .onlinePIN: return capabilities.contains(.encipheredPINForOnlineVerification) && configuration.isOnlineCapable
        case .signature: return capabilities.contains(.signature)
        case .noCVMRequired: return capabilities.contains(.noCVMRequired)
        default: return false  // enciphered offline PIN: this kernel has no ICC PIN encipherment key handling
        }
    }

    private mutating func attempt(_ rule: CVMRule) -> Attempt {
        guard rule.method.isRecognised else {
            tvr.insert(.unrecognisedCVM)
            return .failed
        }
        switch rule.method {
        case .failCVMProcessing:
            return .failed
        case .noCVMRequired:
            return supports(.noCVMRequired) ? .succeeded(.successful, .noneRequired) : .failed
        case .signature:
            return supports(.signature) ? .succeeded(.unknown, .signature) : .failed
        case .onlinePIN:
            guard supports(.onlinePIN) else {
                tvr.insert(.pinPadNotPresentOrNotWorking)
                return .failed
            }
            step = .awaitingOnlinePIN
            return .pending([.requestOnlinePIN])
        case .offlinePlaintextPIN, .offlinePlaintextPINAndSignature:
            guard supports(rule.method) else {
                tvr.insert(.pinPadNotPresentOrNotWorking)
                return .failed
            }
            // Ask the card how many tries are left before asking the cardholder (GET DATA 9F17).
            return .pending(transmit(cla: 0x80, ins: 0xCA, p1: 0x9F, p2: 0x17, le: 0x00, step: .readingPINTryCounter, command: .getData))
        default:
            tvr.insert(.pinPadNotPresentOrNotWorking)
            return .failed
        }
    }

    mutating func pinTryCounterRead(_ response: ResponseAPDU) -> [KernelAction] {
        // The counter is optional: a card that does not answer still gets its PIN asked for.
        var triesLeft: Int?
        if response.status.isSuccess, let objects = try? BERTLV.decode(response.data),
           let counter = objects.first(.pinTryCounter)?.value, counter.count == 1 {
            triesLeft = Int(counter[0])
        }
        if triesLeft == 0 {
            tvr.insert(.pinTryLimitExceeded)
            return currentRuleFailed()
        }
        step = .awaitingOfflinePIN
        return [.requestOfflinePIN(triesLeft: triesLeft)]
    }

    mutating func verifyOfflinePIN(_ pin: PINEntry) -> [KernelAction] {
        transmit(cla: 0x00, ins: 0x20, p1: 0x00, p2: 0x80, data: pin.format2Block(), step: .verifyingPIN, command: .verify)
    }

    mutating func pinVerified(_ response: ResponseAPDU) -> [KernelAction] {
        let status = response.status
        if status.isSuccess {
            guard cvmRules.indices.contains(cvmIndex) else { return cardholderVerificationFailed(noRuleApplied: false) }
            let rule = cvmRules[cvmIndex]
            cvmResults = CVMResults(rule: rule, result: rule.method == .offlinePlaintextPINAndSignature ? .unknown : .successful)
            cardholderVerification = rule.method == .offlinePlaintextPINAndSignature ? .offlinePINAndSignature : .offlinePIN
            return afterCardholderVerification()
        }
        if status.sw1 == 0x63, status.sw2 & 0xF0 == 0xC0 {
            let triesLeft = Int(status.sw2 & 0x0F)
            if triesLeft > 0 {
                step = .awaitingOfflinePIN
                return [.requestOfflinePIN(triesLeft: triesLeft)]
            }
            tvr.insert(.pinTryLimitExceeded)
            return currentRuleFailed()
        }
        if status == .authenticationMethodBlocked || status.value == 0x6984 {
            tvr.insert(.pinTryLimitExceeded)
            return currentRuleFailed()
        }
        return terminate(.unexpectedStatus(command: .verify, status))
    }

    mutating func onlinePINEntered(_ pin: PINEntry) -> [KernelAction] {
        guard cvmRules.indices.contains(cvmIndex) else { return cardholderVerificationFailed(noRuleApplied: false) }
        onlinePIN = pin
        tvr.insert(.onlinePINEntered)
        cvmResults = CVMResults(rule: cvmRules[cvmIndex], result: .unknown)
        cardholderVerification = .onlinePIN
        return afterCardholderVerification()
    }
}
