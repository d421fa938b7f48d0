import PaymentCore

/// ISO/IEC 9797-1 MACs over DES/TDES.
public enum ISO9797MAC {
    /// Padding methods of ISO/IEC 9797-1 §6.1.
    public enum Padding: Sendable, Equatable {
        /// Method 1: zeros up to the block size (none when already aligned; one zero block for empty data).
        case method1
        /// Method 2: one 0x80 byte, then zeros up to the block size.
        case method2
    }

    /// Pads data to a multiple of `block` bytes.
    public static func pad(_ data: [UInt8], _ padding: Padding, block: Int = 8) -> [UInt8] {
        var out = data
        switch padding {
        case .method1:
            if out.isEmpty || out.count % block != 0 { out += [UInt8](repeating: 0, count: block - out.count % block) }
        case .method2:
            out.append(0x80)
            if out.count % block != 0 { out += [UInt8](repeating: 0, count: block - out.count % block) }
        }
        return out
    }

    /// MAC algorithm 1: CBC-MAC with the whole key (DES or TDES) over every block.
    public static func algorithm1(key: SymmetricKey, data: [UInt8], padding: Padding) throws(CryptoError) -> [UInt8] {
        let cbc = try BlockCipher.tdes.encrypt(pad(data, padding), key: key, mode: .cbc(iv: nil))
        return Array(cbc.suffix(8))
    }

    /// MAC algorithm 3 (the ANSI X9.19 "retail MAC"): single-DES CBC with K1, then the last block is deciphered
    /// with K2 and enciphered with K1. The key is double length (K1‖K2).
    public static func algorithm3(key: SymmetricKey, data: [UInt8], padding: Padding) throws(CryptoError) -> [UInt8] {
        let raw = key.revealBytes()
        guard raw.count == 16 else {
            throw CryptoError(.invalidKeyLength, "the retail MAC needs a double-length (16-byte) key, not \(raw.count) bytes")
        }
        let k1 = try SymmetricKey(bytes: Array(raw[0..<8]))
        let k2 = try SymmetricKey(bytes: Array(raw[8..<16]))
        let cbc = try BlockCipher.tdes.encrypt(pad(data, padding), key: k1, mode: .cbc(iv: nil))
        let last = Array(cbc.suffix(8))
        let step = try BlockCipher.tdes.decrypt(last, key: k2, mode: .ecb)
        return try BlockCipher.tdes.encrypt(step, key: k1, mode: .ecb)
    }
}
