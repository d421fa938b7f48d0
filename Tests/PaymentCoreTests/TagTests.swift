import Testing
import PaymentCore

@Suite("Tag")
struct TagTests {
    @Test(arguments: [
        ("5A", [UInt8]([0x5A]), UInt32(0x5A), false, Tag.Class.application, UInt32(26)),
        ("9F26", [0x9F, 0x26], 0x9F26, false, .contextSpecific, 38),
        ("5F20", [0x5F, 0x20], 0x5F20, false, .application, 32),
        ("70", [0x70], 0x70, true, .application, 16),
        ("6F", [0x6F], 0x6F, true, .application, 15),
        ("A5", [0xA5], 0xA5, true, .contextSpecific, 5),
        ("BF0C", [0xBF, 0x0C], 0xBF0C, true, .contextSpecific, 12),
        ("DF8129", [0xDF, 0x81, 0x29], 0xDF8129, false, .private, 169),
        ("FF818101", [0xFF, 0x81, 0x81, 0x01], 0xFF81_8101, true, .private, 16513),
        ("01", [0x01], 0x01, false, .universal, 1),
        ("30", [0x30], 0x30, true, .universal, 16),
    ])
    func anatomy(hexText: String, bytes: [UInt8], raw: UInt32, constructed: Bool, tagClass: Tag.Class, number: UInt32) throws {
        let tag = try Tag(hex: hexText)
        #expect(tag.bytes == bytes)
        #expect(tag.rawValue == raw)
        #expect(tag.isConstructed == constructed)
        #expect(tag.tagClass == tagClass)
        #expect(tag.number == number)
        #expect(tag.hex == hexText)
        #expect(tag.description == hexText)
        #expect(try Tag(bytes: bytes) == tag)
        #expect(Tag(rawValue: raw) == tag)
    }

    @Test func literalsAndHexAgree() throws {
        let literal: Tag = 0x9F26
        #expect(literal == (try Tag(hex: "9f26")))
        #expect(literal == (try Tag(hex: "9F 26")))
        #expect(literal == .applicationCryptogram)
    }

    @Test(arguments: ["", "9F", "5A26", "9F8080808001", "DF818181", "00", "ZZ", "9F2", "9F2680"])
    func rejectsMalformedTags(_ text: String) {
        let error = expectError(.invalidTag) { try Tag(hex: text) }
        #expect(error?.location == "tag")
    }

    @Test(arguments: [UInt32(0), 0x9F, 0x5A26, 0x1F, 0x9F80_8080, 0xDF81_8181])
    func rejectsInvalidRawValues(_ raw: UInt32) {
        #expect(Tag(rawValue: raw) == nil)
    }
}
