import Crypto
import PaymentCore

/// EMV key derivation (EMV Book 2, Annex A1.4 and A1.3).
public enum EMVKeys {
    /// ICC master key derivation methods.
    public enum Option: String, Sendable, CaseIterable {
        /// Option A: the rightmost 16 digits of PAN‖PSN.
        case a
        /// Option B: for PANs longer than 16 digits, a decimalized SHA-1 of PAN‖PSN.
        case b
    }

    /// Derives the ICC master key (MK_AC, MK_SMI, MK_SMC …) from an issuer master key.
    /// `pan` is the card number's digits; `psn` the PAN sequence number (tag 5F34), 0 when the card has none.
    /// Option B falls back to option A for PANs of 16 digits or fewer, as the specification says.
    public static func iccMasterKey(issuerMasterKey imk: SymmetricKey, pan: String, psn: UInt8, option: Option) throws(CryptoError) -> SymmetricKey {
        guard imk.count == 16 else {
            throw CryptoError(.invalidKeyLength, "an issuer master key is a 16-byte TDES key, not \(imk.count) bytes")
        }
        guard (1...19).contains(pan.count), pan.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw CryptoError(.invalidDataLength, "the PAN must be 1–19 decimal digits")
        }
        guard psn <= 99 else { throw CryptoError(.invalidDataLength, "the PAN sequence number must be 00–99") }
        let input = pan + (psn < 10 ? "0" : "") + String(psn)
        let y: String
        if option == .b && pan.count > 16 {
            // The hash input is PAN‖PSN as packed BCD, right-justified with a leading zero nibble when odd.
            let packed = HexCoding.decode((input.count % 2 == 1 ? "0" : "") + input)!
            y = decimalize(Array(Insecure.SHA1.hash(data: packed)))
        } else {
            y = String(String(repeating: "0", count: max(0, 16 - input.count)) + input.suffix(16))
        }
        let block = HexCoding.decode(y)!
        let left = try BlockCipher.tdes.encrypt(block, key: imk, mode: .ecb)
        let right = try BlockCipher.tdes.encrypt(block.map { $0 ^ 0xFF }, key: imk, mode: .ecb)
        return try SymmetricKey(bytes: KeyParity.adjustedToOdd(left + right))
    }

    /// Option B's decimalization: the decimal digits of the hash's hex form in order, then (if fewer than 16)
    /// its letters A–F read as 0–5; the first 16.
    static func decimalize(_ hash: [UInt8]) -> String {
        let hex = HexCoding.encode(hash)
        var digits = hex.filter(\.isNumber)
        if digits.count < 16 {
            digits += hex.filter { !$0.isNumber }.map { Character(String($0.hexDigitValue! - 10)) }
        }
        return String(digits.prefix(16))
    }

    /// The EMV common session key (Book 2 A1.3.1): SK = TDES(MK, ATC‖F0‖00…) ‖ TDES(MK, ATC‖0F‖00…), odd parity.
    public static func sessionKey(masterKey mk: SymmetricKey, atc: UInt16) throws(CryptoError) -> SymmetricKey {
        guard mk.count == 16 else {
            throw CryptoError(.invalidKeyLength, "an ICC master key is 16 bytes, not \(mk.count)")
        }
        let hi = UInt8(atc >> 8), lo = UInt8(atc & 0xFF)
        let left = try BlockCipher.tdes.encrypt([hi, lo, 0xF0, 0, 0, 0, 0, 0], key: mk, mode: .ecb)
        let right = try BlockCipher.tdes.encrypt([hi, lo, 0x0F, 0, 0, 0, 0, 0], key: mk, mode: .ecb)
        return try SymmetricKey(bytes: KeyParity.adjustedToOdd(left + right))
    }
}

/// Application cryptograms and issuer authentication (EMV Book 2, 8.1 and 8.2).
public enum ApplicationCryptogram {
    /// How the card pads the CDOL data before the MAC — the top cause of ARQC mismatches.
    public enum Padding: String, Sendable, CaseIterable {
        /// ISO 9797-1 method 2 (0x80 then zeros): EMV CSK, Mastercard, Visa CVN 18/22.
        case emv
        /// ISO 9797-1 method 1 (zeros): Visa CVN 10.
        case visa

        var iso: ISO9797MAC.Padding { self == .emv ? .method2 : .method1 }
    }

    /// The 8-byte ARQC / TC / AAC: MAC algorithm 3 over the transaction data with the session key.
    public static func generate(sessionKey: SymmetricKey, data: [UInt8], padding: Padding) throws(CryptoError) -> [UInt8] {
        try ISO9797MAC.algorithm3(key: sessionKey, data: data, padding: padding.iso)
    }

    /// True when `cryptogram` is the one the card should have computed.
    public static func verify(_ cryptogram: [UInt8], sessionKey: SymmetricKey, data: [UInt8], padding: Padding) throws(CryptoError) -> Bool {
        let expected = try generate(sessionKey: sessionKey, data: data, padding: padding)
        // Constant-time comparison: the cryptogram is a MAC.
        guard cryptogram.count == expected.count else { return false }
        return zip(cryptogram, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// ARPC method 1: TDES(SK, ARQC ⊕ (ARC‖00×6)) — 8 bytes. `arc` is the 2-byte authorisation response code.
    public static func arpcMethod1(sessionKey: SymmetricKey, arqc: [UInt8], arc: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard arqc.count == 8 else { throw CryptoError(.invalidDataLength, "the ARQC is 8 bytes, not \(arqc.count)") }
        guard arc.count == 2 else { throw CryptoError(.invalidDataLength, "the ARC is 2 bytes, not \(arc.count)") }
        let x = zip(arqc, arc + [UInt8](repeating: 0, count: 6)).map { $0 ^ $1 }
        return try BlockCipher.tdes.encrypt(x, key: sessionKey, mode: .ecb)
    }

    /// ARPC method 2: the leftmost 4 bytes of MAC algorithm 3 (padding method 2) over ARQC‖CSU‖proprietary data.
    /// `csu` is the 4-byte card status update.
    public static func arpcMethod2(sessionKey: SymmetricKey, arqc: [UInt8], csu: [UInt8], proprietary: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard arqc.count == 8 else { throw CryptoError(.invalidDataLength, "the ARQC is 8 bytes, not \(arqc.count)") }
        guard csu.count == 4 else { throw CryptoError(.invalidDataLength, "the CSU is 4 bytes, not \(csu.count)") }
        guard proprietary.count <= 8 else { throw CryptoError(.invalidDataLength, "proprietary authentication data is at most 8 bytes") }
        return Array(try ISO9797MAC.algorithm3(key: sessionKey, data: arqc + csu + proprietary, padding: .method2).prefix(4))
    }
}
