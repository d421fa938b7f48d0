import PaymentCore

/// A fixed-length EMV bit field (TVR, TSI, AIP, CVR) whose set bits have names.
///
/// Byte 1 of the field is the most significant byte of `rawValue`, so `bytes` is the value exactly as on the wire.
public protocol NamedBitSet: OptionSet, Sendable, Hashable, CustomStringConvertible where RawValue: FixedWidthInteger & UnsignedInteger, Element == Self {
    /// Length of the field on the wire.
    static var byteCount: Int { get }
    /// Every named bit, in byte and bit order (byte 1 bit 8 first).
    static var namedBits: [(bit: Self, name: String)] { get }
}

extension NamedBitSet {
    /// Reads the field from its wire bytes; nil unless there are exactly `byteCount` of them.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init(rawValue: bytes.reduce(RawValue.zero) { $0 << 8 | RawValue($1) })
    }

    /// The field as on the wire, byte 1 first.
    public var bytes: [UInt8] {
        (0..<Self.byteCount).map { index in
            UInt8(truncatingIfNeeded: rawValue >> (8 * (Self.byteCount - 1 - index)))
        }
    }

    /// Upper-case hex of `bytes`, e.g. "8000048000".
    public var hex: String { HexCoding.encode(bytes) }

    /// The names of the set bits in wire order; bits without a name show as "byte 2 bit 3 (RFU)".
    public var setBitNames: [String] {
        var names: [String] = []
        var named: Self = []
        for (bit, name) in Self.namedBits where contains(bit) && !bit.isEmpty {
            names.append(name)
            named.formUnion(bit)
        }
        let unnamed = rawValue & ~named.rawValue
        if unnamed != 0 {
            for position in stride(from: Self.byteCount * 8 - 1, through: 0, by: -1) where unnamed >> position & 1 == 1 {
                names.append("byte \(Self.byteCount - position / 8) bit \(position % 8 + 1) (RFU)")
            }
        }
        return names
    }

    /// The hex value and the names of the set bits: "8000000000: offline data authentication was not performed".
    public var description: String {
        let names = setBitNames
        return names.isEmpty ? "\(hex): no bits set" : "\(hex): \(names.joined(separator: "; "))"
    }

    /// The bit `mask` of byte `byte` (1-based, as the EMV books number them).
    static func bit(byte: Int, _ mask: UInt8) -> Self {
        Self(rawValue: RawValue(mask) << (8 * (byteCount - byte)))
    }
}
