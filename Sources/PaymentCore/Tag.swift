/// A BER-TLV tag of one to four bytes, e.g. `0x9F26`; its raw value is the bytes read as a big-endian integer.
public struct Tag: Hashable, Sendable, RawRepresentable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The class held in the two high bits of the first byte.
    public enum Class: UInt8, Sendable, CaseIterable {
        case universal = 0
        case application = 1
        case contextSpecific = 2
        case `private` = 3
    }

    /// The tag bytes as a big-endian integer: 0x9F26 for [0x9F, 0x26].
    public let rawValue: UInt32

    /// The tag whose bytes, read big-endian, are `rawValue`; nil unless they form a valid BER tag.
    public init?(rawValue: UInt32) {
        guard Self.isValid(Self.bytes(of: rawValue)) else { return nil }
        self.rawValue = rawValue
    }

    /// A tag written as a literal such as `0x9F26`. An invalid literal is a programmer error and traps.
    public init(integerLiteral value: UInt32) {
        precondition(Self.isValid(Self.bytes(of: value)), "0x\(String(value, radix: 16, uppercase: true)) is not a valid BER-TLV tag")
        rawValue = value
    }

    /// Validates tag bytes: a first byte other than 0x00, and subsequent bytes exactly when its low five bits are all set,
    /// each with bit 8 set except the last; at most four bytes.
    public init(bytes: [UInt8]) throws(PaymentCoreError) {
        guard Self.isValid(bytes) else {
            throw PaymentCoreError(
                code: .invalidTag,
                message: "\(Self.describe(bytes)) is not a BER-TLV tag; a tag has one to four bytes, "
                    + "and a multi-byte tag starts with a byte whose low five bits are set (e.g. 9F26).",
                location: "tag"
            )
        }
        rawValue = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Reads hexadecimal text such as "9F26" or "9f 26".
    public init(hex: String) throws(PaymentCoreError) {
        guard let bytes = HexCoding.decode(hex) else {
            throw PaymentCoreError(
                code: .invalidTag,
                message: "A tag is written as pairs of hexadecimal digits, e.g. 9F26.",
                location: "tag"
            )
        }
        try self.init(bytes: bytes)
    }

    /// The tag's bytes as they appear on the wire.
    public var bytes: [UInt8] { Self.bytes(of: rawValue) }

    /// Upper-case hex of the bytes, e.g. "9F26".
    public var hex: String { HexCoding.encode(bytes) }

    /// True when bit 6 of the first byte is set: the value is itself a sequence of TLV objects.
    public var isConstructed: Bool { bytes[0] & 0x20 != 0 }

    /// Universal, application, context-specific or private.
    public var tagClass: Class { Class(rawValue: bytes[0] >> 6) ?? .universal }

    /// The tag number inside its class (low five bits, or the 7-bit groups of the subsequent bytes).
    public var number: UInt32 {
        let bytes = bytes
        guard bytes.count > 1 else { return UInt32(bytes[0] & 0x1F) }
        return bytes.dropFirst().reduce(0) { $0 << 7 | UInt32($1 & 0x7F) }
    }

    /// The hex form.
    public var description: String { hex }

    /// Names rejected tag bytes without echoing long input (which could be card data).
    private static func describe(_ bytes: [UInt8]) -> String {
        switch bytes.count {
        case 0: "An empty byte string"
        case 1...4: HexCoding.encode(bytes)
        default: "A \(bytes.count)-byte string"
        }
    }

    static func bytes(of rawValue: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        var remaining = rawValue
        repeat {
            bytes.insert(UInt8(remaining & 0xFF), at: 0)
            remaining >>= 8
        } while remaining != 0
        return bytes
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, first != 0x00, bytes.count <= 4 else { return false }
        let multiByte = first & 0x1F == 0x1F
        guard multiByte == (bytes.count > 1) else { return false }
        for (index, byte) in bytes.enumerated().dropFirst() {
            let isLast = index == bytes.count - 1
            guard (byte & 0x80 != 0) != isLast else { return false }
        }
        return true
    }
}
