import PaymentCore
import TestSupport
import Testing
@testable import PaymentCrypto

/// TDES DUKPT vectors computed by pydukpt 0.1.0 (an independent implementation of ANSI X9.24-1:2009).
struct PyDUKPTVectors: Decodable {
    struct Keys: Decodable, Sendable, CustomTestStringConvertible {
        var bdk, ksn, ipek, current, pin, mac_request, mac_response, data_request, data_response: String
        var testDescription: String { "KSN \(ksn)" }
    }
    struct Next: Decodable, Sendable { var ksn, next: String }
    var keys: [Keys]
    var next_ksn: [Next]

    static let shared = loadVectors("dukpt-tdes-pydukpt.json", as: PyDUKPTVectors.self)
}

@Suite struct TDESDUKPTTests {
    static let bdk = "0123456789ABCDEFFEDCBA9876543210"

    // ANSI X9.24-1:2009 Annex A test data: BDK 0123…3210, KSN FFFF9876543210E0…, clear PIN block 041274EDCBA9876F
    // (PIN 1234, PAN 4012345678909). Per KSN: the PIN key, the request MAC key, the enciphered PIN block and the
    // X9.19 MAC (leftmost 4 bytes) of the 40 ASCII digits "1234567890" × 4 under the MAC key.
    static let annexA: [(ksn: String, pin: String, mac: String, epb: String, x919: String)] = [
        ("FFFF9876543210E00001", "042666B49184CF5C68DE9628D0397B36", "042666B4918430A368DE9628D03984C9", "1B9C1845EB993A7A", "BF3DF9F4"),
        ("FFFF9876543210E00002", "C46551CEF9FD244FAA9AD834130D3B38", "C46551CEF9FDDBB0AA9AD834130DC4C7", "10A01C8D02C69107", "1F05D23A"),
        ("FFFF9876543210E00003", "0DF3D9422ACA561A47676D07AD6BAD05", "0DF3D9422ACAA9E547676D07AD6B52FA", "18DC07B94797B466", "70D151A4"),
        ("FFFF9876543210E00004", "279C0F6AEED0BE9A2B2C733E1383AE6E", "279C0F6AEED041652B2C733E13835191", "0BC79509D5645DF7", "00B50910"),
        ("FFFF9876543210E00008", "27F66D5244FF621EAA6F6120EDEB427F", "27F66D5244FF9DE1AA6F6120EDEBBD80", "50E55547A5027551", "40412159"),
        ("FFFF9876543210E00015", "E161D1956A61F62DF37AFD7F9CC36965", "E161D1956A6109D2F37AFD7F9CC3969A", "72105C22EBC791E6", "2B42A5B7"),
        ("FFFF9876543210E10000", "2F9A0C0B46ECCBA1F8287A7A071AF54B", "2F9A0C0B46EC345EF8287A7A071A0AB4", "19776D96D73AF1E2", "D9DFF7D6"),
        ("FFFF9876543210EFF800", "F9CDFEBF4F5B1D61B3EC12454527E189", "F9CDFEBF4F5BE29EB3EC124545271E76", "33365F5CC6F23C35", "3F7A0CE1"),
        ("FFFF9876543210EFF801", "5BEE92627E9782A3911BF619DF72CAC4", "5BEE92627E977D5C911BF619DF72353B", "3A86BF003F835C9D", "72653326"),
        ("FFFF9876543210EFFC00", "F9430DF97508246EC77BE4EF4FDB9111", "F9430DF97508DB91C77BE4EF4FDB6EEE", "DEFC6F09F8927B71", "2EBFA205"),
        ("FFFF9876543210F00000", "AA4D58DB653EC7B548C75F2F047DD24A", "AA4D58DB653E384A48C75F2F047D2DB5", "73EC88AD0AC5830E", "E771B48A"),
    ]

    @Test func annexAInitialKey() throws {
        let ipek = try TDESDUKPT.initialKey(bdk: SymmetricKey(hex: Self.bdk), ksn: KSN(hex: "FFFF9876543210E00000"))
        #expect(HexCoding.encode(ipek.revealBytes()) == "6AC292FAA1315B4D858AB3A3D7D5933A")
        // The counter does not enter the IPEK.
        let later = try TDESDUKPT.initialKey(bdk: SymmetricKey(hex: Self.bdk), ksn: KSN(hex: "FFFF9876543210EFF800"))
        #expect(later == ipek)
    }

    // 042666B49184CFA368DE9628D0397BC9 is the *current (transaction) key* at counter 1; the PIN key is that
    // key with the PIN variant (…A3 → …5C, …C9 → …36).
    @Test func annexACounterOneCurrentKeyAndPINKey() throws {
        let ksn = try KSN(hex: "FFFF9876543210E00001")
        let ipek = try SymmetricKey(hex: "6AC292FAA1315B4D858AB3A3D7D5933A")
        #expect(HexCoding.encode(try TDESDUKPT.currentKey(ipek: ipek, ksn: ksn).revealBytes()) == "042666B49184CFA368DE9628D0397BC9")
        #expect(HexCoding.encode(try TDESDUKPT.derive(bdk: SymmetricKey(hex: Self.bdk), ksn: ksn, usage: .pin).revealBytes()) == "042666B49184CF5C68DE9628D0397B36")
    }

    @Test(arguments: annexA.indices)
    func annexATable(_ index: Int) throws {
        let row = Self.annexA[index]
        let bdk = try SymmetricKey(hex: Self.bdk)
        let ksn = try KSN(hex: row.ksn)
        let pinKey = try TDESDUKPT.derive(bdk: bdk, ksn: ksn, usage: .pin)
        let macKey = try TDESDUKPT.derive(bdk: bdk, ksn: ksn, usage: .macRequest)
        #expect(HexCoding.encode(pinKey.revealBytes()) == row.pin)
        #expect(HexCoding.encode(macKey.revealBytes()) == row.mac)

        var unused = SeededGenerator(seed: 0)
        let block = try PINBlock.encode(pin: "1234", pan: "4012345678909", format: .iso0, random: &unused)
        #expect(HexCoding.encode(block.revealBytes()) == "041274EDCBA9876F")
        #expect(HexCoding.encode(try block.encipher(key: pinKey, pan: nil)) == row.epb)
        #expect(try PINBlock.decipher(hex(row.epb), key: pinKey, pan: nil, format: .iso0).decode(pan: "4012345678909") == "1234")

        let digits = Array(String(repeating: "1234567890", count: 4).utf8)
        let mac = try ISO9797MAC.algorithm3(key: macKey, data: digits, padding: .method1)
        #expect(HexCoding.encode(mac.prefix(4)) == row.x919)
    }

    @Test(arguments: PyDUKPTVectors.shared.keys)
    func pydukptOracle(_ v: PyDUKPTVectors.Keys) throws {
        let bdk = try SymmetricKey(hex: v.bdk)
        let ksn = try KSN(hex: v.ksn)
        let ipek = try TDESDUKPT.initialKey(bdk: bdk, ksn: ksn)
        #expect(HexCoding.encode(ipek.revealBytes()) == v.ipek)
        let current = try TDESDUKPT.currentKey(ipek: ipek, ksn: ksn)
        #expect(HexCoding.encode(current.revealBytes()) == v.current)
        let expected: [TDESDUKPT.KeyUsage: String] = [
            .pin: v.pin, .macRequest: v.mac_request, .macResponse: v.mac_response,
            .dataRequest: v.data_request, .dataResponse: v.data_response,
        ]
        for usage in TDESDUKPT.KeyUsage.allCases {
            #expect(HexCoding.encode(try TDESDUKPT.variant(of: current, for: usage).revealBytes()) == expected[usage], "\(usage)")
        }
        #expect(HexCoding.encode(try TDESDUKPT.derive(bdk: bdk, ksn: ksn, usage: .dataResponse).revealBytes()) == v.data_response)
    }

    @Test(arguments: PyDUKPTVectors.shared.next_ksn.map { [$0.ksn, $0.next] })
    func nextKSNOracle(_ pair: [String]) throws {
        #expect(try KSN(hex: pair[0]).next().hex == pair[1])
    }

    @Test func oracleFileIsFull() {
        #expect(PyDUKPTVectors.shared.keys.count >= 200)
        #expect(PyDUKPTVectors.shared.next_ksn.count >= 50)
    }

    @Test func ksnFields() throws {
        let ksn = try KSN(hex: "FFFF 9876 5432 10E0 0001")
        #expect(ksn.counter == 1)
        #expect(ksn.hex == "FFFF9876543210E00001")
        #expect("\(ksn)" == "FFFF9876543210E00001")
        #expect(try ksn.withCounter(0x1F_F800).hex == "FFFF9876543210FFF800")
        #expect(try ksn.withCounter(0).hex == "FFFF9876543210E00000")
        #expect(try KSN(hex: "FFFF9876543210FFFFFF").counter == 0x1F_FFFF)
        #expect(try KSN(hex: "FFFF9876543210FFFFFF").withCounter(5).hex == "FFFF9876543210E00005")
        #expect(try ksn.withCounter(0x3FE).next().counter == 0x3FF)
        #expect(try ksn.withCounter(0x3FF).next().counter == 0x400)
        #expect(try ksn.withCounter(0x7FE).next().counter == 0x800)  // 7FF has eleven one bits
    }

    @Test func badKSNs() throws {
        #expect(throws: CryptoError(.invalidKSN, "a TDES DUKPT KSN is 10 bytes (20 hex digits), not 9")) { try KSN(hex: "FFFF9876543210E000") }
        #expect(throws: CryptoError.self) { try KSN(hex: "FFFF9876543210E0000100") }
        #expect(throws: CryptoError.self) { try KSN(hex: "FFFF9876543210E0000") }
        #expect(throws: CryptoError.self) { try KSN(hex: "FFFF9876543210E0000G") }
        #expect(throws: CryptoError.self) { try KSN(bytes: []) }
        #expect(throws: CryptoError.self) { try KSN(hex: "FFFF9876543210E00000").withCounter(0x20_0000) }
    }

    @Test func counterRules() throws {
        let ipek = try SymmetricKey(hex: "6AC292FAA1315B4D858AB3A3D7D5933A")
        let base = try KSN(hex: "FFFF9876543210E00000")
        // Eleven one bits: never used by the originator, so a host refuses it.
        let eleven = try base.withCounter(0x7FF)
        #expect(!eleven.hasValidCounter)
        #expect(throws: CryptoError.self) { try TDESDUKPT.currentKey(ipek: ipek, ksn: eleven) }
        #expect(throws: CryptoError.self) { try TDESDUKPT.derive(bdk: SymmetricKey(hex: Self.bdk), ksn: eleven, usage: .pin) }
        // The last counter, then exhaustion.
        let last = try base.withCounter(KSN.maximumCounter)
        #expect(last.hasValidCounter)
        #expect(throws: CryptoError(.counterExhausted, "the KSN counter is exhausted; the device needs a new initial key")) { try last.next() }
        #expect(try base.withCounter(0x1F_F7FF).next().counter == KSN.maximumCounter)
        // Counter 0 (fresh from key injection) gives the IPEK itself.
        #expect(try TDESDUKPT.currentKey(ipek: ipek, ksn: base) == ipek)
    }

    @Test func walkingTheCounterReachesAllValidValues() throws {
        // From 0 the originator uses exactly the counters with 1–10 one bits among 21: Σ C(21, k) for k = 1…10.
        var ksn = try KSN(hex: "FFFF9876543210E00000")
        var count = 0
        while let next = try? ksn.next() {
            #expect(next.counter > ksn.counter)
            ksn = next
            count += 1
        }
        #expect(count == 1_048_575)
        #expect(ksn.counter == KSN.maximumCounter)
    }

    @Test func keyLengthsAreChecked() throws {
        let ksn = try KSN(hex: "FFFF9876543210E00001")
        #expect(throws: CryptoError.self) { try TDESDUKPT.initialKey(bdk: SymmetricKey(bytes: [UInt8](repeating: 1, count: 24)), ksn: ksn) }
        #expect(throws: CryptoError.self) { try TDESDUKPT.currentKey(ipek: SymmetricKey(hex: "0123456789ABCDEF"), ksn: ksn) }
    }

    @Test func derivedKeysMaskThemselves() throws {
        let key = try TDESDUKPT.derive(bdk: SymmetricKey(hex: Self.bdk), ksn: KSN(hex: "FFFF9876543210E00001"), usage: .pin)
        for text in renderings(key) {
            #expect(!text.contains("042666"))
            #expect(!text.contains("0397B36"))
        }
    }
}
