import PaymentCore
import Testing
@testable import PaymentCrypto

@Suite struct BlockCipherTests {
    // FIPS 81 / NIST SP 800-67 style known answer: DES key 0123456789ABCDEF, "Now is t" (4E6F772069732074) → 3FA40E8A984D4815.
    @Test func singleDESKnownAnswer() throws {
        let key = try SymmetricKey(hex: "0123456789ABCDEF")
        let out = try BlockCipher.tdes.encrypt(hex("4E6F772069732074"), key: key, mode: .ecb)
        #expect(HexCoding.encode(out) == "3FA40E8A984D4815")
    }

    // X9.24-1 Annex A: the IPEK from BDK 0123456789ABCDEFFEDCBA9876543210 and KSN FFFF9876543210E00000 starts with
    // TDES(BDK, FFFF9876543210E0) = 6AC292FAA1315B4D.
    @Test func doubleLengthTDESKnownAnswer() throws {
        let bdk = try SymmetricKey(hex: "0123456789ABCDEFFEDCBA9876543210")
        let out = try BlockCipher.tdes.encrypt(hex("FFFF9876543210E0"), key: bdk, mode: .ecb)
        #expect(HexCoding.encode(out) == "6AC292FAA1315B4D")
    }

    // FIPS-197 Appendix C.1: AES-128.
    @Test func aes128KnownAnswer() throws {
        let key = try SymmetricKey(hex: "000102030405060708090a0b0c0d0e0f")
        let out = try BlockCipher.aes.encrypt(hex("00112233445566778899aabbccddeeff"), key: key, mode: .ecb)
        #expect(HexCoding.encode(out) == "69C4E0D86A7B0430D8CDB78070B4C55A")
        #expect(try BlockCipher.aes.decrypt(out, key: key, mode: .ecb) == hex("00112233445566778899aabbccddeeff"))
    }

    // FIPS-197 Appendix C.3: AES-256.
    @Test func aes256KnownAnswer() throws {
        let key = try SymmetricKey(hex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        let out = try BlockCipher.aes.encrypt(hex("00112233445566778899aabbccddeeff"), key: key, mode: .ecb)
        #expect(HexCoding.encode(out) == "8EA2B7CA516745BFEAFC49904B496089")
    }

    @Test func cbcChainsBlocks() throws {
        let key = try SymmetricKey(hex: "0123456789ABCDEFFEDCBA9876543210")
        let data = hex("00000000000000000000000000000000")
        let cbc = try BlockCipher.tdes.encrypt(data, key: key, mode: .cbc(iv: nil))
        let first = try BlockCipher.tdes.encrypt(Array(data.prefix(8)), key: key, mode: .ecb)
        #expect(Array(cbc.prefix(8)) == first)
        #expect(Array(cbc.suffix(8)) == (try BlockCipher.tdes.encrypt(first, key: key, mode: .ecb)))
        #expect(try BlockCipher.tdes.decrypt(cbc, key: key, mode: .cbc(iv: nil)) == data)
    }

    @Test func rejectsPartialBlocksAndBadKeys() throws {
        let key = try SymmetricKey(hex: "0123456789ABCDEF")
        #expect(throws: CryptoError.self) { try BlockCipher.tdes.encrypt([1, 2, 3], key: key, mode: .ecb) }
        #expect(throws: CryptoError.self) { try BlockCipher.aes.encrypt(Array(repeating: 0, count: 16), key: key, mode: .ecb) }
        #expect(throws: CryptoError.self) { try SymmetricKey(bytes: [1, 2, 3]) }
        #expect(throws: CryptoError(.invalidHex, "not hex: expected an even number of digits 0-9/A-F")) { try SymmetricKey(hex: "ABC") }
        #expect(throws: CryptoError.self) { try SymmetricKey(hex: "ZZZZZZZZZZZZZZZZ") }
    }

    @Test func keyNeverPrintsItsBytes() throws {
        let key = try SymmetricKey(hex: "0123456789ABCDEFFEDCBA9876543210")
        for text in ["\(key)", String(reflecting: key), { var s = ""; dump(key, to: &s); return s }()] {
            #expect(!text.uppercased().contains("0123456789ABCDEF"))
            #expect(!text.uppercased().contains("FEDCBA"))
        }
    }

    // The published KCV of the X9.24 test BDK is 08D7B4.
    @Test func keyCheckValue() throws {
        let bdk = try SymmetricKey(hex: "0123456789ABCDEFFEDCBA9876543210")
        #expect(try bdk.checkValue() == "08D7B4")
    }

    @Test func oddParity() {
        #expect(KeyParity.adjustedToOdd([0x00, 0x01, 0xFE, 0x12]) == [0x01, 0x01, 0xFE, 0x13])
        #expect(KeyParity.isOdd(KeyParity.adjustedToOdd(Array(0...255))))
        #expect(!KeyParity.isOdd([0x00]))
    }
}

/// Test vectors are written in hex.
func hex(_ text: String) -> [UInt8] { HexCoding.decode(text)! }
