/// Packed BCD as EMV's numeric (n) format uses it: two decimal digits per byte, right-justified with leading zeros.
enum BCD {
    /// `value` in `length` bytes; digits that do not fit are cut from the left (callers keep values in range).
    static func encode(_ value: UInt64, length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var remaining = value
        for index in stride(from: length - 1, through: 0, by: -1) {
            let low = UInt8(remaining % 10)
            remaining /= 10
            let high = UInt8(remaining % 10)
            remaining /= 10
            out[index] = high << 4 | low
        }
        return out
    }

    /// The digits of BCD bytes, or nil when a nibble is not 0–9.
    static func digits(_ bytes: [UInt8]) -> [UInt8]? {
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            let high = byte >> 4, low = byte & 0x0F
            guard high <= 9, low <= 9 else { return nil }
            digits.append(high)
            digits.append(low)
        }
        return digits
    }

    /// The value of BCD bytes, or nil when a nibble is not 0–9.
    static func value(_ bytes: [UInt8]) -> UInt64? {
        guard bytes.count <= 9, let digits = digits(bytes) else { return nil }
        return digits.reduce(0) { $0 * 10 + UInt64($1) }
    }
}
