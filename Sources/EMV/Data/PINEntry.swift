/// A PIN the cardholder typed: 4 to 12 digits that never show in `description`, logs or dumps.
public struct PINEntry: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let digits: [UInt8]

    /// Validates 4–12 ASCII digits.
    public init(_ text: String) throws(EMVError) {
        let bytes = Array(text.utf8)
        guard (4...12).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw EMVError(.invalidData, "A PIN is 4 to 12 digits.", location: "pin")
        }
        digits = bytes.map { $0 - 0x30 }
    }

    /// Number of digits.
    public var length: Int { digits.count }

    /// The ISO 9564 format 2 block sent in a plaintext offline VERIFY: `2`, the length, the digits, `F` fill to 8 bytes.
    public func format2Block() -> [UInt8] {
        var nibbles: [UInt8] = [0x2, UInt8(digits.count)] + digits
        nibbles += [UInt8](repeating: 0xF, count: 16 - nibbles.count)
        return stride(from: 0, to: 16, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    /// Reads a format 2 block; nil unless it is 8 bytes, starts with 2, has a length of 4–12 and only digits then `F`.
    public init?(format2Block block: [UInt8]) {
        guard block.count == 8 else { return nil }
        let nibbles = block.flatMap { [$0 >> 4, $0 & 0x0F] }
        let count = Int(nibbles[1])
        guard nibbles[0] == 0x2, (4...12).contains(count),
              nibbles[2..<(2 + count)].allSatisfy({ $0 <= 9 }),
              nibbles[(2 + count)...].allSatisfy({ $0 == 0xF })
        else { return nil }
        digits = Array(nibbles[2..<(2 + count)])
    }

    /// The digits in clear; only for building a PIN block.
    public func revealDigits() -> String {
        String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self)
    }

    public var description: String { "PIN(\(String(repeating: "*", count: digits.count)))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["length": digits.count], displayStyle: .struct) }
}
