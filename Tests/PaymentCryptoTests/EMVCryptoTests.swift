import Foundation
import PaymentCore
import Testing
@testable import PaymentCrypto

/// Vectors computed by pyemv 1.5.0 (an independent implementation), stored next to this file.
struct PyEMVVectors: Decodable {
    struct MasterKey: Decodable { var pan: String; var psn: UInt8; var option_a: String; var option_b: String? }
    struct SessionKey: Decodable { var mk: String; var atc: String; var sk: String }
    struct Cryptogram: Decodable {
        var sk, data, arqc_emv, arqc_visa, arc, arpc1, csu, prop, arpc2: String
    }
    var imk: String
    var icc_master_keys: [MasterKey]
    var session_keys: [SessionKey]
    var cryptograms: [Cryptogram]

    static let shared: PyEMVVectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/emv-pyemv.json")
        return try! JSONDecoder().decode(PyEMVVectors.self, from: Data(contentsOf: url))
    }()
}

@Suite struct EMVCryptoTests {
    let v = PyEMVVectors.shared

    @Test func iccMasterKeysOptionAAndB() throws {
        let imk = try SymmetricKey(hex: v.imk)
        for e in v.icc_master_keys {
            let a = try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: e.pan, psn: e.psn, option: .a)
            #expect(HexCoding.encode(a.revealBytes()) == e.option_a, "option A \(e.pan)")
            if let b = e.option_b {
                let kb = try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: e.pan, psn: e.psn, option: .b)
                #expect(HexCoding.encode(kb.revealBytes()) == b, "option B \(e.pan)")
            } else {
                // Option B is option A for PANs of 16 digits or fewer.
                let kb = try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: e.pan, psn: e.psn, option: .b)
                #expect(kb == a)
            }
            #expect(KeyParity.isOdd(a.revealBytes()))
        }
        #expect(v.icc_master_keys.count >= 6)
    }

    @Test func commonSessionKeys() throws {
        for e in v.session_keys {
            let sk = try EMVKeys.sessionKey(masterKey: SymmetricKey(hex: e.mk), atc: UInt16(e.atc, radix: 16)!)
            #expect(HexCoding.encode(sk.revealBytes()) == e.sk)
        }
    }

    @Test func arqcBothPaddingsAndArpcBothMethods() throws {
        for e in v.cryptograms {
            let sk = try SymmetricKey(hex: e.sk)
            let data = hex(e.data)
            #expect(HexCoding.encode(try ApplicationCryptogram.generate(sessionKey: sk, data: data, padding: .emv)) == e.arqc_emv)
            #expect(HexCoding.encode(try ApplicationCryptogram.generate(sessionKey: sk, data: data, padding: .visa)) == e.arqc_visa)
            #expect(try ApplicationCryptogram.verify(hex(e.arqc_emv), sessionKey: sk, data: data, padding: .emv))
            var flipped = hex(e.arqc_emv)
            flipped[7] ^= 0x01
            #expect(try !ApplicationCryptogram.verify(flipped, sessionKey: sk, data: data, padding: .emv))
            #expect(HexCoding.encode(try ApplicationCryptogram.arpcMethod1(sessionKey: sk, arqc: hex(e.arqc_emv), arc: hex(e.arc))) == e.arpc1)
            #expect(HexCoding.encode(try ApplicationCryptogram.arpcMethod2(sessionKey: sk, arqc: hex(e.arqc_emv), csu: hex(e.csu), proprietary: hex(e.prop))) == e.arpc2)
        }
    }

    // ISO/IEC 9797-1 Annex B-style check: MAC algorithm 3 equals algorithm 1 when K1 = K2 (the retail MAC
    // degenerates to a single-DES CBC-MAC), and padding method 2 always adds a block on aligned data.
    @Test func retailMACStructure() throws {
        let k = hex("0123456789ABCDEF")
        let data = Array("Now is the time for all ".utf8)
        let alg3 = try ISO9797MAC.algorithm3(key: SymmetricKey(bytes: k + k), data: data, padding: .method1)
        let alg1 = try ISO9797MAC.algorithm1(key: SymmetricKey(bytes: k), data: data, padding: .method1)
        #expect(alg3 == alg1)
        // FIPS 113 / ANSI X9.9 known answer: DES CBC-MAC of "Now is the time for all " under 0123456789ABCDEF.
        #expect(HexCoding.encode(alg1) == "70A30640CC76DD8B")
        // ISO/IEC 9797-1 Annex B examples: MAC algorithm 3, K = 0123456789ABCDEF, K' = FEDCBA9876543210
        // (confirmed with pyemv's mac_iso9797_3).
        let kk = try SymmetricKey(bytes: k + hex("FEDCBA9876543210"))
        #expect(HexCoding.encode(try ISO9797MAC.algorithm3(key: kk, data: data, padding: .method1)) == "A1C72E74EA3FA9B6")
        #expect(HexCoding.encode(try ISO9797MAC.algorithm3(key: kk, data: data, padding: .method2)) == "E9086230CA3BE796")
        #expect(HexCoding.encode(try ISO9797MAC.algorithm3(key: kk, data: Array("Now is the time for it".utf8), padding: .method1)) == "2E2B1428CC78254F")
        #expect(HexCoding.encode(try ISO9797MAC.algorithm3(key: kk, data: Array("Now is the time for it".utf8), padding: .method2)) == "5A692CE64F404145")
        #expect(ISO9797MAC.pad([1, 2, 3, 4, 5, 6, 7, 8], .method2).count == 16)
        #expect(ISO9797MAC.pad([1, 2, 3, 4, 5, 6, 7, 8], .method1).count == 8)
        #expect(ISO9797MAC.pad([], .method1) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: CryptoError.self) { try ISO9797MAC.algorithm3(key: SymmetricKey(bytes: k), data: data, padding: .method1) }
    }

    @Test func badInputsAreErrors() throws {
        let imk = try SymmetricKey(hex: v.imk)
        #expect(throws: CryptoError.self) { try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: "42x2", psn: 0, option: .a) }
        #expect(throws: CryptoError.self) { try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: "4242", psn: 100, option: .a) }
        #expect(throws: CryptoError.self) { try ApplicationCryptogram.arpcMethod1(sessionKey: imk, arqc: [1, 2, 3], arc: [0x30, 0x30]) }
        #expect(throws: CryptoError.self) { try ApplicationCryptogram.arpcMethod2(sessionKey: imk, arqc: [UInt8](repeating: 0, count: 8), csu: [0]) }
    }
}
