import CardReaders
import Foundation
import PaymentCore

/// The transaction types beyond the sale — pre-authorization and completion, void, referenced and unreferenced
/// refund, reprint, the end of day — from the menu, the keypad and scripts (`.operationRequested`). Each is checked
/// against the profile and the open batch before anything leaves; a refusal is a notice and changes nothing.
extension TransactionStateMachine {
    /// Starts an operation; refused (with a notice) when the terminal is busy, the profile disables it, or the
    /// journal says no.
    mutating func begin(_ operation: TerminalOperation, now: Date) -> [TransactionAction] {
        switch phase {
        case .amountEntry, .finished, .batchReport, .menu, .referenceEntry, .tipEntry: break
        case .waitingForCard where serverIntent == nil: break
        default:
            notice = "The terminal is busy: finish or cancel the current transaction first"
            return []
        }
        guard profile.enables(operation.type) else {
            notice = "\(operation.type.label) is not enabled on this terminal (\(profile.id))"
            return []
        }
        switch operation {
        case .reprint, .batch: break
        default: if refusedForBattery() { return [] }
        }
        switch operation {
        case .sale(let amount, let tip, let email, let offline):
            guard check(amount) else { return [] }
            if let tip, !checkTip(tip) { return [] }
            if let email, !Self.isEmailAddress(email) {
                notice = "'\(email.prefix(40))' is not an e-mail address"
                return []
            }
            resetKind()
            receiptEmail = email
            saleOffline = offline
            if let tip {
                terminalTip = tip.minorUnits > 0 ? tip : nil
                phase = .waitingForCard(amount: Money(minorUnits: amount.minorUnits + tip.minorUnits, currency: amount.currency))
                return []
            }
            return amountEntered(amount, now: now)
        case .preauthorization(let amount):
            guard check(amount) else { return [] }
            resetKind()
            kind = .preauthorization
            phase = .waitingForCard(amount: amount)
            return []
        case .completion(let stan, let amount):
            return complete(stan: stan, amount: amount)
        case .void(let stan):
            return void(stan: stan)
        case .refund(let amount, let of):
            guard check(amount) else { return [] }
            return refund(amount, of: of)
        case .reprint(let stan, let copy):
            return reprint(stan: stan, copy: copy)
        case .batch(let close):
            resetKind()
            phase = .processing(title: close ? "END OF DAY" : "BATCH REPORT")
            pendingBatchClose = close
            return [.requestBatch(number: journal.number, close: close ? journal.totals : nil)]
        }
    }

    /// An amount typed on the keypad and confirmed, for the transaction kind in progress.
    mutating func amountEntered(_ amount: Money, now: Date) -> [TransactionAction] {
        if refusedForBattery() {
            phase = .amountEntry(digits: "")
            resetKind()
            return []
        }
        switch kind {
        case .sale:
            if profile.tipping.mode != .off, terminalTip == nil {
                phase = .tipEntry(amount: amount, digits: "")
                return []
            }
            phase = .waitingForCard(amount: amount)
            return []
        case .preauthorization:
            phase = .waitingForCard(amount: amount)
            return []
        case .refund:
            return refund(amount, of: reference)
        case .completion:
            guard let reference else { resetKind(); return [] }
            return complete(stan: reference, amount: amount)
        case .void:
            return []
        }
    }

    // MARK: The menu and the STAN

    mutating func openMenu() -> [TransactionAction] {
        var items: [MenuItem] = []
        for type in profile.transactionTypes {
            switch type {
            case .sale: items.append(.sale)
            case .preauthorization: items.append(.preauthorization)
            case .completion: items.append(.completion)
            case .void: items.append(.void)
            case .refund: items.append(.refund)
            case .reprint: items.append(.reprint)
            case .batch: items += [.report, .close]
            }
        }
        phase = .menu(items: items + [.settings])
        return []
    }

    mutating func menuKey(_ key: TerminalKey, items: [MenuItem], now: Date) -> [TransactionAction] {
        switch key {
        case .digit(let d) where (1...items.count).contains(d):
            resetKind()
            switch items[d - 1] {
            case .sale:
                phase = .amountEntry(digits: "")
            case .preauthorization:
                kind = .preauthorization
                phase = .amountEntry(digits: "")
            case .completion: phase = .referenceEntry(purpose: .completion, digits: "")
            case .void: phase = .referenceEntry(purpose: .void, digits: "")
            case .refund: phase = .referenceEntry(purpose: .refund, digits: "")
            case .reprint: phase = .referenceEntry(purpose: .reprint, digits: "")
            case .report: return begin(.batch(close: false), now: now)
            case .close: return begin(.batch(close: true), now: now)
            case .settings: phase = .settings
            }
            return []
        case .cancel, .menu:
            phase = .amountEntry(digits: "")
            return []
        default:
            notice = "Choose 1-\(items.count), or Esc"
            return []
        }
    }

    /// The STAN of the transaction to act on; Enter on an empty STAN means the last transaction (reprint) or none
    /// (an unreferenced refund).
    mutating func referenceKey(_ key: TerminalKey, purpose: ReferencePurpose, digits: String, now: Date) -> [TransactionAction] {
        switch key {
        case .digit(let d) where digits.count < 6:
            phase = .referenceEntry(purpose: purpose, digits: digits + String(d))
        case .digit:
            notice = "A STAN has at most 6 digits"
        case .backspace:
            phase = .referenceEntry(purpose: purpose, digits: String(digits.dropLast()))
        case .cancel, .menu:
            phase = .amountEntry(digits: "")
            resetKind()
        case .enter:
            let stan = UInt32(digits)
            switch purpose {
            case .reprint: return begin(.reprint(stan: stan, copy: .customer), now: now)
            case .void:
                guard let stan else { notice = "Type the STAN of the transaction to void"; return [] }
                return begin(.void(stan: stan), now: now)
            case .completion:
                guard let stan else { notice = "Type the STAN of the pre-authorization"; return [] }
                guard let entry = validPreauthorization(stan) else { return [] }
                resetKind()
                kind = .completion
                reference = stan
                phase = .amountEntry(digits: String(entry.amount.minorUnits))
            case .refund:
                if let stan {
                    guard refundable(stan) != nil else { return [] }
                } else if !profile.unreferencedRefund {
                    notice = "Type the STAN of the transaction to refund"
                    return []
                }
                resetKind()
                kind = .refund
                reference = stan
                phase = .amountEntry(digits: "")
            }
        case .other:
            notice = "Type the STAN with 0-9, then Enter"
        }
        return []
    }

    // MARK: Tips

    mutating func tipKey(_ key: TerminalKey, amount: Money, digits: String) -> [TransactionAction] {
        func proceed(_ tip: Money?) -> [TransactionAction] {
            terminalTip = tip
            let total = Money(minorUnits: amount.minorUnits + (tip?.minorUnits ?? 0), currency: amount.currency)
            phase = .waitingForCard(amount: total)
            if let tip { notice = "Tip \(tip.formatted(withCode: true)) added" }
            return []
        }
        switch (profile.tipping.mode, key) {
        case (_, .cancel):
            phase = .amountEntry(digits: "")
            resetKind()
            notice = "Sale cancelled"
            return []
        case (.prompt, .digit(0)), (.prompt, .enter):
            return proceed(nil)
        case (.prompt, .digit(let d)) where (1...profile.tipping.percentages.count).contains(d):
            let minor = (amount.minorUnits * Int64(profile.tipping.percentages[d - 1]) + 50) / 100
            return proceed(minor > 0 ? Money(minorUnits: minor, currency: amount.currency) : nil)
        case (.prompt, _):
            notice = "Choose a tip with 1-\(profile.tipping.percentages.count), or 0 for none"
            return []
        case (_, .digit(let d)):
            let candidate = digits == "" && d == 0 ? "" : digits + String(d)
            guard let tip = try? Money.fromDigits(candidate.isEmpty ? "0" : candidate, currency: amount.currency),
                  tip.minorUnits + amount.minorUnits <= profile.limits.maxAmount.minorUnits else {
                notice = "Maximum amount is \(profile.limits.maxAmount.formatted(withCode: true))"
                return []
            }
            phase = .tipEntry(amount: amount, digits: candidate)
            return []
        case (_, .backspace):
            phase = .tipEntry(amount: amount, digits: String(digits.dropLast()))
            return []
        case (_, .enter):
            let tip = (try? Money.fromDigits(digits.isEmpty ? "0" : digits, currency: amount.currency)).flatMap { $0.minorUnits > 0 ? $0 : nil }
            return proceed(tip)
        default:
            notice = "Type the tip, then Enter (Enter alone: no tip)"
            return []
        }
    }

    // MARK: Completion, void, refund, reprint

    private mutating func check(_ amount: Money) -> Bool {
        guard amount.currency == profile.currency else {
            notice = "This terminal takes \(profile.currency.code), not \(amount.currency.code)"
            return false
        }
        guard amount.minorUnits > 0 else { notice = "The amount must be above zero"; return false }
        guard amount.minorUnits <= profile.limits.maxAmount.minorUnits else {
            notice = "The amount is over this terminal's maximum of \(profile.limits.maxAmount.formatted(withCode: true))"
            return false
        }
        return true
    }

    private mutating func checkTip(_ tip: Money) -> Bool {
        guard tip.currency == profile.currency, tip.minorUnits >= 0 else {
            notice = "A tip is an amount in \(profile.currency.code), zero or more"
            return false
        }
        return true
    }

    /// The entry of the open batch, or a notice saying why there is none.
    private mutating func openEntry(_ stan: UInt32) -> JournalEntry? {
        if let entry = journal.entry(stan), entry.kind != .completion, entry.kind != .void { return entry }
        if let entry = journal.entry(stan), let original = entry.reference {
            notice = "STAN \(ReceiptFormatter.stan(stan)) is the \(entry.kind.rawValue) of STAN \(ReceiptFormatter.stan(original)): act on that one"
            return nil
        }
        if journal.closedSTANs.contains(stan) {
            notice = "STAN \(ReceiptFormatter.stan(stan)) belongs to a closed batch: refund it instead"
        } else {
            notice = "No transaction with STAN \(ReceiptFormatter.stan(stan)) in the open batch"
        }
        return nil
    }

    private mutating func validPreauthorization(_ stan: UInt32) -> JournalEntry? {
        guard let entry = openEntry(stan) else { return nil }
        guard entry.kind == .preauthorization else { notice = "STAN \(ReceiptFormatter.stan(stan)) is not a pre-authorization"; return nil }
        guard entry.status == .approved, entry.gatewayID != nil else {
            notice = "Pre-authorization \(ReceiptFormatter.stan(stan)) is \(entry.status == .completed ? "already completed" : entry.status == .voided ? "voided" : "not approved")"
            return nil
        }
        return entry
    }

    /// The refusal while a refund of `stan` awaits its lost answer: another one could refund the sale twice.
    private func refundInDoubt(of stan: UInt32) -> String? {
        guard let doubt = journal.entries.last(where: { $0.reference == stan && $0.status == .inDoubt }) else { return nil }
        return "\(doubt.kind == .refund ? "Refund" : doubt.kind.rawValue.capitalized) \(ReceiptFormatter.stan(doubt.stan)) of STAN \(ReceiptFormatter.stan(stan)) awaits the gateway's answer: try again shortly"
    }

    /// What is left to refund of a transaction of the open batch (nil, with a notice, when nothing can be).
    private mutating func refundable(_ stan: UInt32) -> Int64? {
        guard let entry = openEntry(stan) else { return nil }
        guard entry.kind == .sale || entry.kind == .preauthorization, let captured = entry.captured,
              entry.status == .approved || entry.status == .completed, entry.gatewayID != nil else {
            notice = "STAN \(ReceiptFormatter.stan(stan)) has nothing to refund"
            return nil
        }
        if let doubt = refundInDoubt(of: stan) { notice = doubt; return nil }
        let left = captured.minorUnits - entry.refunded
        guard left > 0 else { notice = "STAN \(ReceiptFormatter.stan(stan)) is already refunded in full"; return nil }
        return left
    }

    private mutating func complete(stan: UInt32, amount: Money?) -> [TransactionAction] {
        guard let entry = validPreauthorization(stan), let intent = entry.gatewayID else { resetKind(); return [] }
        if let doubt = refundInDoubt(of: stan) { notice = doubt; resetKind(); return [] }
        let final = amount ?? entry.amount
        guard final.currency == entry.amount.currency, final.minorUnits > 0 else { notice = "The final amount must be above zero"; return [] }
        let increment = final.minorUnits > entry.amount.minorUnits
        if increment, !profile.incrementalAuthorization {
            notice = "Above the authorized \(entry.amount.formatted(withCode: true)): this terminal cannot increase an authorization"
            return []
        }
        guard final.minorUnits <= profile.limits.maxAmount.minorUnits else {
            notice = "The amount is over this terminal's maximum of \(profile.limits.maxAmount.formatted(withCode: true))"
            return []
        }
        return startFollowUp(.completion(finalAmount: final, increment: increment), intent: intent, reference: stan, amount: final, kind: .completion)
    }

    private mutating func void(stan: UInt32) -> [TransactionAction] {
        guard let entry = openEntry(stan) else { return [] }
        guard entry.kind == .sale || entry.kind == .preauthorization else {
            notice = "A \(entry.kind.rawValue) cannot be voided"
            return []
        }
        guard entry.status == .approved || entry.status == .completed, let intent = entry.gatewayID else {
            notice = "STAN \(ReceiptFormatter.stan(stan)) is \(entry.status == .voided ? "already voided" : "not approved"): nothing to void"
            return []
        }
        if let doubt = refundInDoubt(of: stan) { notice = doubt; return [] }
        guard entry.refunded == 0 else { notice = "STAN \(ReceiptFormatter.stan(stan)) is partly refunded: refund the rest instead"; return [] }
        let amount = entry.captured ?? Money(minorUnits: 0, currency: entry.amount.currency)
        return startFollowUp(.void(captured: entry.captured), intent: intent, reference: stan, amount: amount, kind: .void)
    }

    private mutating func startFollowUp(_ operation: FollowUpRequest.Operation, intent: String, reference: UInt32, amount: Money, kind: TransactionKind) -> [TransactionAction] {
        let stan = allocateSTAN()
        let request = FollowUpRequest(operation: operation, paymentIntent: intent, terminalID: terminalID, stan: stan, batch: journal.number)
        followUp = PendingFollowUp(request: request, reference: reference, amount: amount, kind: kind)
        resetKind()
        phase = .processing(title: kind == .void ? "VOID" : "COMPLETION")
        return [.persistSTAN(next: nextSTAN), .requestFollowUp(request)]
    }

    private mutating func refund(_ amount: Money, of stan: UInt32?) -> [TransactionAction] {
        if let stan {
            guard let left = refundable(stan) else { return [] }
            guard amount.minorUnits <= left else {
                notice = "Refund over what is left of STAN \(ReceiptFormatter.stan(stan)): \(Money(minorUnits: left, currency: amount.currency).formatted(withCode: true))"
                return []
            }
        } else if !profile.unreferencedRefund {
            notice = "This terminal refunds earlier transactions only: give the STAN (--of)"
            return []
        }
        resetKind()
        kind = .refund
        reference = stan
        phase = .waitingForCard(amount: amount)
        return []
    }

    private mutating func reprint(stan: UInt32?, copy: ReceiptCopy) -> [TransactionAction] {
        guard let entry = stan.flatMap({ s in journal.entries.last { $0.stan == s } }) ?? (stan == nil ? journal.entries.last : nil) else {
            notice = stan.map { "No transaction with STAN \(ReceiptFormatter.stan($0)) in the open batch" } ?? "No receipt to reprint yet"
            return []
        }
        let receipt = ReceiptFormatter(profile: profile, terminalID: terminalID).receipt(for: entry, copy: copy, duplicate: true, batch: journal.number)
        if case .referenceEntry = phase { phase = .amountEntry(digits: "") }
        if case .menu = phase { phase = .amountEntry(digits: "") }
        notice = "\(copy == .merchant ? "Merchant" : "Customer") copy of STAN \(ReceiptFormatter.stan(entry.stan)) reprinted"
        reprints += 1
        return printOrHold([receipt])
    }

    // MARK: Answers

    mutating func followUpAnswered(stan: UInt32, _ result: AuthorizationResult, now: Date) -> [TransactionAction] {
        guard let pending = followUp, pending.request.stan == stan else { return [] }
        followUp = nil
        guard let original = journal.entry(pending.reference) else { return [] }
        var entry = JournalEntry(transaction: pending.kind, amount: pending.amount, card: original.card, stan: stan, outcome: result,
                                 emv: nil, date: now, reference: pending.reference)
        entry.captured = nil
        if case .approved(let id, _) = result {
            switch pending.request.operation {
            case .completion(let final, _):
                journal.update(pending.reference) { $0.status = .completed; $0.captured = final }
                entry.gatewayID = id
            case .void:
                journal.update(pending.reference) { $0.status = .voided }
            }
        }
        journal.add(entry)
        return [.saveJournal(journal)] + showResult(entry, outcome: result, now: now)
    }

    mutating func batchAnswered(number: Int, _ answer: Result<GatewayBatch, GatewayFailure>, now: Date) -> [TransactionAction] {
        guard case .processing = phase, number == journal.number, let close = pendingBatchClose else { return [] }
        pendingBatchClose = nil
        let totals = journal.totals
        var report = BatchReport(number: number, closed: false, totals: totals, openAuthorizations: journal.openAuthorizations.count,
                                 reconciliation: nil, date: now)
        report.declinedOffline = journal.declinedOffline
        var actions: [TransactionAction] = []
        switch answer {
        case .success(let gateway):
            let differences = BatchDifference.between(terminal: totals, gateway: gateway.totals)
            report.reconciliation = gateway.reconciliation ?? .init(result: differences.isEmpty ? "match" : "mismatch", differences: differences)
            if close {
                report.closed = true
                // The next batch opens; pre-authorizations still open go with it so they can be completed.
                let open = journal.openAuthorizations
                let closed = journal.entries.map(\.stan).filter { s in !open.contains { $0.stan == s } }
                // The STANs of closed batches, so a void of one of them says so (bounded: STANs wrap at 999999).
                journal = BatchJournal(number: journal.number + 1, entries: open, closedSTANs: Array((journal.closedSTANs + closed).suffix(10_000)))
                actions.append(.saveJournal(journal))
            }
        case .failure(let failure):
            report.reconciliation = .init(result: "unavailable", differences: [],
                                          message: close ? "The batch stays open: \(failure)" : "\(failure)")
        }
        phase = .batchReport(report)
        reportsMade += 1
        let ticket = ReceiptFormatter(profile: profile, terminalID: terminalID).batchTicket(report)
        return actions + printOrHold([ticket])
    }
}

/// A completion or void with the gateway: the request, the transaction it acts on, its amount and kind.
struct PendingFollowUp: Sendable, Equatable {
    var request: FollowUpRequest
    var reference: UInt32
    var amount: Money
    var kind: TransactionKind
}
