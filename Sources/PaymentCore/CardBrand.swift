/// A card network, named as Stripe names it (`payment_method_details.card.brand`).
public enum CardBrand: String, Sendable, Codable, CaseIterable {
    /// Visa.
    case visa
    /// Mastercard (51–55, 2221–2720).
    case mastercard
    /// American Express.
    case amex
    /// Discover.
    case discover
    /// Diners Club.
    case diners
    /// JCB.
    case jcb
    /// China UnionPay.
    case unionpay
    /// Maestro.
    case maestro
    /// No known IIN range matches.
    case unknown

    /// The name to show a person: "Visa", "American Express", ...
    public var displayName: String {
        switch self {
        case .visa: "Visa"
        case .mastercard: "Mastercard"
        case .amex: "American Express"
        case .discover: "Discover"
        case .diners: "Diners Club"
        case .jcb: "JCB"
        case .unionpay: "UnionPay"
        case .maestro: "Maestro"
        case .unknown: "Unknown"
        }
    }

    /// The brand from the leading digits (IIN ranges); spaces are ignored, too few digits give `.unknown`.
    ///
    /// 622126–622925 are China UnionPay cards that Discover also accepts; like Stripe, we report them as
    /// `.unionpay` (the issuing network), so all of 62 is UnionPay.
    public static func detect(digits: String) -> CardBrand {
        let digits = Array(digits.utf8.filter { $0 != UInt8(ascii: " ") })
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .unknown }
        /// The first `count` digits as a number, or nil when there are fewer.
        func prefix(_ count: Int) -> Int? {
            guard digits.count >= count else { return nil }
            return digits[..<count].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        func within(_ count: Int, _ range: ClosedRange<Int>) -> Bool {
            prefix(count).map(range.contains) ?? false
        }

        // Most specific ranges first: Maestro's 6759/6767xx and Discover's 6011 sit inside broader 6x blocks.
        if within(6, 676_770...676_770) || within(6, 676_774...676_774) || within(4, 6759...6759) || within(4, 6304...6304) {
            return .maestro
        }
        if within(4, 6011...6011) || within(3, 644...649) || within(2, 65...65) { return .discover }
        if within(2, 62...62) || within(2, 81...81) { return .unionpay }
        if within(1, 4...4) { return .visa }
        if within(2, 51...55) || within(4, 2221...2720) { return .mastercard }
        if within(2, 34...34) || within(2, 37...37) { return .amex }
        if within(4, 3528...3589) { return .jcb }
        if within(3, 300...305) || within(2, 36...36) || within(2, 38...39) { return .diners }
        if within(2, 50...50) || within(2, 56...58) { return .maestro }
        return .unknown
    }
}
