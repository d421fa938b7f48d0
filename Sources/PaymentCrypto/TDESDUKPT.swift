/// TDES DUKPT, the receiving (host) side of ANSI X9.24-1:2009 Annex A: the initial key (IPEK) from the BDK, the
/// current transaction key from the IPEK and the KSN, and the key variants for PIN, MAC and data.
///
/// Keys are double-length (16 bytes) throughout; parity bits are not adjusted, as the standard specifies.
public enum TDESDUKPT {
    /// What a derived key protects (X9.24-1:2009 A.4.1, Table A-1 and Figure A-2).
    public enum KeyUsage: String, Sendable, CaseIterable {
        /// PIN encryption: variant 00000000000000FF 00000000000000FF.
        case pin
        /// MAC on request messages: variant 000000000000FF00 000000000000FF00.
        case macRequest
        /// MAC on response messages: variant 00000000FF000000 00000000FF000000.
        case macResponse
        /// Data encryption on requests: variant 0000000000FF0000 0000000000FF0000, then each half enciphered
        /// under the variant itself.
        case dataRequest
        /// Data encryption on responses: variant 000000FF00000000 000000FF00000000, then as `dataRequest`.
        case dataResponse

        /// The byte of each 8-byte half that the variant sets to FF, counted from the left.
        var variantByte: Int {
            switch self {
            case .pin: 7
            case .macRequest: 6
            case .macResponse: 4
            case .dataRequest: 5
            case .dataResponse: 3
            }
        }
    }

    /// C0C0C0C000000000 C0C0C0C000000000: XORed into the key for the right half of the IPEK and for the left
    /// half of each non-reversible key generation step.
    private static let keyMask: [UInt8] = [0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0]

    /// The initial key (IPEK, A.6): the leftmost 64 bits of the KSN with the counter cleared, enciphered under
    /// the BDK (left half) and under BDK ⊕ C0C0C0C000000000C0C0C0C000000000 (right half).
    /// The counter in `ksn` is ignored, so any KSN of the device gives its IPEK.
    public static func initialKey(bdk: SymmetricKey, ksn: KSN) throws(CryptoError) -> SymmetricKey {
        let raw = try doubleLength(bdk, "BDK")
        let register = Array(try ksn.withCounter(0).bytes.prefix(8))
        let left = try BlockCipher.tdes.encrypt(register, key: bdk, mode: .ecb)
        let right = try BlockCipher.tdes.encrypt(register, key: SymmetricKey(bytes: xor(raw, keyMask)), mode: .ecb)
        return try SymmetricKey(bytes: left + right)
    }

    /// The current transaction key for `ksn` (A.3): for each one bit of the counter, from the most significant
    /// down, that bit is set in the KSN register and the key goes through the non-reversible key generation.
    /// Counter 0 gives the IPEK; a counter with more than ten one bits, which the originator never uses, is an error.
    public static func currentKey(ipek: SymmetricKey, ksn: KSN) throws(CryptoError) -> SymmetricKey {
        var key = try doubleLength(ipek, "IPEK")
        guard ksn.hasValidCounter else {
            throw CryptoError(.invalidKSN, "the KSN counter \(String(ksn.counter, radix: 16, uppercase: true)) has more than ten one bits; an originating device never uses it")
        }
        // The rightmost 64 bits of the KSN with the counter cleared.
        var register = Array(try ksn.withCounter(0).bytes.suffix(8))
        var bit: UInt32 = 1 << 20
        while bit != 0 {
            if ksn.counter & bit != 0 {
                register[5] |= UInt8(bit >> 16 & 0xFF)
                register[6] |= UInt8(bit >> 8 & 0xFF)
                register[7] |= UInt8(bit & 0xFF)
                key = try nonReversible(key, register)
            }
            bit >>= 1
        }
        return try SymmetricKey(bytes: key)
    }

    /// The key for `usage` from a current transaction key: the variant XOR, and for data keys the one-way step
    /// (each half of the variant enciphered under the variant, A.4.1 Figure A-2).
    public static func variant(of currentKey: SymmetricKey, for usage: KeyUsage) throws(CryptoError) -> SymmetricKey {
        var raw = try doubleLength(currentKey, "current key")
        raw[usage.variantByte] ^= 0xFF
        raw[usage.variantByte + 8] ^= 0xFF
        let variant = try SymmetricKey(bytes: raw)
        switch usage {
        case .pin, .macRequest, .macResponse:
            return variant
        case .dataRequest, .dataResponse:
            let left = try BlockCipher.tdes.encrypt(Array(raw[0..<8]), key: variant, mode: .ecb)
            let right = try BlockCipher.tdes.encrypt(Array(raw[8..<16]), key: variant, mode: .ecb)
            return try SymmetricKey(bytes: left + right)
        }
    }

    /// The key a host uses for one transaction: IPEK from the BDK, current key for the KSN, then the usage variant.
    public static func derive(bdk: SymmetricKey, ksn: KSN, usage: KeyUsage) throws(CryptoError) -> SymmetricKey {
        let ipek = try initialKey(bdk: bdk, ksn: ksn)
        return try variant(of: currentKey(ipek: ipek, ksn: ksn), for: usage)
    }

    /// Non-reversible key generation (A.2): for each half, R ⊕ DES(KL, R ⊕ register) with R the key's right
    /// half; the new left half from the key ⊕ C0C0…, the new right half from the key itself.
    private static func nonReversible(_ key: [UInt8], _ register: [UInt8]) throws(CryptoError) -> [UInt8] {
        func half(_ k: [UInt8]) throws(CryptoError) -> [UInt8] {
            let right = Array(k[8..<16])
            let des = try BlockCipher.tdes.encrypt(xor(right, register), key: SymmetricKey(bytes: Array(k[0..<8])), mode: .ecb)
            return xor(right, des)
        }
        return try half(xor(key, keyMask)) + half(key)
    }

    private static func doubleLength(_ key: SymmetricKey, _ name: String) throws(CryptoError) -> [UInt8] {
        guard key.count == 16 else {
            throw CryptoError(.invalidKeyLength, "a TDES DUKPT \(name) is a 16-byte key, not \(key.count) bytes")
        }
        return key.revealBytes()
    }

    private static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { zip(a, b).map { $0 ^ $1 } }
}
