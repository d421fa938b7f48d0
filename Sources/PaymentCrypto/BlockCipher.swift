import CCrypto

/// TDES and AES block ciphers without padding, through OpenSSL libcrypto (the `CCrypto` shim).
///
/// Single DES is TDES with K1 = K2 = K3, so no legacy OpenSSL provider is needed.
public enum BlockCipher: Sendable {
    case tdes
    case aes

    /// Chaining mode; CBC takes an IV of one block (zeros when omitted, as EMV and DUKPT use it).
    public enum Mode: Sendable, Equatable {
        case ecb
        case cbc(iv: [UInt8]?)
    }

    /// Block size in bytes: 8 for TDES, 16 for AES.
    public var blockSize: Int { self == .tdes ? 8 : 16 }

    /// Enciphers whole blocks.
    public func encrypt(_ data: [UInt8], key: SymmetricKey, mode: Mode) throws(CryptoError) -> [UInt8] {
        try run(encrypt: true, data, key: key, mode: mode)
    }

    /// Deciphers whole blocks.
    public func decrypt(_ data: [UInt8], key: SymmetricKey, mode: Mode) throws(CryptoError) -> [UInt8] {
        try run(encrypt: false, data, key: key, mode: mode)
    }

    private func run(encrypt: Bool, _ data: [UInt8], key: SymmetricKey, mode: Mode) throws(CryptoError) -> [UInt8] {
        guard data.count % blockSize == 0 else {
            throw CryptoError(.invalidDataLength, "data must be a multiple of \(blockSize) bytes, not \(data.count)")
        }
        let raw = key.revealBytes()
        let keyBytes: [UInt8]
        let cipher: vtpe_cipher
        switch self {
        case .tdes:
            switch raw.count {
            case 8: keyBytes = raw + raw + raw
            case 16: keyBytes = raw + raw.prefix(8)
            case 24: keyBytes = raw
            default: throw CryptoError(.invalidKeyLength, "a TDES key is 8, 16 or 24 bytes, not \(raw.count)")
            }
            cipher = mode == .ecb ? VTPE_CIPHER_TDES_ECB : VTPE_CIPHER_TDES_CBC
        case .aes:
            guard [16, 24, 32].contains(raw.count) else {
                throw CryptoError(.invalidKeyLength, "an AES key is 16, 24 or 32 bytes, not \(raw.count)")
            }
            keyBytes = raw
            cipher = mode == .ecb ? VTPE_CIPHER_AES_ECB : VTPE_CIPHER_AES_CBC
        }
        var iv = [UInt8](repeating: 0, count: blockSize)
        if case .cbc(let given?) = mode {
            guard given.count == blockSize else {
                throw CryptoError(.invalidDataLength, "the IV must be \(blockSize) bytes, not \(given.count)")
            }
            iv = given
        }
        if data.isEmpty { return [] }
        var out = [UInt8](repeating: 0, count: data.count)
        let rc = vtpe_cipher_run(cipher, encrypt ? 1 : 0, keyBytes, keyBytes.count, iv, data, data.count, &out)
        guard rc == 0 else { throw CryptoError(.cipherFailure, "the cipher failed (OpenSSL code \(rc))") }
        return out
    }
}
