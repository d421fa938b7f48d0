/// Upper-case hexadecimal text for bytes, and back.
public enum HexCoding {
    private static let digits = Array("0123456789ABCDEF".utf8)

    /// "9F26" for [0x9F, 0x26].
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func byte(_ byte: UInt8) -> String { encode([byte]) }

    /// "00 A4 04 00" — bytes as spaced pairs, for APDU traces.
    public static func spaced(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte($0) }.joined(separator: " ")
    }

    /// The value of one hex digit, either case.
    static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case 0x30...0x39: character - 0x30
        case 0x41...0x46: character - 0x41 + 10
        case 0x61...0x66: character - 0x61 + 10
        default: nil
        }
    }

    /// Bytes from hex text; spaces are ignored. Nil on an odd count or a non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var high: UInt8?
        for character in text.utf8 where character != UInt8(ascii: " ") {
            guard let value = nibble(character) else { return nil }
            if let pending = high {
                out.append(pending << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return high == nil ? out : nil
    }
}
