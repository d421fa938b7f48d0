/// A primary account number: 12–19 digits that pass the Luhn check, and that mask themselves.
///
/// `description`, `debugDescription`, the mirror (`dump`) and every error show only the masked form;
/// the digits themselves come out only through `revealDigits()`, so each use is explicit and greppable.
public struct PAN: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let digits: String

    /// Validates `digits` (spaces are ignored): 12–19 ASCII digits with a correct Luhn check digit.
    public init(_ digits: String) throws(PaymentCoreError) {
        let compact = String(digits.filter { $0 != " " })
        guard compact.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw PaymentCoreError(code: .invalidPAN, message: "A card number contains only digits and spaces.", location: "pan")
        }
        guard (12...19).contains(compact.utf8.count) else {
            throw PaymentCoreError(
                code: .invalidPAN,
                message: "A card number has 12 to 19 digits; this one has \(compact.utf8.count). Check the number and try again.",
                location: "pan"
            )
        }
        guard Self.luhnValid(compact) else {
            throw PaymentCoreError(
                code: .luhnCheckFailed,
                message: "The card number \(Self.mask(compact)) fails the Luhn check; a digit is probably mistyped.",
                location: "pan"
            )
        }
        self.digits = compact
    }

    /// True when `digits` (ASCII digits only, at least two) passes the Luhn (mod 10) check.
    public static func luhnValid(_ digits: String) -> Bool {
        let bytes = Array(digits.utf8)
        guard bytes.count >= 2, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        return luhnSum(bytes, doubleRightmost: false) % 10 == 0
    }

    /// The check digit that makes `partial + digit` pass the Luhn check; "0" when `partial` has a non-digit.
    public static func luhnCheckDigit(for partial: String) -> Character {
        let bytes = Array(partial.utf8)
        guard bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return "0" }
        let check = (10 - luhnSum(bytes, doubleRightmost: true) % 10) % 10
        return Character(String(check))
    }

    /// The network from the IIN.
    public var brand: CardBrand { CardBrand.detect(digits: digits) }
    /// The last four digits, safe to show and store.
    public var last4: String { String(digits.suffix(4)) }
    /// The first six digits (bank identification number), safe to show and store.
    public var bin: String { String(digits.prefix(6)) }
    /// Number of digits.
    public var length: Int { digits.utf8.count }

    /// First six and last four digits with `*` between ("424242******4242"); for PANs shorter
    /// than 14 digits, first four and last four, so that at least four digits stay hidden.
    public var masked: String { Self.mask(digits) }

    /// The masked form.
    public var description: String { masked }
    /// The masked form.
    public var debugDescription: String { "PAN(\(masked))" }
    /// A mirror that shows only the masked form, so `dump` cannot leak the digits.
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked], displayStyle: .struct) }

    /// The full card number. Call only where the digits must leave this process (authorization, PIN block).
    public func revealDigits() -> String { digits }

    /// Masks any digit string the way `masked` does; short strings keep only their last four digits
    /// (or nothing when shorter than eight), so a malformed number in an error never shows in full.
    static func mask(_ digits: String) -> String {
        let count = digits.count
        let head = count >= 14 ? 6 : (count >= 12 ? 4 : 0)
        let tail = count >= 8 ? 4 : 0
        return String(digits.prefix(head)) + String(repeating: "*", count: count - head - tail) + String(digits.suffix(tail))
    }

    /// Luhn sum where every second digit from the right is doubled, starting with the rightmost
    /// when `doubleRightmost` (computing a check digit) or the one left of it (validating).
    private static func luhnSum(_ bytes: [UInt8], doubleRightmost: Bool) -> Int {
        var sum = 0
        var double = doubleRightmost
        for byte in bytes.reversed() {
            var digit = Int(byte - 0x30)
            if double {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
            double.toggle()
        }
        return sum
    }
}
