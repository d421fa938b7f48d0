import Testing
import PaymentCore

@Suite("DOL")
struct DOLTests {
    /// A typical contactless PDOL: TTQ, amount, other amount, country, TVR, currency, date, type, unpredictable number.
    static let pdolBytes = hex("9F66 04 9F02 06 9F03 06 9F1A 02 95 05 5F2A 02 9A 03 9C 01 9F37 04")

    @Test func parsesAndReencodes() throws {
        let dol = try DOL(parsing: Self.pdolBytes)
        #expect(dol.entries.map(\.tag.hex) == ["9F66", "9F02", "9F03", "9F1A", "95", "5F2A", "9A", "9C", "9F37"])
        #expect(dol.entries.map(\.length) == [4, 6, 6, 2, 5, 2, 3, 1, 4])
        #expect(dol.totalLength == 33)
        #expect(dol.encoded() == Self.pdolBytes)
        #expect(try DOL(parsing: []).entries.isEmpty)
        #expect(try DOL(parsing: hex("9F4B 81 FF")).totalLength == DOL.maximumEntryLength)
    }

    @Test func buildsInOrderAndParsesBack() throws {
        let dol = try DOL(parsing: Self.pdolBytes)
        let values: [Tag: [UInt8]] = [
            .terminalTransactionQualifiers: hex("36004000"),
            .amountAuthorised: hex("000000001234"),
            .amountOther: hex("000000000000"),
            .terminalCountryCode: hex("0250"),
            .terminalVerificationResults: hex("0000000000"),
            .transactionCurrencyCode: hex("0978"),
            .transactionDate: hex("251126"),
            .transactionType: hex("00"),
            .unpredictableNumber: hex("A1B2C3D4"),
        ]
        let data = dol.build(values)
        #expect(hexString(data) == "36004000" + "000000001234" + "000000000000" + "0250" + "0000000000" + "0978" + "251126" + "00" + "A1B2C3D4")
        #expect(try dol.parse(data) == values)
    }

    @Test(arguments: [
        // Missing values are zeros.
        ("9F37", 4, nil, "00000000"),
        // Numeric (n): padded with leading zeros, truncated keeping the rightmost bytes.
        ("9F02", 6, "1000", "000000001000"),
        ("9F02", 6, "00000000001234", "000000001234"),
        ("9A", 3, "20251126", "251126"),
        // Compressed numeric (cn): trailing FF padding, truncated keeping the leftmost bytes.
        ("5A", 10, "4242424242424242", "4242424242424242FFFF"),
        ("5A", 4, "4242424242424242", "42424242"),
        // Alphanumeric (an, ans) and binary (b): trailing zero padding, truncated keeping the leftmost bytes.
        ("9F1C", 8, "5445524D31", "5445524D31000000"),
        ("9F1C", 4, "5445524D3132", "5445524D"),
        ("9F4E", 3, "41", "410000"),
        ("9F37", 2, "A1B2C3D4", "A1B2"),
        ("9F66", 6, "36004000", "360040000000"),
        // Tags outside the dictionary count as binary.
        ("DF8129", 4, "AABB", "AABB0000"),
        // Constructed tags are always zeros.
        ("70", 3, "9F3601", "000000"),
        // Zero-length entries contribute nothing.
        ("9F37", 0, "A1B2", ""),
        // Exact length is kept as is.
        ("9F02", 6, "000000000199", "000000000199"),
    ])
    func paddingAndTruncation(tagHex: String, length: Int, value: String?, expected: String) throws {
        let tag = try Tag(hex: tagHex)
        let dol = DOL(entries: [DOL.Entry(tag: tag, length: length)])
        let values: [Tag: [UInt8]] = value.map { [tag: hex($0)] } ?? [:]
        #expect(hexString(dol.build(values)) == expected)
    }

    @Test func parseChecksTheLength() throws {
        let dol = try DOL(parsing: hex("9F02 06 9F37 04"))
        let error = expectError(.invalidDOL) { try dol.parse(hex("000000001000")) }
        #expect(error?.offset == 6)
        expectError(.invalidDOL) { try dol.parse(hex("00000000100011223344FF")) }
    }

    @Test(arguments: [
        ("9F", 0, ""),
        ("9F37", 2, "9F37"),
        ("9F37 04 00 01", 3, ""),
        ("9F37 80", 2, "9F37"),
        ("9F37 85 0000000004", 2, "9F37"),
        ("9F37 81", 2, "9F37"),
        ("9F37 04 9F02 82 0100", 5, "9F02"),
        ("9F02 84 FFFFFFFF", 2, "9F02"),
    ])
    func rejectsMalformedLists(text: String, offset: Int, path: String) {
        let error = expectError(.invalidDOL) { try DOL(parsing: hex(text)) }
        #expect(error?.offset == offset)
        #expect(error?.tagPath.map(\.hex).joined(separator: "/") == path)
    }

    @Test func cdol1() throws {
        // A common CDOL1: amount, other amount, country, TVR, currency, date, type, UN, terminal type, data auth code, ICC dynamic number, CVM results.
        let dol = try DOL(parsing: hex("9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403"))
        #expect(dol.entries.count == 12)
        #expect(dol.totalLength == 6 + 6 + 2 + 5 + 2 + 3 + 1 + 4 + 1 + 2 + 8 + 3)
        #expect(dol.build([:]) == [UInt8](repeating: 0, count: dol.totalLength))
    }
}
