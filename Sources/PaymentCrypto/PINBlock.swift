/// A clear ISO 9564-1 PIN block: the 8-byte block of formats 0–3 (for 0 and 3 already XORed with the PAN
/// field), or the 16-byte plaintext PIN field of format 4 (whose PAN is bound when it is enciphered).
///
/// It masks itself: `description`, `debugDescription` and `dump` show only the format; the bytes come out only
/// through `revealBytes()`, and no error message repeats a PIN, a PAN or a block.
public struct PINBlock: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The block's format.
    public let format: PINBlockFormat
    private let bytes: [UInt8]

    /// Wraps a clear block of `format.byteCount` bytes; `decode(pan:)` checks its contents.
    public init(bytes: [UInt8], format: PINBlockFormat) throws(CryptoError) {
        guard bytes.count == format.byteCount else {
            throw CryptoError(.invalidPINBlock, "a clear format \(format.control) PIN block is \(format.byteCount) bytes, not \(bytes.count)")
        }
        self.format = format
        self.bytes = bytes
    }

    /// The clear block; call sites that need it are the only ones that may see it.
    public func revealBytes() -> [UInt8] { bytes }

    public var description: String { "PINBlock(ISO 9564 format \(format.control), ****)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["format": format]) }

    // MARK: Encoding

    /// Builds the clear block for `pin` (4–12 digits).
    ///
    /// `pan` (8–19 digits, check digit included) is required for formats 0 and 3 and ignored by the others;
    /// format 4 takes its PAN in `encipher(key:pan:)`. Fill digits of formats 1 and 3 and the random half of
    /// format 4's PIN field come from `random` (format 4: one `UInt64`, big-endian).
    public static func encode(pin: String, pan: String?, format: PINBlockFormat, random: inout some RandomNumberGenerator) throws(CryptoError) -> PINBlock {
        let digits = try pinDigits(pin)
        var nibbles: [UInt8] = [format.control, UInt8(digits.count)] + digits
        switch format {
        case .iso0, .iso2:
            nibbles += [UInt8](repeating: 0xF, count: 16 - nibbles.count)
        case .iso1:
            while nibbles.count < 16 { nibbles.append(UInt8.random(in: 0...0xF, using: &random)) }
        case .iso3:
            while nibbles.count < 16 { nibbles.append(UInt8.random(in: 0xA...0xF, using: &random)) }
        case .iso4:
            nibbles += [UInt8](repeating: 0xA, count: 16 - nibbles.count)
            let pad: UInt64 = random.next()
            nibbles += (0..<16).map { UInt8(pad >> (60 - 4 * $0) & 0xF) }
        }
        var block = pack(nibbles)
        if format.bindsPANInBlock {
            block = xor(block, try panField(pan, format: format))
        }
        return try PINBlock(bytes: block, format: format)
    }

    /// The PIN in the block, after every check the format allows: control nibble, PIN length 4–12, PIN digits
    /// 0–9, fill digits (F for 0 and 2, A–F for 3, A for 4). For formats 0 and 3 `pan` must be the one the block
    /// was made with; a different PAN fails the checks (or, rarely for format 3, yields another PIN).
    public func decode(pan: String?) throws(CryptoError) -> String {
        var block = bytes
        if format.bindsPANInBlock {
            block = Self.xor(block, try Self.panField(pan, format: format))
        }
        let nibbles = Self.unpack(block)
        let hint = format == .iso4 ? " (wrong key or PAN, or a damaged block)" : format.bindsPANInBlock ? " (wrong PAN, or a damaged block)" : ""
        guard nibbles[0] == format.control else {
            throw CryptoError(.invalidPINBlock, "the control nibble is \(String(nibbles[0], radix: 16, uppercase: true)), not \(format.control): not a format \(format.control) PIN block\(hint)")
        }
        let length = Int(nibbles[1])
        guard (4...12).contains(length) else {
            throw CryptoError(.invalidPINBlock, "the PIN length nibble is outside 4–12\(hint)")
        }
        let pin = nibbles[2..<(2 + length)]
        guard pin.allSatisfy({ $0 <= 9 }) else {
            throw CryptoError(.invalidPINBlock, "a PIN digit of the block is not 0–9\(hint)")
        }
        let fill = nibbles[(2 + length)..<16]
        let fillValid = switch format {
        case .iso0, .iso2: fill.allSatisfy { $0 == 0xF }
        case .iso1: true
        case .iso3: fill.allSatisfy { $0 >= 0xA }
        case .iso4: fill.allSatisfy { $0 == 0xA }
        }
        guard fillValid else {
            throw CryptoError(.invalidPINBlock, "the fill digits are not those of format \(format.control)\(hint)")
        }
        return String(decoding: pin.map { $0 + 0x30 }, as: UTF8.self)
    }

    // MARK: Encipherment

    /// The enciphered block for the host. Formats 0–3: TDES-ECB under a 16- or 24-byte key (a DUKPT PIN key;
    /// `pan` unused). Format 4 (ISO 9564-1:2017 §9.4): A = AES(K, PIN field), B = A ⊕ PAN field, block = AES(K, B).
    public func encipher(key: SymmetricKey, pan: String?) throws(CryptoError) -> [UInt8] {
        if format == .iso4 {
            try Self.checkAESKey(key)
            let a = try BlockCipher.aes.encrypt(bytes, key: key, mode: .ecb)
            return try BlockCipher.aes.encrypt(Self.xor(a, Self.panField(pan, format: .iso4)), key: key, mode: .ecb)
        }
        try Self.checkTDESKey(key)
        return try BlockCipher.tdes.encrypt(bytes, key: key, mode: .ecb)
    }

    /// The clear block from an enciphered one: the inverse of `encipher(key:pan:)`. Call `decode(pan:)` on the
    /// result for the PIN; a wrong key or (format 4) PAN shows up there.
    public static func decipher(_ enciphered: [UInt8], key: SymmetricKey, pan: String?, format: PINBlockFormat) throws(CryptoError) -> PINBlock {
        guard enciphered.count == format.byteCount else {
            throw CryptoError(.invalidPINBlock, "an enciphered format \(format.control) PIN block is \(format.byteCount) bytes, not \(enciphered.count)")
        }
        if format == .iso4 {
            try checkAESKey(key)
            let b = try BlockCipher.aes.decrypt(enciphered, key: key, mode: .ecb)
            let a = xor(b, try panField(pan, format: .iso4))
            return try PINBlock(bytes: BlockCipher.aes.decrypt(a, key: key, mode: .ecb), format: .iso4)
        }
        try checkTDESKey(key)
        return try PINBlock(bytes: BlockCipher.tdes.decrypt(enciphered, key: key, mode: .ecb), format: format)
    }

    // MARK: Fields

    /// The PAN field: for formats 0 and 3, 0000 ‖ the 12 rightmost PAN digits before the check digit (zero-padded
    /// on the left); for format 4, M = length − 12 (0 when shorter) ‖ the PAN, zero-padded to 12 on the left,
    /// then zeros to 32 nibbles.
    static func panField(_ pan: String?, format: PINBlockFormat) throws(CryptoError) -> [UInt8] {
        guard let pan else {
            throw CryptoError(.invalidPAN, "a format \(format.control) PIN block needs the PAN")
        }
        let digits = Array(pan.utf8)
        guard (8...19).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw CryptoError(.invalidPAN, "the PAN must be 8 to 19 decimal digits")
        }
        let values = digits.map { $0 - 0x30 }
        if format == .iso4 {
            let field = [UInt8(max(0, values.count - 12))] + [UInt8](repeating: 0, count: max(0, 12 - values.count)) + values
            return pack(field + [UInt8](repeating: 0, count: 32 - field.count))
        }
        let account = values.dropLast().suffix(12)
        return pack([UInt8](repeating: 0, count: 16 - account.count) + account)
    }

    private static func pinDigits(_ pin: String) throws(CryptoError) -> [UInt8] {
        let digits = Array(pin.utf8)
        guard (4...12).contains(digits.count) else {
            throw CryptoError(.invalidPIN, "a PIN has 4 to 12 digits, not \(digits.count)")
        }
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw CryptoError(.invalidPIN, "a PIN has only the digits 0–9")
        }
        return digits.map { $0 - 0x30 }
    }

    private static func checkTDESKey(_ key: SymmetricKey) throws(CryptoError) {
        guard key.count == 16 || key.count == 24 else {
            throw CryptoError(.invalidKeyLength, "formats 0–3 are enciphered with a 16- or 24-byte TDES key, not \(key.count) bytes")
        }
    }

    private static func checkAESKey(_ key: SymmetricKey) throws(CryptoError) {
        guard [16, 24, 32].contains(key.count) else {
            throw CryptoError(.invalidKeyLength, "format 4 is enciphered with a 16-, 24- or 32-byte AES key, not \(key.count) bytes")
        }
    }

    private static func pack(_ nibbles: [UInt8]) -> [UInt8] {
        stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    private static func unpack(_ bytes: [UInt8]) -> [UInt8] {
        bytes.flatMap { [$0 >> 4, $0 & 0xF] }
    }

    private static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { zip(a, b).map { $0 ^ $1 } }
}
