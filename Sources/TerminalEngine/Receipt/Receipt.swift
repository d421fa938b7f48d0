import CardReaders
import EMV
import Foundation
import PaymentCore
import Synchronization

/// A printed (or e-receipt) ticket: lines of at most `width` characters. Shows the card's last four digits only.
public struct Receipt: Sendable, Equatable, Codable {
    public var width: Int
    public var lines: [String]
    /// The transaction the receipt is of (0 for an end-of-day ticket).
    public var stan: UInt32 = 0
    public var copy: ReceiptCopy = .customer
    public var duplicate = false

    public var text: String { lines.joined(separator: "\n") + "\n" }
}

extension ReceiptCopy: Codable {}

/// Lays out receipts for a profile's printer width and language: the EMV lines every ticket carries (masked PAN,
/// application label and AID, entry mode, CVM, auth code, STAN; TVR and TSI on the merchant copy) and, in French,
/// the CB ticket's (file number: terminal number, transaction number, télécollecte number and C/S/@ letters;
/// "CARTE BANCAIRE" or the application name; DEBIT / CREDIT / ANNULATION).
public struct ReceiptFormatter: Sendable {
    public let profile: FirmwareProfile
    public let terminalID: String

    public init(profile: FirmwareProfile, terminalID: String) {
        self.profile = profile
        self.terminalID = terminalID
    }

    /// Paper width; devices without a printer lay out the e-receipt as 58 mm paper would.
    public var width: Int { profile.printerColumns ?? 32 }

    private var french: Bool { profile.language == .fr }

    /// The customer copy of a sale (what the screen's receipt panel shows).
    public func customerReceipt(amount: Money, card: CardSummary, stan: UInt32, outcome: AuthorizationResult, emv: EMVReceiptData? = nil, date: Date,
                                kind: TransactionKind = .sale, batch: Int = 1) -> Receipt {
        receipt(for: JournalEntry(transaction: kind, amount: amount, card: card, stan: stan, outcome: outcome, emv: emv, date: date, reference: nil),
                copy: .customer, batch: batch)
    }

    /// One copy of a journal entry's ticket.
    public func receipt(for e: JournalEntry, copy: ReceiptCopy, duplicate: Bool = false, batch: Int = 1) -> Receipt {
        var lines = profile.receipt.header.map(center)
        lines.append("")
        if duplicate { lines.append(center(french ? "DUPLICATA" : "DUPLICATE")) }
        lines += french ? cbLines(e, copy: copy, batch: batch) : englishLines(e, copy: copy)
        if !profile.receipt.footer.isEmpty { lines.append("") }
        lines += profile.receipt.footer.map(center)
        return Receipt(width: width, lines: lines.map { String($0.prefix(width)) }, stan: e.stan, copy: copy, duplicate: duplicate)
    }

    private func englishLines(_ e: JournalEntry, copy: ReceiptCopy) -> [String] {
        var lines: [String] = []
        lines.append(spread(e.brand.displayName.uppercased(), e.card.entryMode.receiptLabel))
        lines.append("**** **** **** " + e.last4)
        let stamp = Self.stamp(e.date, "dd/MM/yyyy HH:mm:ss").split(separator: " ")
        lines.append(spread(String(stamp[0]), String(stamp[1])))
        lines.append(spread("TID \(terminalID)", "STAN " + Self.stan(e.stan)))
        if let emv = e.emv {
            if let label = emv.applicationLabel { lines.append(label) }
            if let aid = emv.aid { lines.append("AID " + aid) }
            if copy == .merchant { lines.append(spread("TVR " + emv.tvr, "TSI " + emv.tsi)) }
            if let arc = emv.arc { lines.append(spread("ARC " + arc, emv.cryptogram.map { "AC " + $0 } ?? "")) }
        }
        if let reference = e.reference { lines.append("ORIGINAL STAN " + Self.stan(reference)) }
        lines.append("")
        lines.append(Self.englishName(e.kind))
        lines.append(spread("AMOUNT", e.amount.formatted(withCode: true)))
        lines.append("")
        switch e.status {
        case .approved, .completed, .voided:
            lines.append(center(e.offline == nil ? "APPROVED" : "APPROVED OFFLINE"))
            if let code = e.authorizationCode { lines.append("AUTH CODE " + code) }
            if let id = e.gatewayID { lines.append("REF " + id) }
            lines.append("")
            lines.append(center(e.kind == .refund || e.kind == .void ? "CREDIT" : e.kind == .preauthorization ? "AUTHORIZED, NOT DEBITED" : "DEBIT"))
            switch e.emv?.verification {
            case .onlinePIN?, .offlinePIN?: lines.append(center("PIN VERIFIED"))
            case .consumerDevice?: lines.append(center("VERIFIED ON DEVICE"))
            case .signature?, .offlinePINAndSignature?:
                if copy == .merchant { lines += ["", "SIGNATURE", "", "________________________"] }
            default: break
            }
        case .declined:
            lines.append(center("DECLINED"))
            if let text = e.outcomeText { lines.append(center(text)) }
            if let id = e.gatewayID { lines.append("REF " + id) }
            lines.append("")
            lines.append(center("NO FUNDS DEBITED"))
        case .failed:
            lines.append(center("NOT COMPLETED"))
            if let text = e.outcomeText { lines.append(center(text)) }
            lines.append("")
            lines.append(center("NO FUNDS DEBITED"))
        case .inDoubt:
            // The refund may have been made: the receipt says so rather than "not completed".
            lines.append(center("RESULT UNKNOWN"))
            lines.append(center("CHECKING WITH THE BANK"))
            lines.append("")
            lines.append(center("REPRINT FOR THE RESULT"))
        }
        lines.append(center(copy == .merchant ? "MERCHANT COPY" : "CUSTOMER COPY"))
        if copy == .customer { lines.append(center("PLEASE RETAIN RECEIPT")) }
        return lines
    }

    /// The CB ticket (cartes-bancaires.com, "ticket client").
    private func cbLines(_ e: JournalEntry, copy: ReceiptCopy, batch: Int) -> [String] {
        var lines: [String] = []
        let isCB = e.emv?.aid.map { $0.hasPrefix("A00000004210") || $0.hasPrefix("A00000004220") } ?? false
        lines.append(center(isCB ? "CARTE BANCAIRE" : (e.emv?.applicationLabel ?? e.brand.displayName.uppercased())))
        if let aid = e.emv?.aid { lines.append(center(aid)) }
        let mode = switch e.card.entryMode { case .contactless: "SANS CONTACT"; case .contact: "EMV"; case .magstripe: "PISTE" }
        lines.append(center((isCB ? "CB " : "") + mode))
        lines.append("LE " + Self.stamp(e.date, "dd/MM/yy 'A' HH:mm:ss"))
        if !profile.receipt.header.contains(profile.merchantName) {
            lines.append(profile.merchantName)
            lines.append(profile.merchantCity)
        }
        if let contract = profile.merchantContract { lines.append("CONTRAT " + contract) }
        lines.append(String(repeating: "#", count: 12) + e.last4)
        if let cryptogram = e.emv?.cryptogram { lines.append(cryptogram) }
        if copy == .merchant, let emv = e.emv { lines.append(spread("TVR " + emv.tvr, "TSI " + emv.tsi)) }
        // File number: terminal (3) + transaction (6) + télécollecte (2), then C (chip) or S (stripe) and @ (online).
        let terminal = String(terminalID.suffix(3))
        let letter = e.card.entryMode == .magstripe ? "S" : "C"
        let online = e.gatewayID != nil ? "@" : ""
        lines.append("\(terminal) \(Self.stan(e.stan)) \(String(format: "%02d", batch % 100)) \(letter)\(online)")
        if let code = e.authorizationCode, e.status != .declined, e.status != .failed { lines.append("NO AUTO : " + code) }
        if let reference = e.reference { lines.append("TRANSACTION D'ORIGINE " + Self.stan(reference)) }
        let amount = e.amount.formatted(withCode: false).replacingOccurrences(of: ".", with: ",") + " " + e.amount.currency.code
        lines.append("MONTANT = " + amount)
        let type = switch e.kind {
        case .sale, .completion: "DEBIT"
        case .preauthorization: "PRE-AUTORISATION"
        case .refund: "CREDIT"
        case .void: "ANNULATION"
        }
        switch e.status {
        case .approved, .completed, .voided:
            lines.append(type)
            if e.emv?.verification.requiresSignature == true, copy == .merchant { lines += ["SIGNATURE", "", "________________________"] }
        case .declined:
            lines += [type, center("PAIEMENT REFUSE"), center("-- ABANDON --")]
        case .failed:
            lines += [type, center("-- ABANDON --")]
        case .inDoubt:
            lines += [type, center("RESULTAT INCONNU"), center("VERIFICATION EN COURS")]
        }
        lines.append(center(copy == .merchant ? "TICKET COMMERCANT" : "TICKET CLIENT"))
        lines.append(center("A CONSERVER"))
        return lines
    }

    /// The end-of-day (or X report) ticket: totals per currency, type and brand, and the reconciliation.
    public func batchTicket(_ report: BatchReport) -> Receipt {
        var lines = profile.receipt.header.map(center)
        lines.append("")
        lines.append(center(report.closed ? (french ? "TELECOLLECTE" : "END OF DAY (Z)") : (french ? "RAPPORT (X)" : "BATCH REPORT (X)")))
        lines.append(spread((french ? "LOT " : "BATCH ") + String(report.number), "TID \(terminalID)"))
        let stamp = Self.stamp(report.date, "dd/MM/yyyy HH:mm:ss").split(separator: " ")
        lines.append(spread(String(stamp[0]), String(stamp[1])))
        lines.append("")
        if report.totals.isEmpty { lines.append(center(french ? "AUCUNE TRANSACTION" : "NO TRANSACTIONS")) }
        for total in report.totals {
            let currency = (try? Currency(code: total.currency)) ?? .eur
            let money = Money(minorUnits: total.amount, currency: currency)
            lines.append(spread("\(Self.englishName(TransactionKind(rawValue: total.type) ?? .sale)) \(total.brand.uppercased())", "\(total.count)"))
            lines.append(spread("", money.formatted(withCode: true)))
        }
        if report.openAuthorizations > 0 { lines.append(spread(french ? "PRE-AUTOR. OUVERTES" : "OPEN PRE-AUTHS", String(report.openAuthorizations))) }
        if !report.declinedOffline.isEmpty {
            // Approved offline, declined by the bank once forwarded: the merchant's loss, so it is said.
            lines.append("")
            lines.append(french ? "HORS LIGNE REFUSES" : "OFFLINE, DECLINED BY BANK")
            for line in report.declinedOffline {
                lines.append(spread("\(Self.stan(line.stan)) \(line.brand.uppercased()) \(line.last4)", line.amount.formatted(withCode: true)))
            }
        }
        lines.append("")
        if let r = report.reconciliation {
            lines.append(center(r.result == "match" ? (french ? "RAPPROCHEMENT OK" : "RECONCILED: MATCH")
                                : r.result == "mismatch" ? (french ? "ECART" : "MISMATCH") : (french ? "SERVEUR INJOIGNABLE" : "GATEWAY UNAVAILABLE")))
            for d in r.differences {
                lines.append("\(d.type) \(d.brand) \(d.currency)")
                lines.append(spread(" terminal \(d.terminalCount)", String(d.terminalAmount)))
                lines.append(spread(" gateway \(d.gatewayCount)", String(d.gatewayAmount)))
            }
        }
        return Receipt(width: width, lines: lines.map { String($0.prefix(width)) }, stan: 0, copy: .merchant)
    }

    static func englishName(_ kind: TransactionKind) -> String {
        switch kind {
        case .sale: "SALE"
        case .preauthorization: "PRE-AUTHORIZATION"
        case .completion: "COMPLETION"
        case .void: "VOID"
        case .refund: "REFUND"
        }
    }

    /// Six digits, zero-padded (`%06u`, without `String(format:)`'s cost on every receipt line and file name).
    static func stan(_ stan: UInt32) -> String {
        let digits = String(stan)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// `date` in `format` (POSIX locale, UTC).
    static func stamp(_ date: Date, _ format: String) -> String {
        // One formatter per format, made once: building one (ICU) costs more than the whole rest of a receipt.
        formatters.withLock { cache in
            let f = cache[format] ?? {
                let f = DateFormatter()
                f.locale = Locale(identifier: "en_US_POSIX")
                f.timeZone = TimeZone(identifier: "UTC")
                f.dateFormat = format
                cache[format] = f
                return f
            }()
            return f.string(from: date)
        }
    }

    private static let formatters = Mutex<[String: DateFormatter]>([:])

    private func center(_ s: String) -> String {
        let pad = max(0, (width - s.count) / 2)
        return String(repeating: " ", count: pad) + s
    }

    private func spread(_ left: String, _ right: String) -> String {
        let gap = max(1, width - left.count - right.count)
        return left + String(repeating: " ", count: gap) + right
    }
}

extension JournalEntry {
    /// The entry a finished card transaction leaves in the journal.
    public init(transaction kind: TransactionKind, amount: Money, card: CardSummary, stan: UInt32, outcome: AuthorizationResult,
                emv: EMVReceiptData?, date: Date, reference: UInt32?) {
        let status: Status
        var id: String?
        var code: String?
        var text: String?
        switch outcome {
        case .approved(let gatewayID, let authorization):
            status = .approved
            id = gatewayID
            code = authorization
        case .declined(let decline, _, let gatewayID):
            status = .declined
            id = gatewayID
            text = decline.terminalText
        case .failed(let failure):
            status = .failed
            text = failure.screenText
        case .approvedOffline(let authorization):
            status = .approved
            code = authorization
        }
        self.init(stan: stan, kind: kind, amount: amount, brand: card.brand, last4: card.last4, entryMode: card.entryMode.rawValue, date: date,
                  status: status, gatewayID: id, authorizationCode: code,
                  captured: kind == .sale && status == .approved ? amount : nil, reference: reference, outcomeText: text, emv: emv)
        if case .approvedOffline = outcome { offline = .stored }
    }
}
