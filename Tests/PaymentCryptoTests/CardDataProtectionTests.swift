import PaymentCore
import Testing
@testable import PaymentCrypto

/// Track 2 and PIN blocks under DUKPT, as a terminal sends them and the issuer opens them.
@Suite struct CardDataProtectionTests {
    static let bdk = try! SymmetricKey(hex: "FEDCBA9876543210F1F1F1F1F1F1F1F1")
    static let track = try! Track2(parsing: "4242424242424242=30122011234567")

    @Test(arguments: DUKPTScheme.allCases) func deviceAndHostAgree(scheme: DUKPTScheme) throws {
        let first = try DUKPTSerialNumber.initial(scheme: scheme, bdkID: [0x12, 0x34, 0x56, 0x78], deviceID: [0x9A, 0xBC, 0xDE, 0xFF])
        #expect(first.counter == 0 && first.bdkID == [0x12, 0x34, 0x56, 0x78])
        #expect(first.hex.count == (scheme == .aes ? 24 : 20))
        let ipek = try DUKPTKeyInjection.initialKey(bdk: Self.bdk, ksn: first)
        var ksn = first
        var rng = SystemRandomNumberGenerator()
        var ciphertexts: Set<[UInt8]> = []
        for _ in 0..<5 {
            ksn = try ksn.next()
            let device = try DUKPTTransactionKeys(initialKey: ipek, ksn: ksn)
            let host = try DUKPTTransactionKeys(bdk: Self.bdk, ksn: try DUKPTSerialNumber(hex: ksn.hex))
            let enciphered = try device.encipher(track2: Self.track)
            #expect(enciphered.count % (scheme == .aes ? 16 : 8) == 0)
            ciphertexts.insert(enciphered)
            #expect(try host.decipherTrack2(enciphered) == Self.track)
            let block = try device.encipherPIN("1234", pan: Self.track.pan, random: &rng)
            #expect(block.count == (scheme == .aes ? 16 : 8))
            #expect(try host.decipherPIN(block, pan: Self.track.pan) == "1234")
        }
        #expect(ciphertexts.count == 5, "every KSN has its own key")
    }

    @Test(arguments: DUKPTScheme.allCases) func anotherKeyNeverGivesACard(scheme: DUKPTScheme) throws {
        let ksn = try DUKPTSerialNumber.initial(scheme: scheme, bdkID: [1, 2, 3, 4], deviceID: [5, 6, 7, 8]).next()
        let device = try DUKPTTransactionKeys(bdk: Self.bdk, ksn: ksn)
        let enciphered = try device.encipher(track2: Self.track)
        let wrong = try DUKPTTransactionKeys(bdk: Self.bdk, ksn: try ksn.next())
        #expect(throws: CryptoError.self) { try wrong.decipherTrack2(enciphered) }
        #expect(throws: CryptoError.self) { try device.decipherTrack2([1, 2, 3]) }
        #expect(throws: CryptoError.self) { try DUKPTSerialNumber(hex: "ABC") }
    }

    @Test func tdesDeviceIDLeavesTheCounterBitsClear() throws {
        let ksn = try DUKPTSerialNumber.initial(scheme: .tdes, bdkID: [0xFF, 0xFF, 0x98, 0x76], deviceID: [0x54, 0x32, 0x10, 0xFF])
        #expect(ksn.hex == "FFFF9876543210E00000")
    }
}
