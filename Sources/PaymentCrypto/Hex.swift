import PaymentCore

/// Hex input for keys and data, with PaymentCrypto's error; the codec itself is PaymentCore's `HexCoding`.
enum HexInput {
    static func bytes(_ text: String) throws(CryptoError) -> [UInt8] {
        guard let bytes = HexCoding.decode(text) else {
            throw CryptoError(.invalidHex, "not hex: expected an even number of digits 0-9/A-F")
        }
        return bytes
    }
}
