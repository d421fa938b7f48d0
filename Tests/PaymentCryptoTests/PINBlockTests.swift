import PaymentCore
import TestSupport
import Testing
@testable import PaymentCrypto

/// ISO 9564 PIN blocks made by psec 1.3.0 (an independent implementation). Formats 3 and 4 carry psec's random
/// fill, so those are checked by decoding psec's blocks; formats 0 and 2 are deterministic and compared exactly.
struct PsecPINBlockVectors: Decodable {
    struct Clear: Decodable, Sendable, CustomTestStringConvertible {
        var pin: String
        var pan: String?
        var block: String
        var testDescription: String { "\(pin.count)-digit PIN, \(pan?.count ?? 0)-digit PAN" }
    }
    struct Enciphered: Decodable, Sendable, CustomTestStringConvertible {
        var key, pin, pan, block, pan_field: String
        var testDescription: String { "\(key.count * 4)-bit key, \(pin.count)-digit PIN, \(pan.count)-digit PAN" }
    }
    var iso0: [Clear]
    var iso2: [Clear]
    var iso3: [Clear]
    var iso4: [Enciphered]

    static let shared = loadVectors("pinblock-psec.json", as: PsecPINBlockVectors.self)
}

@Suite struct PINBlockTests {
    static func encode(_ pin: String, _ pan: String?, _ format: PINBlockFormat, seed: UInt64 = 1) throws(CryptoError) -> PINBlock {
        var random = SeededGenerator(seed: seed)
        return try PINBlock.encode(pin: pin, pan: pan, format: format, random: &random)
    }

    // MARK: Published examples

    // ANSI X9.24-1:2009 Annex A: PIN 1234, PAN 4012345678909 → format 0 block 041274EDCBA9876F.
    @Test func x924FormatZeroExample() throws {
        let block = try Self.encode("1234", "4012345678909", .iso0)
        #expect(HexCoding.encode(block.revealBytes()) == "041274EDCBA9876F")
        #expect(try block.decode(pan: "4012345678909") == "1234")
    }

    // ANSI X9.24-3-2017 test data, format 4 under the AES DUKPT PIN key of counter 1: PIN 1234, PAN
    // 4111111111111111, random bytes 2F69ADDE2E9E7ACE.
    @Test func x924_3FormatFourExample() throws {
        var random = ScriptedGenerator(values: [0x2F69_ADDE_2E9E_7ACE])
        let block = try PINBlock.encode(pin: "1234", pan: nil, format: .iso4, random: &random)
        #expect(HexCoding.encode(block.revealBytes()) == "441234AAAAAAAAAA2F69ADDE2E9E7ACE")
        #expect(HexCoding.encode(try PINBlock.panField("4111111111111111", format: .iso4)) == "44111111111111111000000000000000")
        let key = try SymmetricKey(hex: "AF8CB133A78F8DC2D1359F18527593FB")
        #expect(HexCoding.encode(try BlockCipher.aes.encrypt(block.revealBytes(), key: key, mode: .ecb)) == "DE84127CF6DCA7DFE47BDE89057CB820")
        let enciphered = try block.encipher(key: key, pan: "4111111111111111")
        #expect(HexCoding.encode(enciphered) == "A912150391AB65A67E52883D81CE2D15")
        #expect(try PINBlock.decipher(enciphered, key: key, pan: "4111111111111111", format: .iso4).decode(pan: nil) == "1234")
        // Counter 2's PIN key and block of the same test data.
        let key2 = try SymmetricKey(hex: "D30BDC73EC9714B000BEC66BDB7B6D09")
        #expect(try PINBlock.decipher(hex("52A00503BD34BA1383F6A7EE9FE2547F"), key: key2, pan: "4111111111111111", format: .iso4).decode(pan: nil) == "1234")
    }

    // MARK: Oracle (psec)

    @Test(arguments: PsecPINBlockVectors.shared.iso0)
    func psecFormat0(_ v: PsecPINBlockVectors.Clear) throws {
        let block = try Self.encode(v.pin, v.pan, .iso0)
        #expect(HexCoding.encode(block.revealBytes()) == v.block)
        #expect(try PINBlock(bytes: hex(v.block), format: .iso0).decode(pan: v.pan) == v.pin)
    }

    @Test(arguments: PsecPINBlockVectors.shared.iso2)
    func psecFormat2(_ v: PsecPINBlockVectors.Clear) throws {
        let block = try Self.encode(v.pin, nil, .iso2)
        #expect(HexCoding.encode(block.revealBytes()) == v.block)
        #expect(try PINBlock(bytes: hex(v.block), format: .iso2).decode(pan: nil) == v.pin)
    }

    @Test(arguments: PsecPINBlockVectors.shared.iso3)
    func psecFormat3(_ v: PsecPINBlockVectors.Clear) throws {
        #expect(try PINBlock(bytes: hex(v.block), format: .iso3).decode(pan: v.pan) == v.pin)
        // Ours: same PIN and PAN digits as psec's wherever the fill is not random.
        let ours = try Self.encode(v.pin, v.pan, .iso3, seed: UInt64(v.pin.count))
        #expect(try ours.decode(pan: v.pan) == v.pin)
        #expect(HexCoding.encode(ours.revealBytes()).prefix(2 + v.pin.count) == v.block.prefix(2 + v.pin.count))
    }

    @Test(arguments: PsecPINBlockVectors.shared.iso4)
    func psecFormat4(_ v: PsecPINBlockVectors.Enciphered) throws {
        let key = try SymmetricKey(hex: v.key)
        #expect(HexCoding.encode(try PINBlock.panField(v.pan, format: .iso4)) == v.pan_field)
        #expect(try PINBlock.decipher(hex(v.block), key: key, pan: v.pan, format: .iso4).decode(pan: nil) == v.pin)
        // Ours round-trips under the same key and PAN.
        let ours = try Self.encode(v.pin, nil, .iso4, seed: UInt64(v.pan.count)).encipher(key: key, pan: v.pan)
        #expect(try PINBlock.decipher(ours, key: key, pan: v.pan, format: .iso4).decode(pan: nil) == v.pin)
    }

    @Test func oracleFileIsFull() {
        let v = PsecPINBlockVectors.shared
        #expect(v.iso0.count + v.iso2.count + v.iso3.count + v.iso4.count >= 400)
    }

    // MARK: Structure and round trips

    @Test(arguments: PINBlockFormat.allCases)
    func roundTripEveryLength(_ format: PINBlockFormat) throws {
        let pan = "5413330089010491"
        let key = try SymmetricKey(hex: format == .iso4 ? "00112233445566778899AABBCCDDEEFF" : "0123456789ABCDEFFEDCBA9876543210")
        for length in 4...12 {
            for seed in UInt64(0)..<20 {
                var random = SeededGenerator(seed: seed &* 7919 &+ UInt64(length))
                let pin = String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
                let block = try Self.encode(pin, pan, format, seed: seed)
                #expect(block.revealBytes().count == format.byteCount)
                #expect(try block.decode(pan: pan) == pin)
                let enciphered = try block.encipher(key: key, pan: pan)
                #expect(try PINBlock.decipher(enciphered, key: key, pan: pan, format: format).decode(pan: pan) == pin)
            }
        }
    }

    @Test func formatOneStructure() throws {
        let a = try Self.encode("12345", nil, .iso1, seed: 1)
        let b = try Self.encode("12345", "5413330089010491", .iso1, seed: 2)
        #expect(HexCoding.encode(a.revealBytes()).hasPrefix("1512345"))
        #expect(HexCoding.encode(b.revealBytes()).hasPrefix("1512345"))
        #expect(a.revealBytes() != b.revealBytes())  // the fill is random
        #expect(try a.decode(pan: nil) == "12345")
        #expect(try b.decode(pan: "4111111111111111") == "12345")  // no PAN in format 1
    }

    @Test func formatThreeFillIsRandomAToF() throws {
        var fills = Set<Character>()
        for seed in UInt64(0)..<50 {
            var random = SeededGenerator(seed: seed)
            let block = try PINBlock.encode(pin: "1234", pan: "4012345678909", format: .iso3, random: &random)
            let clear = HexCoding.encode(zip(block.revealBytes(), hex("0000401234567890")).map { $0 ^ $1 })
            #expect(clear.hasPrefix("341234"))
            fills.formUnion(clear.dropFirst(6))
        }
        #expect(fills == Set("ABCDEF"))
    }

    @Test func formatFourFieldsAndShortPANs() throws {
        var random = ScriptedGenerator(values: [0x0123_4567_89AB_CDEF])
        let block = try PINBlock.encode(pin: "123456789012", pan: nil, format: .iso4, random: &random)
        #expect(HexCoding.encode(block.revealBytes()) == "4C123456789012AA0123456789ABCDEF")
        #expect(HexCoding.encode(try PINBlock.panField("12345678", format: .iso4)) == "00000123456780000000000000000000")
        #expect(HexCoding.encode(try PINBlock.panField("1234567890123456789", format: .iso4)) == "71234567890123456789000000000000")
        #expect(HexCoding.encode(try PINBlock.panField("12345678", format: .iso0)) == "0000000001234567")
    }

    // MARK: Negative cases

    @Test(arguments: ["123", "1234567890123", "", "12a4", " 1234", "1234 ", "١٢٣٤", "12.4"])
    func badPINs(_ pin: String) {
        for format in PINBlockFormat.allCases {
            #expect(throws: CryptoError.self) { try Self.encode(pin, "4012345678909", format) }
            do {
                _ = try Self.encode(pin, "4012345678909", format)
            } catch {
                #expect(error.code == .invalidPIN)
                if pin.count >= 4 { #expect(!error.message.contains(pin)) }
            }
        }
    }

    @Test func badPANs() {
        #expect(throws: CryptoError(.invalidPAN, "a format 0 PIN block needs the PAN")) { try Self.encode("1234", nil, .iso0) }
        #expect(throws: CryptoError(.invalidPAN, "a format 3 PIN block needs the PAN")) { try Self.encode("1234", nil, .iso3) }
        #expect(throws: CryptoError(.invalidPAN, "the PAN must be 8 to 19 decimal digits")) { try Self.encode("1234", "1234567", .iso0) }
        #expect(throws: CryptoError.self) { try Self.encode("1234", "12345678901234567890", .iso0) }
        #expect(throws: CryptoError.self) { try Self.encode("1234", "4012 3456 7890 9", .iso0) }
        #expect(throws: CryptoError.self) {
            try Self.encode("1234", nil, .iso4).encipher(key: SymmetricKey(hex: "00112233445566778899AABBCCDDEEFF"), pan: nil)
        }
    }

    @Test func wrongFormatNibble() throws {
        let format0 = try Self.encode("1234", "4012345678909", .iso0).revealBytes()
        #expect(throws: CryptoError(.invalidPINBlock, "the control nibble is 0, not 3: not a format 3 PIN block (wrong PAN, or a damaged block)")) {
            try PINBlock(bytes: format0, format: .iso3).decode(pan: "4012345678909")
        }
        #expect(throws: CryptoError.self) { try PINBlock(bytes: hex("241234FFFFFFFFFF"), format: .iso0).decode(pan: "4012345678909") }
        #expect(throws: CryptoError.self) { try PINBlock(bytes: hex("041234FFFFFFFFFF"), format: .iso2).decode(pan: nil) }
        #expect(throws: CryptoError.self) { try PINBlock(bytes: hex("041234FFFFFFFFFF"), format: .iso1).decode(pan: nil) }
    }

    @Test(arguments: [
        ("231234FFFFFFFFFF", "the PIN length nibble is outside 4–12"),
        ("2D1234567890123F", "the PIN length nibble is outside 4–12"),
        ("2412A4FFFFFFFFFF", "a PIN digit of the block is not 0–9"),
        ("241234FFFFFFFFFE", "the fill digits are not those of format 2"),
    ])
    func malformedFormat2Blocks(block: String, message: String) {
        #expect(throws: CryptoError(.invalidPINBlock, message)) { try PINBlock(bytes: hex(block), format: .iso2).decode(pan: nil) }
    }

    @Test func malformedFormat3And4Fields() throws {
        // Format 3 fill must be A–F; format 4 fill must be A up to the 16th nibble (the second half is random).
        let pan3 = hex("0000401234567890")
        let bad3 = zip(hex("3412349ABCDEFABC"), pan3).map { $0 ^ $1 }
        #expect(throws: CryptoError.self) { try PINBlock(bytes: bad3, format: .iso3).decode(pan: "4012345678909") }
        #expect(throws: CryptoError.self) { try PINBlock(bytes: hex("441234AAAAAAAAAB0000000000000000"), format: .iso4).decode(pan: nil) }
        #expect(try PINBlock(bytes: hex("441234AAAAAAAAAAFFFFFFFFFFFFFFFF"), format: .iso4).decode(pan: nil) == "1234")
    }

    @Test func panMismatchIsAClearError() throws {
        // Formats 0/3: the PAN digits differ in the fill region, so the fill check must fail.
        let block = try Self.encode("1234", "4012345678909", .iso0)
        #expect(throws: CryptoError(.invalidPINBlock, "the fill digits are not those of format 0 (wrong PAN, or a damaged block)")) {
            try block.decode(pan: "4012345699999")
        }
        // Format 4: the PAN is bound at encipherment; with another PAN the PIN field is noise.
        let key = try SymmetricKey(hex: "AF8CB133A78F8DC2D1359F18527593FB")
        let enciphered = hex("A912150391AB65A67E52883D81CE2D15")
        let wrongPAN = try PINBlock.decipher(enciphered, key: key, pan: "4111111111111112", format: .iso4)
        #expect(throws: CryptoError.self) { try wrongPAN.decode(pan: nil) }
        let wrongKey = try PINBlock.decipher(enciphered, key: SymmetricKey(hex: "D30BDC73EC9714B000BEC66BDB7B6D09"), pan: "4111111111111111", format: .iso4)
        #expect(throws: CryptoError.self) { try wrongKey.decode(pan: nil) }
    }

    @Test func badSizesAndKeys() throws {
        #expect(throws: CryptoError.self) { try PINBlock(bytes: hex("041234FFFFFFFF"), format: .iso0) }
        #expect(throws: CryptoError.self) { try PINBlock(bytes: hex("041234FFFFFFFFFF"), format: .iso4) }
        let aes = try SymmetricKey(hex: "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF")
        let des = try SymmetricKey(hex: "0123456789ABCDEF")
        #expect(throws: CryptoError.self) { try Self.encode("1234", "4012345678909", .iso0).encipher(key: aes, pan: nil) }
        #expect(throws: CryptoError.self) { try Self.encode("1234", "4012345678909", .iso0).encipher(key: des, pan: nil) }
        #expect(throws: CryptoError.self) { try Self.encode("1234", nil, .iso4).encipher(key: des, pan: "4012345678909") }
        #expect(throws: CryptoError.self) { try PINBlock.decipher([1, 2, 3], key: aes, pan: "4012345678909", format: .iso4) }
    }

    // MARK: Masking

    @Test(arguments: PINBlockFormat.allCases)
    func blocksMaskThemselves(_ format: PINBlockFormat) throws {
        let block = try Self.encode("98765432", "4012345678909", format)
        let raw = HexCoding.encode(block.revealBytes())
        for text in renderings(block) {
            #expect(!text.contains("98765432"))
            #expect(!text.uppercased().contains(raw.prefix(8)))
            #expect(!text.contains("4012345678909"))
            #expect(text.contains("****"))
        }
    }

    @Test func errorsNeverRepeatThePINOrPAN() throws {
        let block = try Self.encode("98765432", "4012345678909", .iso0)
        do {
            _ = try block.decode(pan: "4012345699999")
            Issue.record("a wrong PAN decoded")
        } catch {
            #expect(!error.message.contains("98765432"))
            #expect(!error.message.contains("4012345"))
        }
    }
}
