import Testing
import PaymentCore
@testable import EMV
import Foundation

@Suite struct DataObjectTests {
    @Test func tvrListsItsBitsByName() throws {
        let tvr = try #require(TerminalVerificationResults(hex: "8040048040"))
        #expect(tvr == [.offlineDataAuthenticationNotPerformed, .expiredApplication, .onlinePINEntered, .exceedsFloorLimit, .issuerAuthenticationFailed])
        #expect(tvr.description == "8040048040: offline data authentication was not performed; expired application; online PIN entered; transaction exceeds floor limit; issuer authentication failed")
        #expect(TerminalVerificationResults().description == "0000000000: no bits set")
        #expect(TerminalVerificationResults(hex: "0000000001")?.setBitNames == ["byte 5 bit 1 (RFU)"])
        #expect(TerminalVerificationResults(bytes: [0x80]) == nil)
    }

    @Test func tsiAipAndCvr() throws {
        #expect(TransactionStatusInformation(bytes: hex("E800"))?.description
            == "E800: offline data authentication was performed; cardholder verification was performed; card risk management was performed; terminal risk management was performed")
        #expect(ApplicationInterchangeProfile(bytes: hex("1C80"))?.setBitNames
            == ["cardholder verification is supported", "terminal risk management is to be performed", "issuer authentication is supported", "EMV mode is supported (contactless)"])
        let iad = try #require(IssuerApplicationData(bytes: hex("06011203A00000")))
        #expect(iad.cryptogramVersion == 0x12)
        #expect(iad.cardVerificationResults.setBitNames == ["second GENERATE AC not requested", "first GENERATE AC returned ARQC"])
        #expect(IssuerApplicationData(bytes: hex("0601120300")) == nil)
    }

    @Test func cvmListAndResults() throws {
        let list = try CVMList(bytes: hex("000003E8000000004103420 35E031F00".replacingOccurrences(of: " ", with: "")))
        #expect(list.amountX == 1000)
        #expect(list.rules.map(\.description) == [
            "plaintext PIN verified by ICC, if terminal supports the CVM, else next rule",
            "enciphered PIN verified online, if terminal supports the CVM, else next rule",
            "signature, if terminal supports the CVM, else next rule",
            "no CVM required, always, else fail",
        ])
        #expect(list.bytes == hex("000003E80000000041034203 5E031F00".replacingOccurrences(of: " ", with: "")))
        #expect(throws: EMVError.self) { try CVMList(bytes: hex("0000000000000000 41".replacingOccurrences(of: " ", with: ""))) }
        #expect(CVMResults(bytes: hex("420300"))?.description == "420300: enciphered PIN verified online, if terminal supports the CVM, unknown")
        #expect(CVMResults.noRuleApplied.description == "3F0001: no CVM performed, always, failed")
        #expect(CVMResults(bytes: hex("420303")) == nil)
    }

    @Test func applicationFileLocator() throws {
        let afl = try ApplicationFileLocator(bytes: hex("0801010010010200"))
        #expect(afl.records.map { "\($0.sfi).\($0.record)" } == ["1.1", "2.1", "2.2"])
        #expect(afl.bytes == hex("0801010010010200"))
        for bad in ["080101", "00010100", "08000100", "08020100", "08010102", "F8010100", "09010100"] {
            #expect(throws: EMVError.self, "\(bad)") { try ApplicationFileLocator(bytes: hex(bad)) }
        }
    }

    @Test func pinFormat2Block() throws {
        let pin = try PINEntry("1234")
        #expect(pin.format2Block() == hex("241234FFFFFFFFFF"))
        #expect(try PINEntry("123456789012").format2Block() == hex("2C123456789012FF"))
        #expect(PINEntry(format2Block: hex("241234FFFFFFFFFF")) == pin)
        #expect(PINEntry(format2Block: hex("341234FFFFFFFFFF")) == nil)
        #expect(PINEntry(format2Block: hex("24123AFFFFFFFFFF")) == nil)
        #expect(PINEntry(format2Block: hex("241234FFFFFFFF0F")) == nil)
        #expect(pin.description == "PIN(****)")
        #expect(String(reflecting: pin) == "PIN(****)")
        var dumped = ""
        dump(pin, to: &dumped)
        #expect(!dumped.contains("1234"))
        #expect(throws: EMVError.self) { try PINEntry("12a4") }
        #expect(throws: EMVError.self) { try PINEntry("123") }
    }

    @Test func datesAndBCD() throws {
        let date = try TransactionDate(bcd: hex("261126"))
        #expect(date.description == "2026-11-26")
        #expect(date.bcd == hex("261126"))
        #expect(try TransactionDate.lastDay(of: 2, year: 2028).bcd == hex("280229"))
        #expect(throws: EMVError.self) { try TransactionDate(bcd: hex("261131")) }
        #expect(throws: EMVError.self) { try TransactionDate(bcd: hex("2611A1")) }
        #expect(BCD.encode(1000, length: 6) == hex("000000001000"))
        #expect(BCD.value(hex("0840")) == 840)
        #expect(BCD.value(hex("0A")) == nil)
    }

    @Test func cryptogramInputLayout() {
        var values: [Tag: [UInt8]] = [
            0x9F02: hex("000000001000"), 0x9F03: hex("000000000000"), 0x9F1A: hex("0840"), 0x95: hex("8000040000"),
            0x5F2A: hex("0840"), 0x9A: hex("261126"), 0x9C: hex("00"), 0x9F37: hex("12345678"), 0x82: hex("1C00"),
            0x9F36: hex("0011"), 0x9F10: hex("06011203A00000"),
        ]
        #expect(HexCoding.encode(CryptogramInput.build(from: values))
            == "000000001000" + "000000000000" + "0840" + "8000040000" + "0840" + "261126" + "00" + "12345678" + "1C00" + "0011" + "06011203A00000")
        values[0x9F03] = nil
        #expect(CryptogramInput.build(from: values).count == 33 + 7)
        #expect(CryptogramInput.build(from: values)[6..<12] == [0, 0, 0, 0, 0, 0])
        #expect(CryptogramInput.build(from: values.map { TLV(tag: $0.key, value: $0.value) }) == CryptogramInput.build(from: values))
    }
}
