import Foundation
import PaymentCore
import TerminalEngine
import CardReaders

/// One line per state for headless terminals.
public enum HeadlessLine {
    public static func describe(_ s: TerminalSnapshot) -> String {
        var line: String
        switch s.phase {
        case .amountEntry(let digits): line = "READY amount=\(digits.isEmpty ? "0" : digits)"
            if let cart = s.cart { line += " cart_items=\(cart.lineItems.count) cart_total=\(cart.total.formatted(withCode: true))" }
        case .waitingForCard(let amount): line = "WAITING_FOR_CARD amount=\(amount.formatted(withCode: true))"
        case .readingCard(let amount, let mode, let stan):
            line = "READING_CARD amount=\(amount.formatted(withCode: true)) mode=\(mode.verb.lowercased()) stan=\(stan)"
        case .selectingApplication(let amount, _, let stan, let labels):
            line = "SELECT_APPLICATION amount=\(amount.formatted(withCode: true)) stan=\(stan) applications=\"\(labels.joined(separator: "|"))\""
        case .pinEntry(let amount, _, let stan, let prompt, let digits):
            let kind = switch prompt { case .online: "online"; case .offline: "offline" }
            line = "PIN_ENTRY amount=\(amount.formatted(withCode: true)) pin=\(kind) digits=\(digits) stan=\(stan)"
        case .authorizing(let amount, let card, let stan):
            line = "AUTHORIZING amount=\(amount.formatted(withCode: true)) card=\(card.brand.rawValue)/\(card.last4) stan=\(stan)"
        case .finished(let r):
            line = ResultLine.describe(r)
            if s.cardInSlot { line += " remove_card" }
            if let offer = s.receiptOffer {
                line += offer.askingAddress ? " receipt_offer=email_address" : " receipt_offer=\(offer.choices.map(\.rawValue).joined(separator: ","))"
            }
        case .menu(let items): line = "MENU items=\(items.map(\.rawValue).joined(separator: ","))"
        case .referenceEntry(let purpose, let digits): line = "STAN_ENTRY for=\(purpose.rawValue) stan=\(digits.isEmpty ? "-" : digits)"
        case .tipEntry(let amount, let digits):
            line = "TIP_ENTRY amount=\(amount.formatted(withCode: true)) mode=\(s.profile.tipping.mode.rawValue) tip=\(digits.isEmpty ? "0" : digits)"
        case .processing(let title): line = "PROCESSING \(title.lowercased().replacingOccurrences(of: " ", with: "_"))"
        case .settings:
            line = "SETTINGS profile=\(s.profile.id) terminal=\(s.terminalID) gateway=\(s.gatewayLabel) reader=\(s.readerName.replacingOccurrences(of: " ", with: "_"))"
        case .batchReport(let r):
            line = "BATCH_\(r.closed ? "CLOSED" : "REPORT") batch=\(r.number) lines=\(r.totals.count) reconciliation=\(r.reconciliation?.result ?? "-")"
        }
        if s.kind != .sale, line.hasPrefix("WAITING_FOR_CARD") || line.hasPrefix("READY") { line += " kind=\(s.kind.rawValue)" }
        if let notice = s.notice { line += " notice=\"\(notice)\"" }
        return line
    }
}

/// The one-line form of a result, shared by headless output and `vtpe tap --wait`.
public enum ResultLine {
    public static func describe(_ r: TransactionResult) -> String {
        let common = "amount=\(r.amount.formatted(withCode: true)) card=\(r.card.brand.rawValue)/\(r.card.last4) stan=\(r.stan)"
        switch r.outcome {
        case .approved(let id, let code): return "APPROVED \(common) payment_intent=\(id) auth_code=\(code ?? "-")"
        case .declined(let decline, _, let id): return "DECLINED \(common) decline_code=\(decline.rawValue) payment_intent=\(id ?? "-")"
        case .failed(let failure): return "FAILED \(common) reason=\"\(failure)\""
        case .approvedOffline(let code): return "APPROVED \(common) payment_intent=- auth_code=\(code) OFFLINE"
        }
    }
}

/// The one-line result of `vtpe sale`, `preauth`, `complete`, `void` and `refund`: result, kind, amount,
/// `STAN nnnnnn`, and the auth code, decline code or reason.
public enum OperationLine {
    public static func describe(_ r: TransactionResult) -> String {
        let head = "\(r.kind.rawValue) \(r.amount.formatted(withCode: true)) STAN \(String(format: "%06u", r.stan))"
        switch r.outcome {
        case .approved(let id, let code): return "APPROVED \(head) auth_code=\(code ?? "-") id=\(id)"
        case .declined(let decline, _, let id): return "DECLINED \(head) decline_code=\(decline.rawValue) id=\(id ?? "-")"
        case .failed(let failure): return "FAILED \(head) reason=\"\(failure)\""
        case .approvedOffline(let code): return "APPROVED \(head) auth_code=\(code) OFFLINE"
        }
    }
}
