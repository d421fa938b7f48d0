import PaymentCore
import TestSupport
import Testing
@testable import PaymentCrypto

/// AES DUKPT against the test vectors published with ANSI X9.24-3-2017 (ASC X9 supplement, 2018): BDK
/// FEDCBA9876543210F1F1F1F1F1F1F1F1 (AES-128) or that twice (AES-256), initial key ID 1234567890123456.
/// No independent software oracle exists, so these published values are the whole check.
@Suite struct AESDUKPTTests {
    static let bdk128 = "FEDCBA9876543210F1F1F1F1F1F1F1F1"
    static let bdk256 = bdk128 + bdk128
    static let ik128 = "1273671EA26AC29AFA4D1084127652A1"
    static let ik256 = "CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F"
    static let initialKeyID = hex("1234567890123456")

    static func ksn(_ counter: UInt32) throws -> AESKSN { try AESKSN(initialKeyID: initialKeyID, counter: counter) }

    @Test func initialKeys() throws {
        let ik128 = try AESDUKPT.initialKey(bdk: SymmetricKey(hex: Self.bdk128), initialKeyID: Self.initialKeyID)
        #expect(HexCoding.encode(ik128.revealBytes()) == Self.ik128)
        let ik256 = try AESDUKPT.initialKey(bdk: SymmetricKey(hex: Self.bdk256), initialKeyID: Self.initialKeyID)
        #expect(HexCoding.encode(ik256.revealBytes()) == Self.ik256)
    }

    @Test func derivationDataLayout() {
        // Initial key: version 01, block counter 01, usage 8001, AES-128 (0002), 128 bits (0080), initial key ID.
        #expect(HexCoding.encode(AESDUKPT.derivationData(usage: AESDUKPT.initialKeyDerivation, type: .aes128, tail: Self.initialKeyID))
            == "01018001000200801234567890123456")
        // PIN key at counter 1 of an AES-256 key: usage 1000, AES-256 (0004), 256 bits (0100), derivation ID ‖ counter.
        #expect(HexCoding.encode(AESDUKPT.derivationData(usage: AESDUKPT.KeyUsage.pinEncryption.indicator, type: .aes256, tail: hex("9012345600000001")))
            == "01011000000401009012345600000001")
        #expect(HexCoding.encode(AESDUKPT.derivationData(usage: AESDUKPT.KeyUsage.pinEncryption.indicator, type: .tdea3, tail: hex("9012345600000001")))
            == "01011000000100C09012345600000001")
    }

    // Intermediate derivation key and AES PIN key per counter, AES-128 and AES-256 (the last three counters are
    // among the last the originator may use).
    @Test(arguments: [
        (UInt32(1), ik128, "4F21B565BAD9835E112B6465635EAE44", "AF8CB133A78F8DC2D1359F18527593FB"),
        (2, ik128, "2F34D68DE10F68D38091A73B9E7C437C", "D30BDC73EC9714B000BEC66BDB7B6D09"),
        (3, ik128, "031504E530365CF81264238540518318", "7D69F01F3B45449F62C7816ECE723268"),
        (0xFFFE_4000, ik128, "396C2C7CA1EA701C03B86B7D41F0C562", "6239A27F572DEDB17BCA1AC413EF9FE9"),
        (0xFFFE_8000, ik128, "0387625F189B58AE03EF0E8CCA41105E", "F10C1404137A80718FCCE8BD90FF9F67"),
        (0xFFFF_0000, ik128, "F6BA59389BD14A9855BE9727E7C52E3C", "27EFAC1D158632588F4AC69E45C247C4"),
        (1, ik256, "54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3", "8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502"),
        (2, ik256, "5DD5A0253842BBBE1D7C0DA27021412C6F1FAB53FB928DEAE56DA06090A9DE97", "3583D6CD02FC38822CC71A8D7678E04F4A8556335E6CC66863D3DADC5AEE2C62"),
        (3, ik256, "8EEEF7C464AE415BB1D73FAED21993CD669F7999092A579EC6DD3CC680C65171", "96A1AB5D37CB7CF81DDE64F66C46E0389B833E7AD5F4E44C791F04FAFDA6DA0E"),
        (0xFFFE_4000, ik256, "FF20E1BB575539ACCB44E3111BE8757F83AE8549A2DD71B441A4A424F7FFD4B1", "F388FF9FB1D66E8812BC67CA5B85CE5554063E09A2440EC1AF4EB433CCFBAF35"),
        (0xFFFE_8000, ik256, "630535C9C53E1EC6524016930B56F6728909C45403536B419AEBCB25B7351C07", "FAC4E05A67AB1522505CF0E94E5977B99D0E5B116D76ABB6B8A64F0D785FF6DF"),
        (0xFFFF_0000, ik256, "6D6DB7AAAE8B3EA90E57A39E4BBA71E173B21B446B30A78D64BFC6A8806C55EE", "88B82556AEF4A681E0687F443A4C4F305AF9203B114470DFC77C7F08BC43F9DA"),
    ])
    func derivationAndPINKeys(counter: UInt32, initialKey: String, derivation: String, pin: String) throws {
        let ik = try SymmetricKey(hex: initialKey)
        let type: AESDUKPT.KeyType = ik.count == 16 ? .aes128 : .aes256
        let ksn = try Self.ksn(counter)
        #expect(HexCoding.encode(try AESDUKPT.derivationKey(initialKey: ik, ksn: ksn).revealBytes()) == derivation)
        #expect(HexCoding.encode(try AESDUKPT.workingKey(initialKey: ik, ksn: ksn, usage: .pinEncryption, type: type).revealBytes()) == pin)
        let bdk = try SymmetricKey(hex: type == .aes128 ? Self.bdk128 : Self.bdk256)
        #expect(HexCoding.encode(try AESDUKPT.workingKey(bdk: bdk, ksn: ksn, usage: .pinEncryption, type: type).revealBytes()) == pin)
    }

    // AES-128 working keys for PIN encryption, MAC generation and data encryption (encrypt) from the AES-128
    // initial key, including a multi-bit counter (8675309 = 845FED) and the last valid counter.
    @Test(arguments: [
        (UInt32(1), "AF8CB133A78F8DC2D1359F18527593FB", "A2DC23DE6FDE0824A2BC321E08E4B8B7", "A35C412EFD41FDB98B69797C02DCD08F"),
        (2, "D30BDC73EC9714B000BEC66BDB7B6D09", "484C3B06E8562704528CD5B46FB12FB6", "D639514AA33AC43AD9229E433D6D4E5B"),
        (3, "7D69F01F3B45449F62C7816ECE723268", "A5DF7D9D800CA769766F0C77CA4E6E6C", "EF17F6AB45B4820C93A3DCB21BC491AD"),
        (7, "6ECF912F3B18CA11A7A27BB60705FD09", "BAA08CA263C69525BC6B1BA8F4275D69", "0FA8F1F0A2DD7B1005A862D77CDED698"),
        (8, "4D9DF3FBEE3448FC3E676D04320A90F5", "6FD572E5D59E618875F193484F9178FB", "650F34204ABD4E57764D61AC3D266FB1"),
        (131_073, "8AC85C93EED246054ADC3104479115A6", "EF7C9461E2AFED2A8012CC6301CFEEBE", "B93B4BF0D52163B3CF9312F8E55629A3"),
        (8_675_309, "D1DDA386AA4A556AF0119FDCB5D132C6", "89365C7970950CAC0A6261FFC7DB26C6", "B1E4D9006A87DD08D87F11A124D35517"),
        (0xFFFF_0000, "27EFAC1D158632588F4AC69E45C247C4", "AE558BABC206D303FDF68B1181F228C6", "08878BFCC45CA5AEF6A1AB40BAC882B5"),
    ])
    func aes128WorkingKeys(counter: UInt32, pin: String, mac: String, data: String) throws {
        let ik = try SymmetricKey(hex: Self.ik128)
        let ksn = try Self.ksn(counter)
        func key(_ usage: AESDUKPT.KeyUsage) throws -> String {
            HexCoding.encode(try AESDUKPT.workingKey(initialKey: ik, ksn: ksn, usage: usage, type: .aes128).revealBytes())
        }
        #expect(try key(.pinEncryption) == pin)
        #expect(try key(.macGeneration) == mac)
        #expect(try key(.dataEncrypt) == data)
    }

    // Counter 1: the other usages and key types of the published data (key encryption key; AES-256 MAC and data
    // keys; 2TDEA and 3TDEA working keys from the AES-128 initial key).
    @Test(arguments: [
        (ik128, AESDUKPT.KeyUsage.keyEncryption, AESDUKPT.KeyType.aes128, "36A724B7BEFA5A25F5E7B5782A4554A2"),
        (ik256, .macGeneration, .aes256, "61DABDF4B340CF461EE860B1D1AB55357142BD2D6977306859CF49AEFE8F1549"),
        (ik256, .dataEncrypt, .aes256, "71EB36C9A6B7F801D1D1700C29741FC5A5C4E9B45D742DA7AF6992B8AA29AF58"),
        (ik128, .pinEncryption, .tdea2, "630C706D9546E47D4449313F61C4D4AB"),
        (ik128, .macGeneration, .tdea2, "5D8FD787E8A796D07035FFCA9B5800BB"),
        (ik128, .dataEncrypt, .tdea2, "BD44121C223F831446A01EE3A4CB58D2"),
        (ik128, .pinEncryption, .tdea3, "EA8B3F37EB9B15831167EF2977FD8762D9B5913F35766F6A"),
        (ik128, .macGeneration, .tdea3, "2A1061A6EAC2C14FAC3758EA07B3648A624B24E942785BF1"),
        (ik128, .dataEncrypt, .tdea3, "F716DFBC6B2D2D5825B694EEEE181A013F2F1C09380BBE0C"),
    ])
    func counterOneUsagesAndTypes(initialKey: String, usage: AESDUKPT.KeyUsage, type: AESDUKPT.KeyType, expected: String) throws {
        let key = try AESDUKPT.workingKey(initialKey: SymmetricKey(hex: initialKey), ksn: Self.ksn(1), usage: usage, type: type)
        #expect(HexCoding.encode(key.revealBytes()) == expected)
        #expect(key.count * 8 == type.bitCount)
    }

    // The "DUKPT update key" of the test data: counter FFFFFFFF (32 one bits, so only through the internal,
    // unchecked path), key encryption key of the initial key's type.
    @Test(arguments: [
        (ik128, AESDUKPT.KeyType.aes128, "36C6EBBCC0536FC91C1D50660D4F82AE", "9A9770AEE1ACD1B13473D0463A1883B9"),
        (ik256, .aes256, "39064FDC8373D710AFAA823E757E59190C92DD8FBF86B87B673632F4E04C97D2", "AEFB210C136278A1279F7C8815F446DB8EBE2AA910B157AA4E6484D8DE9C4807"),
    ])
    func updateKey(initialKey: String, type: AESDUKPT.KeyType, derivation: String, kek: String) throws {
        let ik = try SymmetricKey(hex: initialKey)
        let ksn = try Self.ksn(.max)
        #expect(HexCoding.encode(try AESDUKPT.derivationKey(initialKey: ik, ksn: ksn, checkCounter: false).revealBytes()) == derivation)
        let key = try AESDUKPT.workingKey(initialKey: ik, ksn: ksn, usage: .keyEncryption, type: type, checkCounter: false)
        #expect(HexCoding.encode(key.revealBytes()) == kek)
        #expect(throws: CryptoError.self) { try AESDUKPT.workingKey(initialKey: ik, ksn: ksn, usage: .keyEncryption, type: type) }
    }

    @Test func everyUsageAndTypeGivesADistinctKey() throws {
        let ik = try SymmetricKey(hex: Self.ik256)
        var seen = Set<[UInt8]>()
        for usage in AESDUKPT.KeyUsage.allCases {
            for type in AESDUKPT.KeyType.allCases {
                let key = try AESDUKPT.workingKey(initialKey: ik, ksn: Self.ksn(5), usage: usage, type: type)
                #expect(key.count * 8 == type.bitCount)
                #expect(seen.insert(Array(key.revealBytes().prefix(16))).inserted, "\(usage) \(type)")
            }
        }
        // AES-192 from an AES-192 BDK, and AES-128 from AES-256: allowed; AES-256 from AES-128 or AES-192: not.
        let bdk192 = try SymmetricKey(bytes: Array(hex(Self.bdk256).prefix(24)))
        #expect(try AESDUKPT.workingKey(bdk: bdk192, ksn: Self.ksn(1), usage: .pinEncryption, type: .aes192).count == 24)
        #expect(try AESDUKPT.workingKey(initialKey: ik, ksn: Self.ksn(1), usage: .pinEncryption, type: .aes128).count == 16)
        #expect(throws: CryptoError.self) { try AESDUKPT.workingKey(bdk: bdk192, ksn: Self.ksn(1), usage: .pinEncryption, type: .aes256) }
        #expect(throws: CryptoError.self) {
            try AESDUKPT.workingKey(initialKey: SymmetricKey(hex: Self.ik128), ksn: Self.ksn(1), usage: .pinEncryption, type: .aes256)
        }
    }

    @Test func ksnFields() throws {
        let ksn = try AESKSN(hex: "123456789012345600000001")
        #expect(ksn.initialKeyID == Self.initialKeyID)
        #expect(ksn.counter == 1)
        #expect(ksn.hex == "123456789012345600000001")
        #expect("\(ksn)" == "123456789012345600000001")
        #expect(try AESKSN(hex: "1234567890123456 80000001").counter == 0x8000_0001)
        #expect(ksn.withCounter(0xFFFE_8000).hex == "1234567890123456FFFE8000")
        #expect(try ksn.withCounter(0xFFFE_8000).next().counter == 0xFFFF_0000)
        #expect(try ksn.withCounter(0xFFFF).next().counter == 0x1_0000)
        #expect(try ksn.withCounter(0x1_FFFE).next().counter == 0x2_0000)  // 1FFFF has seventeen one bits
        #expect(try ksn.next().counter == 2)
    }

    @Test func badKSNsAndCounters() throws {
        #expect(throws: CryptoError(.invalidKSN, "an AES DUKPT KSN is 12 bytes (24 hex digits), not 10")) { try AESKSN(hex: "FFFF9876543210E00001") }
        #expect(throws: CryptoError.self) { try AESKSN(hex: "12345678901234560000000100") }
        #expect(throws: CryptoError.self) { try AESKSN(initialKeyID: [1, 2, 3], counter: 1) }
        #expect(throws: CryptoError.self) { try AESDUKPT.initialKey(bdk: SymmetricKey(hex: Self.bdk128), initialKeyID: hex("12345678901234")) }
        let ik = try SymmetricKey(hex: Self.ik128)
        let seventeen = try Self.ksn(0x1_FFFF)
        #expect(!seventeen.hasValidCounter)
        #expect(throws: CryptoError.self) { try AESDUKPT.workingKey(initialKey: ik, ksn: seventeen, usage: .pinEncryption, type: .aes128) }
        #expect(throws: CryptoError(.counterExhausted, "the KSN counter is exhausted; the device needs a new initial key")) {
            try Self.ksn(AESKSN.maximumCounter).next()
        }
        // A TDES key cannot be an AES DUKPT BDK or initial key.
        #expect(throws: CryptoError.self) { try AESDUKPT.initialKey(bdk: SymmetricKey(hex: "0123456789ABCDEF"), initialKeyID: Self.initialKeyID) }
        #expect(throws: CryptoError.self) {
            try AESDUKPT.workingKey(initialKey: SymmetricKey(hex: "0123456789ABCDEF"), ksn: Self.ksn(1), usage: .pinEncryption, type: .tdea2)
        }
    }

    @Test func derivedKeysMaskThemselves() throws {
        let key = try AESDUKPT.workingKey(bdk: SymmetricKey(hex: Self.bdk128), ksn: Self.ksn(1), usage: .pinEncryption, type: .aes128)
        for text in renderings(key) {
            #expect(!text.contains("AF8CB1"))
            #expect(!text.uppercased().contains("527593FB"))
        }
    }
}
