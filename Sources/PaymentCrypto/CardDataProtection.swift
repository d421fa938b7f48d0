import PaymentCore

/// Which DUKPT a terminal's keys follow: AES DUKPT (ANSI X9.24-3-2017, the default) or TDES DUKPT
/// (X9.24-1:2009, for profiles of older devices).
public enum DUKPTScheme: String, Sendable, Hashable, Codable, CaseIterable {
    case aes = "aes_dukpt"
    case tdes = "tdes_dukpt"

    /// BDK and initial key length in bytes: AES-128 and double-length TDES.
    public var keyByteCount: Int { 16 }
}

/// A key serial number of either scheme; its length tells which (10 bytes TDES, 12 bytes AES). It travels in the
/// clear next to the data it protects. The first four bytes name the BDK (the gateway's BDK ID).
public enum DUKPTSerialNumber: Sendable, Hashable, CustomStringConvertible {
    case aes(AESKSN)
    case tdes(KSN)

    /// Parses 20 (TDES) or 24 (AES) hex digits.
    public init(hex: String) throws(CryptoError) {
        switch hex.count {
        case 20: self = .tdes(try KSN(hex: hex))
        case 24: self = .aes(try AESKSN(hex: hex))
        default: throw CryptoError(.invalidKSN, "a KSN is 20 hex digits (TDES DUKPT) or 24 (AES DUKPT), not \(hex.count)")
        }
    }

    /// The first KSN of a device: `bdkID` (4 bytes) and `deviceID` (4 bytes) with the counter at zero. For TDES the
    /// rightmost 21 bits are the counter, so the low 5 bits of the device ID are cleared.
    public static func initial(scheme: DUKPTScheme, bdkID: [UInt8], deviceID: [UInt8]) throws(CryptoError) -> DUKPTSerialNumber {
        guard bdkID.count == 4, deviceID.count == 4 else {
            throw CryptoError(.invalidKSN, "a BDK ID and a device ID are 4 bytes each")
        }
        switch scheme {
        case .aes:
            return .aes(try AESKSN(initialKeyID: bdkID + deviceID, counter: 0))
        case .tdes:
            return .tdes(try KSN(bytes: bdkID + deviceID.prefix(3) + [deviceID[3] & 0xE0, 0, 0]))
        }
    }

    public var scheme: DUKPTScheme {
        switch self {
        case .aes: .aes
        case .tdes: .tdes
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .aes(let k): k.bytes
        case .tdes(let k): k.bytes
        }
    }

    /// The BDK this serial number was issued under.
    public var bdkID: [UInt8] { Array(bytes.prefix(4)) }

    public var counter: UInt32 {
        switch self {
        case .aes(let k): k.counter
        case .tdes(let k): k.counter
        }
    }

    /// The serial number of the device's next transaction; throws `counterExhausted` at the end of its life.
    public func next() throws(CryptoError) -> DUKPTSerialNumber {
        switch self {
        case .aes(let k): .aes(try k.next())
        case .tdes(let k): .tdes(try k.next())
        }
    }

    public var hex: String { HexCoding.encode(bytes) }
    public var description: String { hex }
}

/// The keys of one transaction: a PIN key and a data key, both from the device's initial key at one KSN.
///
/// Track 2 is enciphered in CBC mode with a zero IV (each key serves one transaction only) after a one-byte
/// length and the EMV track 2 bytes (tag 57 format), zero-filled to whole blocks. The PIN block is ISO 9564
/// format 4 under AES DUKPT and format 0 under TDES DUKPT, both bound to the PAN.
public struct DUKPTTransactionKeys: Sendable {
    public let ksn: DUKPTSerialNumber
    let pinKey: SymmetricKey
    let dataKey: SymmetricKey

    /// The keys the device uses at `ksn`, from its initial key (IPEK).
    public init(initialKey: SymmetricKey, ksn: DUKPTSerialNumber) throws(CryptoError) {
        self.ksn = ksn
        switch ksn {
        case .aes(let k):
            pinKey = try AESDUKPT.workingKey(initialKey: initialKey, ksn: k, usage: .pinEncryption, type: .aes128)
            dataKey = try AESDUKPT.workingKey(initialKey: initialKey, ksn: k, usage: .dataEncrypt, type: .aes128)
        case .tdes(let k):
            let current = try TDESDUKPT.currentKey(ipek: initialKey, ksn: k)
            pinKey = try TDESDUKPT.variant(of: current, for: .pin)
            dataKey = try TDESDUKPT.variant(of: current, for: .dataRequest)
        }
    }

    /// The keys the host uses for a KSN: the initial key from the BDK first.
    public init(bdk: SymmetricKey, ksn: DUKPTSerialNumber) throws(CryptoError) {
        try self.init(initialKey: DUKPTKeyInjection.initialKey(bdk: bdk, ksn: ksn), ksn: ksn)
    }

    private var cipher: BlockCipher { ksn.scheme == .aes ? .aes : .tdes }
    private var pinFormat: PINBlockFormat { ksn.scheme == .aes ? .iso4 : .iso0 }

    /// Track 2 enciphered under the data key.
    public func encipher(track2: Track2) throws(CryptoError) -> [UInt8] {
        let data = track2.emvBytes
        var clear = [UInt8(data.count)] + data
        let block = cipher.blockSize
        clear += [UInt8](repeating: 0, count: (block - clear.count % block) % block)
        return try cipher.encrypt(clear, key: dataKey, mode: .cbc(iv: nil))
    }

    /// Track 2 from its ciphertext; a wrong key or damaged data is a `CryptoError`, never a wrong card.
    public func decipherTrack2(_ ciphertext: [UInt8]) throws(CryptoError) -> Track2 {
        guard !ciphertext.isEmpty, ciphertext.count % cipher.blockSize == 0, ciphertext.count <= 64 else {
            throw CryptoError(.invalidDataLength, "enciphered track 2 is whole \(cipher.blockSize)-byte blocks, at most 64 bytes; got \(ciphertext.count)")
        }
        let clear = try cipher.decrypt(ciphertext, key: dataKey, mode: .cbc(iv: nil))
        let length = Int(clear[0])
        guard (1...19).contains(length), length < clear.count, clear[(1 + length)...].allSatisfy({ $0 == 0 }) else {
            throw CryptoError(.cipherFailure, "the track 2 data does not decipher under this KSN's key (wrong key or damaged data)")
        }
        do {
            return try Track2(emvBytes: Array(clear[1...length]))
        } catch {
            throw CryptoError(.cipherFailure, "the deciphered track 2 data is not valid: \(error.message)")
        }
    }

    /// The enciphered PIN block of `pin` for the card `pan`.
    public func encipherPIN(_ pin: String, pan: PAN, random: inout some RandomNumberGenerator) throws(CryptoError) -> [UInt8] {
        let digits = pan.revealDigits()
        let block = try PINBlock.encode(pin: pin, pan: digits, format: pinFormat, random: &random)
        return try block.encipher(key: pinKey, pan: digits)
    }

    /// The PIN in an enciphered PIN block (for the issuer's comparison only; never stored or logged).
    public func decipherPIN(_ enciphered: [UInt8], pan: PAN) throws(CryptoError) -> String {
        let digits = pan.revealDigits()
        return try PINBlock.decipher(enciphered, key: pinKey, pan: digits, format: pinFormat).decode(pan: digits)
    }
}

/// What a terminal is loaded with: its scheme, initial key and first KSN, derived by the gateway from the BDK of the
/// terminal's location (the simulator's stand-in for a key-injection facility).
public enum DUKPTKeyInjection {
    /// The device's initial key (IPEK) for any of its KSNs.
    public static func initialKey(bdk: SymmetricKey, ksn: DUKPTSerialNumber) throws(CryptoError) -> SymmetricKey {
        switch ksn {
        case .aes(let k): try AESDUKPT.initialKey(bdk: bdk, initialKeyID: k.initialKeyID)
        case .tdes(let k): try TDESDUKPT.initialKey(bdk: bdk, ksn: k)
        }
    }
}
