import PaymentCore

/// The transaction type (tag 9C).
public struct TransactionType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let purchase = TransactionType(rawValue: 0x00)
    public static let cash = TransactionType(rawValue: 0x01)
    public static let purchaseWithCashback = TransactionType(rawValue: 0x09)
    public static let refund = TransactionType(rawValue: 0x20)

    public var description: String {
        switch rawValue {
        case 0x00: "purchase"
        case 0x01: "cash"
        case 0x09: "purchase with cashback"
        case 0x20: "refund"
        default: "type \(HexCoding.encode([rawValue]))"
        }
    }
}

/// One payment as the kernel starts it: amounts, type, date, the unpredictable number and how the card is presented.
///
/// Everything that would come from a clock or a random source is given here, so the kernel stays pure.
public struct Transaction: Sendable, Hashable {
    /// Amount, authorised (9F02), including any cashback.
    public var amount: Money
    /// Amount, other (9F03): the cashback part; nil for none.
    public var otherAmount: Money?
    public var type: TransactionType
    public var date: TransactionDate
    /// Unpredictable number (9F37).
    public var unpredictableNumber: UInt32
    public var entryMode: CardInterface
    /// The terminal's random number 1–99 for random transaction selection.
    public var randomSelectionNumber: Int
    /// The merchant forces the transaction online.
    public var forceOnline: Bool
    /// Transaction sequence counter (9F41), when the terminal keeps one.
    public var sequenceCounter: UInt32?

    public init(
        amount: Money,
        otherAmount: Money? = nil,
        type: TransactionType = .purchase,
        date: TransactionDate,
        unpredictableNumber: UInt32,
        entryMode: CardInterface,
        randomSelectionNumber: Int? = nil,
        forceOnline: Bool = false,
        sequenceCounter: UInt32? = nil
    ) {
        self.amount = amount
        self.otherAmount = otherAmount
        self.type = type
        self.date = date
        self.unpredictableNumber = unpredictableNumber
        self.entryMode = entryMode
        // Derived from the unpredictable number unless given, so a test fixes both with one value.
        self.randomSelectionNumber = randomSelectionNumber ?? Int(unpredictableNumber % 99) + 1
        self.forceOnline = forceOnline
        self.sequenceCounter = sequenceCounter
    }
}
