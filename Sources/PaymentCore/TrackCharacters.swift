/// Byte-level helpers shared by the magnetic-stripe parsers.
enum TrackCharacters {
    static let startSentinel1 = UInt8(ascii: "%")
    static let startSentinel2 = UInt8(ascii: ";")
    static let endSentinel = UInt8(ascii: "?")
    static let fieldSeparator1 = UInt8(ascii: "^")
    static let fieldSeparator2 = UInt8(ascii: "=")

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Characters of the ISO/IEC 7813 track 1 alphabet (0x20–0x5F) that may appear inside a field.
    static func isTrack1FieldCharacter(_ byte: UInt8) -> Bool {
        (0x20...0x5F).contains(byte) && byte != startSentinel1 && byte != endSentinel && byte != fieldSeparator1
    }

    /// The range inside `bytes` between the optional start sentinel and the optional end sentinel
    /// (which may be followed by one LRC character).
    static func payload(of bytes: [UInt8], start: UInt8) -> Range<Int> {
        var lower = 0
        var upper = bytes.count
        if bytes.first == start { lower = 1 }
        if upper > lower, bytes[upper - 1] == endSentinel {
            upper -= 1
        } else if upper - lower >= 2, bytes[upper - 2] == endSentinel {
            upper -= 2
        }
        return lower..<upper
    }

    /// A printable rendering of one byte for error messages (never used for PAN digits).
    static func show(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(HexCoding.byte(byte))"
    }
}
