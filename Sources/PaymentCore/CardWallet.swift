/// A card in a phone wallet (Apple Pay, Google Pay): the number the phone presents is a device account number (a
/// network token, "DPAN") that stands for the card the wallet holds. Receipts and `card.last4` show the held
/// card's last four digits; `dynamic_last4` the device number's.
public struct CardWallet: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case applePay = "apple_pay"
        case googlePay = "google_pay"
        case samsungPay = "samsung_pay"

        /// The name people know it by.
        public var displayName: String {
            switch self {
            case .applePay: "Apple Pay"
            case .googlePay: "Google Pay"
            case .samsungPay: "Samsung Pay"
            }
        }
    }

    public var kind: Kind
    /// The last four digits of the card held in the wallet (the funding card).
    public var fundingLast4: String

    public init(kind: Kind, fundingLast4: String) {
        self.kind = kind
        self.fundingLast4 = fundingLast4
    }
}
