import PaymentCore

/// What the merchant (keypad, menu, script) or the server asks the terminal to do.
public enum TerminalOperation: Sendable, Equatable {
    /// A sale; a tip given here skips the profile's tip prompt.
    case sale(amount: Money, tip: Money?, email: String? = nil, offline: OfflineBehavior = .preferOnline)
    /// A pre-authorization (a manual-capture intent), completed later.
    case preauthorization(amount: Money)
    /// The completion of pre-authorization `stan`: the final amount (nil: the authorized one).
    case completion(stan: UInt32, amount: Money?)
    /// The void of transaction `stan` of the open batch.
    case void(stan: UInt32)
    /// A refund to the card presented: of transaction `stan` (referenced) or of none (unreferenced).
    case refund(amount: Money, of: UInt32?)
    /// A duplicate of the last receipt or of transaction `stan`'s.
    case reprint(stan: UInt32?, copy: ReceiptCopy)
    /// The X report (the batch stays open) or the Z close (reconciled with the gateway; the next batch opens).
    case batch(close: Bool)

    /// The transaction type the profile must enable for this operation.
    public var type: FirmwareProfile.TransactionType {
        switch self {
        case .sale: .sale
        case .preauthorization: .preauthorization
        case .completion: .completion
        case .void: .void
        case .refund: .refund
        case .reprint: .reprint
        case .batch: .batch
        }
    }
}

/// A receipt copy.
public enum ReceiptCopy: String, Sendable, Equatable, CaseIterable {
    case merchant, customer
}

/// The kind of card transaction in progress (what the screen and the receipt call it).
public enum TransactionKind: String, Sendable, Equatable, Codable {
    case sale, preauthorization, completion, void, refund
}

extension FirmwareProfile.TransactionType {
    /// The type's name in messages.
    public var label: String {
        switch self {
        case .sale: "Sale"
        case .preauthorization: "Pre-authorization"
        case .completion: "Completion"
        case .void: "Void"
        case .refund: "Refund"
        case .reprint: "Reprint"
        case .batch: "End of day"
        }
    }
}
