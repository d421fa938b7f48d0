import Foundation
import PaymentCore

/// A way the customer can take the receipt of a payment, as the terminal offers it.
public enum ReceiptChoice: String, Sendable, Equatable, CaseIterable {
    case print, email, none

    /// The choice on the device's screen (English; the screen translates it).
    public var label: String {
        switch self {
        case .print: "Print"
        case .email: "E-mail"
        case .none: "No receipt"
        }
    }
}

/// What the customer chose: the e-mail choice carries the address typed on the terminal.
public enum ReceiptAnswer: Sendable, Equatable {
    case print
    case email(String)
    case none
}

/// The question "customer receipt?" after a payment whose profile prints the customer copy on request.
public struct ReceiptOffer: Sendable, Equatable {
    /// The transaction the receipt is of.
    public var stan: UInt32
    public var receipt: Receipt
    /// What the terminal offers, in key order (1, 2, …).
    public var choices: [ReceiptChoice]
    /// The customer chose the e-mail: the terminal asks for the address.
    public var askingAddress: Bool = false
}

extension TransactionStateMachine {
    /// How long the question waits before the terminal takes "no receipt" (a customer who walked away).
    public static let receiptChoiceTimeout = Duration.seconds(30)

    /// A plausible e-mail address (one `@`, a dot in the domain, no spaces, at most 254 characters — RFC 5321's
    /// limit). The mail server is the judge of the rest.
    public static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.count <= 254, parts.count == 2, !parts[0].isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
    }

    /// The question to ask after `receipt`'s transaction, or nil when there is nothing to choose: the profile prints
    /// the customer copy always (or never), the payment was not approved, or "no receipt" is the only way.
    func receiptOffer(for receipt: Receipt, outcome: AuthorizationResult, emailSent: Bool) -> ReceiptOffer? {
        guard profile.receipt.customerCopy == .onRequest else { return nil }
        switch outcome {
        case .approved, .approvedOffline: break
        case .declined, .failed: return nil
        }
        var choices: [ReceiptChoice] = []
        if profile.printerColumns != nil { choices.append(.print) }
        if profile.receipt.email, !emailSent { choices.append(.email) }
        guard !choices.isEmpty else { return nil }
        return ReceiptOffer(stan: receipt.stan, receipt: receipt, choices: choices + [.none])
    }

    /// Asks the question (if there is one) and starts its time-out.
    mutating func offerReceipt(_ offer: ReceiptOffer?) -> [TransactionAction] {
        receiptOffer = offer
        return offer == nil ? [] : startReceiptTimer()
    }

    /// A new time-out for the question; the earlier one no longer counts (its number is behind).
    private mutating func startReceiptTimer() -> [TransactionAction] {
        receiptOffers += 1
        return [.startTimer(.receiptChoice(receiptOffers), Self.receiptChoiceTimeout)]
    }

    /// A key while the question is on screen: the choice's number, Enter for the first, Esc for none (or, while the
    /// address is typed, back to the choices).
    mutating func receiptKey(_ key: TerminalKey, offer: ReceiptOffer) -> [TransactionAction] {
        if offer.askingAddress {
            switch key {
            case .cancel:
                receiptOffer?.askingAddress = false
            default:
                notice = "Type the e-mail address, then Enter (Esc: back)"
            }
            return []
        }
        switch key {
        case .digit(let d) where (1...offer.choices.count).contains(d):
            return receiptChosen(offer.choices[d - 1], offer: offer)
        case .enter:
            return receiptChosen(offer.choices[0], offer: offer)
        case .cancel:
            return receiptChosen(.none, offer: offer)
        default:
            notice = "Customer receipt: choose 1-\(offer.choices.count) (Esc: none)"
            return []
        }
    }

    private mutating func receiptChosen(_ choice: ReceiptChoice, offer: ReceiptOffer) -> [TransactionAction] {
        switch choice {
        case .print: return receiptAnswered(.print, offer: offer)
        case .none: return receiptAnswered(.none, offer: offer)
        case .email:
            // Typing an address takes longer than a key: the question's time-out starts again.
            receiptOffer?.askingAddress = true
            return startReceiptTimer()
        }
    }

    /// The customer's answer (a key, the address typed, the control socket's `receipt`).
    mutating func receiptAnswered(_ answer: ReceiptAnswer, offer: ReceiptOffer) -> [TransactionAction] {
        switch answer {
        case .print:
            guard offer.choices.contains(.print) else {
                notice = "This terminal has no printer: choose the e-mail or no receipt"
                return []
            }
            receiptOffer = nil
            return printOrHold([offer.receipt])
        case .email(let address):
            guard offer.choices.contains(.email) else {
                notice = "This terminal does not send e-mail receipts"
                return []
            }
            guard Self.isEmailAddress(address) else {
                receiptOffer?.askingAddress = true
                notice = "'\(address.prefix(40))' is not an e-mail address"
                return []
            }
            receiptOffer = nil
            notice = "Receipt sent to \(address)"
            return [.emailReceipt(to: address, offer.receipt)]
        case .none:
            receiptOffer = nil
            notice = "No customer receipt"
            return []
        }
    }

    /// The question went unanswered: no receipt (the customer can still have a duplicate from the menu).
    mutating func receiptChoiceTimedOut(_ n: Int) -> [TransactionAction] {
        guard n == receiptOffers, receiptOffer != nil else { return [] }
        receiptOffer = nil
        notice = "No customer receipt (no answer)"
        return []
    }
}
