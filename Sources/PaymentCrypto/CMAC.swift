import Crypto
import _CryptoExtras

/// CMAC, the block-cipher MAC of NIST SP 800-38B (for AES also RFC 4493): the MAC of TR-31 key blocks,
/// AES DUKPT messages and AES key check values.
public enum CMAC {
    /// AES-CMAC (RFC 4493) with a 16-, 24- or 32-byte key, truncated to the leftmost `length` bytes (4–16).
    ///
    /// Computed by swift-crypto's `AES.CMAC` (BoringSSL); the TDES variant has no library and is written here.
    public static func aes(key: SymmetricKey, data: [UInt8], length: Int = 16) throws(CryptoError) -> [UInt8] {
        guard [16, 24, 32].contains(key.count) else {
            throw CryptoError(.invalidKeyLength, "an AES-CMAC key is 16, 24 or 32 bytes, not \(key.count)")
        }
        try checkLength(length, block: 16)
        var mac: AES.CMAC
        do {
            mac = try AES.CMAC(key: Crypto.SymmetricKey(data: key.revealBytes()), outputSize: length)
        } catch {
            throw CryptoError(.cipherFailure, "AES-CMAC could not start (swift-crypto: \(error))")
        }
        mac.update(data: data)
        return Array(mac.finalize())
    }

    /// TDES-CMAC (SP 800-38B with a 64-bit block) with a 16- or 24-byte key (8 bytes: single DES),
    /// truncated to the leftmost `length` bytes (4–8).
    public static func tdes(key: SymmetricKey, data: [UInt8], length: Int = 8) throws(CryptoError) -> [UInt8] {
        try checkLength(length, block: 8)
        return Array(try compute(.tdes, key: key, data: data).prefix(length))
    }

    private static func checkLength(_ length: Int, block: Int) throws(CryptoError) {
        // SP 800-38B discourages tags shorter than 64 bits; 4 bytes is the shortest any payment scheme truncates to.
        guard (4...block).contains(length) else {
            throw CryptoError(.invalidParameter, "a CMAC is 4 to \(block) bytes long, not \(length)")
        }
    }

    /// SP 800-38B §6.2 over any of our block ciphers: subkeys K1/K2 from L = E(K, 0), the last block XORed
    /// with K1 when complete or padded (10*) and XORed with K2 otherwise, then CBC with a zero IV.
    static func compute(_ cipher: BlockCipher, key: SymmetricKey, data: [UInt8]) throws(CryptoError) -> [UInt8] {
        let size = cipher.blockSize
        let l = try cipher.encrypt([UInt8](repeating: 0, count: size), key: key, mode: .ecb)
        let k1 = doubled(l)
        let k2 = doubled(k1)
        let complete = !data.isEmpty && data.count % size == 0
        var message = data
        if !complete {
            message.append(0x80)
            message += [UInt8](repeating: 0, count: (size - message.count % size) % size)
        }
        let tail = message.count - size
        let subkey = complete ? k1 : k2
        for i in 0..<size { message[tail + i] ^= subkey[i] }
        let cbc = try cipher.encrypt(message, key: key, mode: .cbc(iv: nil))
        return Array(cbc.suffix(size))
    }

    /// Multiplication by x in GF(2^b): a left shift, XORing Rb (0x87 for 128-bit blocks, 0x1B for 64-bit)
    /// into the last byte when the top bit falls off.
    static func doubled(_ block: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: block.count)
        for i in block.indices {
            let carry = i + 1 < block.count ? block[i + 1] >> 7 : 0
            out[i] = block[i] << 1 | carry
        }
        if block[0] & 0x80 != 0 { out[out.count - 1] ^= block.count == 16 ? 0x87 : 0x1B }
        return out
    }
}
