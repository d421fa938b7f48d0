import PaymentCore
import Testing
@testable import PaymentCrypto

/// AES-CMAC and TDES-CMAC vectors computed by OpenSSL's CMAC and cross-checked with pycryptodome.
struct CMACVectors: Decodable {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var key, data, mac: String
        var testDescription: String { "\(key.count / 2)-byte key, \(data.count / 2) bytes" }
    }
    var aes: [Case]
    var tdes: [Case]

    static let shared = loadVectors("cmac-openssl-pycryptodome.json", as: CMACVectors.self)
}

@Suite struct CMACTests {
    static let rfc4493Key = "2B7E151628AED2A6ABF7158809CF4F3C"
    static let rfc4493Message = "6BC1BEE22E409F96E93D7E117393172A" + "AE2D8A571E03AC9C9EB76FAC45AF8E51"
        + "30C81C46A35CE411E5FBC1191A0A52EF" + "F69F2445DF4F9B17AD2B417BE66C3710"

    // RFC 4493 §4: examples 1–4 (0, 16, 40 and 64 bytes of the same message).
    @Test(arguments: [
        (0, "BB1D6929E95937287FA37D129B756746"),
        (16, "070A16B46B4D4144F79BDD9DD04A287C"),
        (40, "DFA66747DE9AE63030CA32611497C827"),
        (64, "51F0BEBF7E3B9D92FC49741779363CFE"),
    ])
    func rfc4493Examples(length: Int, expected: String) throws {
        let key = try SymmetricKey(hex: Self.rfc4493Key)
        let message = Array(hex(Self.rfc4493Message).prefix(length))
        #expect(HexCoding.encode(try CMAC.aes(key: key, data: message)) == expected)
        // The hand-written SP 800-38B path agrees with swift-crypto's on the published examples.
        #expect(HexCoding.encode(try CMAC.compute(.aes, key: key, data: message)) == expected)
    }

    // RFC 4493 §4, subkey generation: L = AES(K, 0), K1 = L·x, K2 = K1·x.
    @Test func rfc4493Subkeys() throws {
        let l = try BlockCipher.aes.encrypt([UInt8](repeating: 0, count: 16), key: SymmetricKey(hex: Self.rfc4493Key), mode: .ecb)
        #expect(HexCoding.encode(l) == "7DF76B0C1AB899B33E42F047B91B546F")
        #expect(HexCoding.encode(CMAC.doubled(l)) == "FBEED618357133667C85E08F7236A8DE")
        #expect(HexCoding.encode(CMAC.doubled(CMAC.doubled(l))) == "F7DDAC306AE266CCF90BC11EE46D513B")
    }

    // NIST SP 800-38B Appendix D.4 (three-key TDEA) and D.5 (two-key TDEA as K1‖K2‖K1): messages of
    // 0, 64, 160 and 256 bits.
    @Test(arguments: [
        ("8AA83BF8CBDA10620BC1BF19FBB6CD58BC313D4A371CA8B5", 0, "B7A688E122FFAF95"),
        ("8AA83BF8CBDA10620BC1BF19FBB6CD58BC313D4A371CA8B5", 8, "8E8F293136283797"),
        ("8AA83BF8CBDA10620BC1BF19FBB6CD58BC313D4A371CA8B5", 20, "743DDBE0CE2DC2ED"),
        ("8AA83BF8CBDA10620BC1BF19FBB6CD58BC313D4A371CA8B5", 32, "33E6B1092400EAE5"),
        ("4CF15134A2850DD58A3D10BA80570D384CF15134A2850DD5", 0, "BD2EBF9A3BA00361"),
        ("4CF15134A2850DD58A3D10BA80570D384CF15134A2850DD5", 8, "4FF2AB813C53CE83"),
        ("4CF15134A2850DD58A3D10BA80570D384CF15134A2850DD5", 20, "62DD1B471902BD4E"),
        ("4CF15134A2850DD58A3D10BA80570D384CF15134A2850DD5", 32, "31B1E431DABC4EB8"),
    ])
    func sp800_38bTDEAExamples(key: String, length: Int, expected: String) throws {
        let message = Array(hex(Self.rfc4493Message).prefix(length))
        #expect(HexCoding.encode(try CMAC.tdes(key: SymmetricKey(hex: key), data: message)) == expected)
    }

    @Test func twoKeyTDEAEqualsItsThreeKeyForm() throws {
        let k1k2 = "4CF15134A2850DD58A3D10BA80570D38"
        let data = Array("vtpe".utf8)
        #expect(try CMAC.tdes(key: SymmetricKey(hex: k1k2), data: data) == CMAC.tdes(key: SymmetricKey(hex: k1k2 + "4CF15134A2850DD5"), data: data))
    }

    @Test(arguments: CMACVectors.shared.aes)
    func aesOracle(_ v: CMACVectors.Case) throws {
        let key = try SymmetricKey(hex: v.key)
        #expect(HexCoding.encode(try CMAC.aes(key: key, data: hex(v.data))) == v.mac)
        #expect(HexCoding.encode(try CMAC.compute(.aes, key: key, data: hex(v.data))) == v.mac)
        #expect(HexCoding.encode(try CMAC.aes(key: key, data: hex(v.data), length: 8)) == String(v.mac.prefix(16)))
    }

    @Test(arguments: CMACVectors.shared.tdes)
    func tdesOracle(_ v: CMACVectors.Case) throws {
        let key = try SymmetricKey(hex: v.key)
        #expect(HexCoding.encode(try CMAC.tdes(key: key, data: hex(v.data))) == v.mac)
        #expect(HexCoding.encode(try CMAC.tdes(key: key, data: hex(v.data), length: 4)) == String(v.mac.prefix(8)))
    }

    @Test func oracleFilesAreFull() {
        #expect(CMACVectors.shared.aes.count >= 100)
        #expect(CMACVectors.shared.tdes.count >= 100)
    }

    @Test func badLengthsAndKeys() throws {
        let aesKey = try SymmetricKey(hex: Self.rfc4493Key)
        #expect(throws: CryptoError(.invalidParameter, "a CMAC is 4 to 16 bytes long, not 17")) { try CMAC.aes(key: aesKey, data: [], length: 17) }
        #expect(throws: CryptoError.self) { try CMAC.aes(key: aesKey, data: [], length: 3) }
        #expect(throws: CryptoError.self) { try CMAC.tdes(key: aesKey, data: [], length: 9) }
        #expect(throws: CryptoError.self) { try CMAC.aes(key: SymmetricKey(hex: "0123456789ABCDEF"), data: []) }
        #expect(throws: CryptoError.self) { try CMAC.tdes(key: SymmetricKey(bytes: [UInt8](repeating: 1, count: 32)), data: []) }
    }
}
