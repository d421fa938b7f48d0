import CardReaders
import EMV
import Foundation
import PaymentCore

/// A printed (or e-mailed) receipt: lines of at most `width` characters. Shows the card's last four digits only.
public struct Receipt: Sendable, Equatable {
    public var width: Int
    public var lines: [String]

    public var text: String { lines.joined(separator: "\n") + "\n" }
}

/// Lays out receipts for a profile's printer width.
public struct ReceiptFormatter: Sendable {
    public let profile: FirmwareProfile
    public let terminalID: String

    public init(profile: FirmwareProfile, terminalID: String) {
        self.profile = profile
        self.terminalID = terminalID
    }

    /// Paper width; devices without a printer lay out the e-receipt as 58 mm paper would.
    public var width: Int { profile.printerColumns ?? 32 }

    public func customerReceipt(amount: Money, card: CardSummary, stan: UInt32, outcome: AuthorizationResult, emv: EMVReceiptData? = nil, date: Date) -> Receipt {
        var lines: [String] = []
        lines.append(center(profile.merchantName))
        lines.append(center(profile.merchantCity))
        lines.append("")
        lines.append(spread(card.brand.displayName.uppercased(), card.entryMode.receiptLabel))
        lines.append("**** **** **** " + card.last4)
        let stamp = Self.stampFormatter.string(from: date).split(separator: " ")
        lines.append(spread(String(stamp[0]), String(stamp[1])))
        lines.append(spread("TID \(terminalID)", "STAN " + String(format: "%06u", stan)))
        if let emv {
            if let label = emv.applicationLabel { lines.append(label) }
            if let aid = emv.aid { lines.append("AID " + aid) }
            lines.append(spread("TVR " + emv.tvr, "TSI " + emv.tsi))
            if let arc = emv.arc { lines.append(spread("ARC " + arc, emv.cryptogram.map { "AC " + $0 } ?? "")) }
        }
        lines.append("")
        lines.append("SALE")
        lines.append(spread("AMOUNT", amount.formatted(withCode: true)))
        lines.append("")
        switch outcome {
        case .approved(let id, let code):
            lines.append(center("APPROVED"))
            if let code { lines.append("AUTH CODE " + code) }
            lines.append("REF " + id)
            lines.append("")
            lines.append(center("DEBIT"))
            switch emv?.verification {
            case .onlinePIN?, .offlinePIN?: lines.append(center("PIN VERIFIED"))
            case .consumerDevice?: lines.append(center("VERIFIED ON DEVICE"))
            case .signature?, .offlinePINAndSignature?:
                lines += ["", "SIGNATURE", "", "________________________"]
            default: break
            }
        case .declined(let decline, _, let id):
            lines.append(center("DECLINED"))
            lines.append(center(decline.terminalText))
            if let id { lines.append("REF " + id) }
            lines.append("")
            lines.append(center("NO FUNDS DEBITED"))
        case .failed(let failure):
            lines.append(center("NOT COMPLETED"))
            lines.append(center(failure.screenText))
            lines.append("")
            lines.append(center("NO FUNDS DEBITED"))
        }
        lines.append(center("CUSTOMER COPY"))
        lines.append(center("PLEASE RETAIN RECEIPT"))
        return Receipt(width: width, lines: lines.map { String($0.prefix(width)) })
    }

    private static let stampFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "dd/MM/yyyy HH:mm:ss"
        return f
    }()

    private func center(_ s: String) -> String {
        let pad = max(0, (width - s.count) / 2)
        return String(repeating: " ", count: pad) + s
    }

    private func spread(_ left: String, _ right: String) -> String {
        let gap = max(1, width - left.count - right.count)
        return left + String(repeating: " ", count: gap) + right
    }
}
