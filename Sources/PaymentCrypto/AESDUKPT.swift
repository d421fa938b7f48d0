/// AES DUKPT, the receiving (host) side of ANSI X9.24-3-2017: the initial key from an AES BDK and the initial
/// key ID, the intermediate derivation key for a transaction counter, and working keys for each usage and type.
///
/// Every step is one derivation: AES-ECB under the deriving key of 16-byte derivation data blocks (one per 128 bits
/// of the derived key), the output cut to the derived key's length.
public enum AESDUKPT {
    /// The derived key's algorithm and length (derivation data bytes 4–7).
    public enum KeyType: String, Sendable, CaseIterable {
        /// Double-length TDES (two-key TDEA), 128 bits.
        case tdea2
        /// Triple-length TDES (three-key TDEA), 192 bits.
        case tdea3
        case aes128
        case aes192
        case aes256

        /// The algorithm indicator of the derivation data.
        var algorithmIndicator: UInt16 {
            switch self {
            case .tdea2: 0
            case .tdea3: 1
            case .aes128: 2
            case .aes192: 3
            case .aes256: 4
            }
        }

        /// Key length in bits.
        public var bitCount: Int {
            switch self {
            case .tdea2, .aes128: 128
            case .tdea3, .aes192: 192
            case .aes256: 256
            }
        }

        /// The AES type of a BDK or initial key of `byteCount` bytes.
        public static func aes(byteCount: Int) -> KeyType? {
            switch byteCount {
            case 16: .aes128
            case 24: .aes192
            case 32: .aes256
            default: nil
            }
        }
    }

    /// What a working key is for (the key usage indicator, derivation data bytes 2–3).
    public enum KeyUsage: String, Sendable, CaseIterable {
        /// Key encryption key (0002).
        case keyEncryption
        /// PIN encryption (1000).
        case pinEncryption
        /// MAC generation (2000).
        case macGeneration
        /// MAC verification (2001).
        case macVerification
        /// MAC generation and verification (2002).
        case macBoth
        /// Data encryption, encrypt only (3000).
        case dataEncrypt
        /// Data encryption, decrypt only (3001).
        case dataDecrypt
        /// Data encryption, both ways (3002).
        case dataBoth

        /// The key usage indicator.
        var indicator: UInt16 {
            switch self {
            case .keyEncryption: 0x0002
            case .pinEncryption: 0x1000
            case .macGeneration: 0x2000
            case .macVerification: 0x2001
            case .macBoth: 0x2002
            case .dataEncrypt: 0x3000
            case .dataDecrypt: 0x3001
            case .dataBoth: 0x3002
            }
        }
    }

    /// Usage indicator of intermediate derivation keys.
    static let keyDerivation: UInt16 = 0x8000
    /// Usage indicator of the initial key.
    static let initialKeyDerivation: UInt16 = 0x8001

    /// The initial key (loaded into the device) from an AES BDK (16, 24 or 32 bytes) and the 8-byte initial key ID.
    /// It has the BDK's type; the derivation data carries the whole initial key ID.
    public static func initialKey(bdk: SymmetricKey, initialKeyID: [UInt8]) throws(CryptoError) -> SymmetricKey {
        let type = try aesType(of: bdk, "BDK")
        guard initialKeyID.count == 8 else {
            throw CryptoError(.invalidKSN, "an AES DUKPT initial key ID is 8 bytes (16 hex digits), not \(initialKeyID.count)")
        }
        let data = derivationData(usage: initialKeyDerivation, type: type, tail: initialKeyID)
        return try SymmetricKey(bytes: derive(key: bdk, type: type, data: data))
    }

    /// The working key of `type` for `usage` at `ksn`, from the device's initial key.
    ///
    /// An AES working key may not be longer than the initial key (no AES-256 key from an AES-128 BDK);
    /// TDEA keys come from any initial key. Counters with more than sixteen one bits are errors.
    public static func workingKey(initialKey: SymmetricKey, ksn: AESKSN, usage: KeyUsage, type: KeyType) throws(CryptoError) -> SymmetricKey {
        try workingKey(initialKey: initialKey, ksn: ksn, usage: usage, type: type, checkCounter: true)
    }

    /// The working key of `type` for `usage` at `ksn`, from the BDK: initial key, then working key.
    public static func workingKey(bdk: SymmetricKey, ksn: AESKSN, usage: KeyUsage, type: KeyType) throws(CryptoError) -> SymmetricKey {
        let initial = try initialKey(bdk: bdk, initialKeyID: ksn.initialKeyID)
        return try workingKey(initialKey: initial, ksn: ksn, usage: usage, type: type)
    }

    /// `checkCounter: false` admits counters the originator never uses, such as FFFFFFFF of the standard's
    /// "DUKPT update key" test data.
    static func workingKey(initialKey: SymmetricKey, ksn: AESKSN, usage: KeyUsage, type: KeyType, checkCounter: Bool) throws(CryptoError) -> SymmetricKey {
        let derivationType = try aesType(of: initialKey, "initial key")
        if type.algorithmIndicator >= KeyType.aes128.algorithmIndicator && type.bitCount > derivationType.bitCount {
            throw CryptoError(.invalidParameter, "an \(type.rawValue) working key cannot come from a \(derivationType.bitCount)-bit initial key")
        }
        let intermediate = try derivationKey(initialKey: initialKey, ksn: ksn, checkCounter: checkCounter)
        let data = derivationData(usage: usage.indicator, type: type, tail: counterTail(ksn, ksn.counter))
        return try SymmetricKey(bytes: derive(key: intermediate, type: type, data: data))
    }

    /// The intermediate derivation key for the counter of `ksn`: from the initial key, one derivation per one bit
    /// of the counter, most significant first, each with the counter bits set so far.
    /// The intermediate derivation key for a KSN's counter (the host-side "current" key before the working-key step).
    public static func intermediateKey(initialKey: SymmetricKey, ksn: AESKSN) throws(CryptoError) -> SymmetricKey {
        try derivationKey(initialKey: initialKey, ksn: ksn)
    }

    static func derivationKey(initialKey: SymmetricKey, ksn: AESKSN, checkCounter: Bool = true) throws(CryptoError) -> SymmetricKey {
        let type = try aesType(of: initialKey, "initial key")
        if checkCounter && !ksn.hasValidCounter {
            throw CryptoError(.invalidKSN, "the KSN counter \(String(ksn.counter, radix: 16, uppercase: true)) has more than sixteen one bits; an originating device never uses it")
        }
        var key = initialKey
        var working: UInt32 = 0
        var mask: UInt32 = 1 << 31
        while mask != 0 {
            if ksn.counter & mask != 0 {
                working |= mask
                let data = derivationData(usage: keyDerivation, type: type, tail: counterTail(ksn, working))
                key = try SymmetricKey(bytes: derive(key: key, type: type, data: data))
            }
            mask >>= 1
        }
        return key
    }

    /// The 16-byte derivation data: version 01, key block counter 01, usage (2 bytes), algorithm (2 bytes),
    /// length in bits (2 bytes), then 8 bytes: the initial key ID, or derivation ID ‖ counter.
    static func derivationData(usage: UInt16, type: KeyType, tail: [UInt8]) -> [UInt8] {
        [0x01, 0x01, UInt8(usage >> 8), UInt8(usage & 0xFF),
         UInt8(type.algorithmIndicator >> 8), UInt8(type.algorithmIndicator & 0xFF),
         UInt8(type.bitCount >> 8), UInt8(type.bitCount & 0xFF)] + tail
    }

    /// The rightmost four bytes of the initial key ID (the derivation ID) and a 32-bit counter.
    private static func counterTail(_ ksn: AESKSN, _ counter: UInt32) -> [UInt8] {
        Array(ksn.initialKeyID[4..<8]) + [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF), UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF)]
    }

    /// One derivation: AES-ECB of the derivation data with the key block counter 1, 2 … until enough bits.
    private static func derive(key: SymmetricKey, type: KeyType, data: [UInt8]) throws(CryptoError) -> [UInt8] {
        var out: [UInt8] = []
        var block = data
        for counter in 1...(type.bitCount + 127) / 128 {
            block[1] = UInt8(counter)
            out += try BlockCipher.aes.encrypt(block, key: key, mode: .ecb)
        }
        return Array(out.prefix(type.bitCount / 8))
    }

    private static func aesType(of key: SymmetricKey, _ name: String) throws(CryptoError) -> KeyType {
        guard let type = KeyType.aes(byteCount: key.count) else {
            throw CryptoError(.invalidKeyLength, "an AES DUKPT \(name) is a 16-, 24- or 32-byte AES key, not \(key.count) bytes")
        }
        return type
    }
}
