import Testing
@testable import EMV

@Suite struct APDUTests {
    @Test func selectPPSEIsTheBytesOfTheSpec() {
        #expect(CommandAPDU.selectPPSE.description
            == "00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00")
    }

    @Test(arguments: [
        ([0x00, 0xB2, 0x01, 0x0C], nil as UInt8?, 0),          // case 1
        ([0x00, 0xB2, 0x01, 0x0C, 0x00], 0x00, 0),            // case 2
        ([0x80, 0xA8, 0x00, 0x00, 0x02, 0x83, 0x00], nil, 2), // case 3
        ([0x80, 0xA8, 0x00, 0x00, 0x02, 0x83, 0x00, 0x00], 0x00, 2), // case 4
    ] as [([UInt8], UInt8?, Int)])
    func parsesAllFourCasesAndRoundTrips(bytes: [UInt8], le: UInt8?, dataCount: Int) throws {
        let apdu = try CommandAPDU(bytes: bytes)
        #expect(apdu.le == le)
        #expect(apdu.data.count == dataCount)
        #expect(apdu.bytes == bytes)
    }

    @Test func rejectsBadLc() {
        #expect(throws: EMVError(.invalidAPDU, "Lc 5 does not match 2 bytes after it", offset: 4)) {
            try CommandAPDU(bytes: [0x80, 0xA8, 0x00, 0x00, 0x05, 0x83, 0x00])
        }
        #expect(throws: EMVError.self) { try CommandAPDU(bytes: [0x00, 0xA4]) }
    }

    @Test func responseSplitsStatusWord() throws {
        let r = try ResponseAPDU(bytes: [0x6F, 0x00, 0x63, 0xC2])
        #expect(r.data == [0x6F, 0x00])
        #expect(r.status == .verificationFailed(triesLeft: 2))
        #expect(r.status.meaning == "verification failed, 2 tries left")
        #expect(!r.status.isSuccess)
        #expect(throws: EMVError.self) { try ResponseAPDU(bytes: [0x90]) }
        #expect(StatusWord.fileNotFound.description == "6A82 (file or application not found)")
    }
}
