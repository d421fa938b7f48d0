import CardReaders
import EMV
import Foundation
import PaymentCore

/// A key on the terminal's keypad.
public enum TerminalKey: Sendable, Equatable {
    case digit(Int)
    case backspace
    case enter
    case cancel
    /// The menu key (the transaction types, reprint, end of day).
    case menu
    /// A key the terminal has no use for (shown as a hint, never an error).
    case other(Character)
}

/// Which PIN the PIN pad asks for.
public enum PINPrompt: Sendable, Equatable {
    /// Checked by the issuer.
    case online
    /// Checked by the card; tries left when the card told.
    case offline(triesLeft: Int?)
}

/// A chip transaction the engine runs through the EMV kernel.
public struct ChipTransaction: Sendable, Equatable {
    public var amount: Money
    public var card: CardPresentation
    public var chip: ChipCard
    public var terminalID: String
    public var stan: UInt32
    /// The payment intent a server-driven sale confirms.
    public var paymentIntent: String?
    /// What the card is read for (a refund runs the kernel with transaction type 20).
    public var kind: TransactionKind = .sale
}

/// The EMV lines of a receipt.
public struct EMVReceiptData: Sendable, Equatable, Codable {
    public var applicationLabel: String?
    public var aid: String?
    public var tvr: String
    public var tsi: String
    public var arc: String?
    public var cryptogram: String?
    public var verification: CardholderVerification

    public init(applicationLabel: String?, aid: String?, tvr: String, tsi: String, arc: String?, cryptogram: String?, verification: CardholderVerification) {
        self.applicationLabel = applicationLabel
        self.aid = aid
        self.tvr = tvr
        self.tsi = tsi
        self.arc = arc
        self.cryptogram = cryptogram
        self.verification = verification
    }
}

/// A cart the point of sale shows on the terminal's screen (`set_reader_display`).
public struct CartDisplay: Sendable, Equatable {
    public struct LineItem: Sendable, Equatable {
        public var description: String
        public var quantity: Int
        /// The line's amount (unit price × quantity, as the point of sale computed it).
        public var amount: Money

        public init(description: String, quantity: Int, amount: Money) {
            self.description = description
            self.quantity = quantity
            self.amount = amount
        }
    }

    public var lineItems: [LineItem]
    public var tax: Money?
    public var total: Money

    public init(lineItems: [LineItem], tax: Money?, total: Money) {
        self.lineItems = lineItems
        self.tax = tax
        self.total = total
    }
}
