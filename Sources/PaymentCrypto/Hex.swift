/// Hex encoding and decoding as payment engineers write it: upper-case out, spaces tolerated in.
public enum Hex {
    /// Upper-case hex of the bytes.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case, spaces ignored); an odd count or a non-hex character is an error.
    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        let chars = text.utf8.filter { $0 != 0x20 }
        guard chars.count % 2 == 0 else {
            throw CryptoError(.invalidHex, "hex input has an odd number of digits (\(chars.count))")
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var high: UInt8 = 0
        for (i, c) in chars.enumerated() {
            guard let v = nibble(c) else {
                throw CryptoError(.invalidHex, "hex input has a non-hex character at position \(i + 1)")
            }
            if i % 2 == 0 { high = v } else { out.append(high << 4 | v) }
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
