import Testing
import PaymentCore

@Suite("EMV tag dictionary")
struct EMVTagsTests {
    static let required = """
        4F 50 57 5A 5F20 5F24 5F25 5F28 5F2A 5F2D 5F30 5F34 61 6F 70 77 80 82 84 87 88 8A 8C 8D 8E 8F 90 91 92 93 94 95 \
        9A 9B 9C 9F01 9F02 9F03 9F06 9F07 9F08 9F09 9F0D 9F0E 9F0F 9F10 9F11 9F12 9F13 9F14 9F15 9F16 9F17 9F1A 9F1B 9F1C \
        9F1D 9F1E 9F1F 9F21 9F23 9F26 9F27 9F32 9F33 9F34 9F35 9F36 9F37 9F38 9F39 9F40 9F41 9F42 9F44 9F45 9F46 9F47 9F48 \
        9F49 9F4A 9F4B 9F4C 9F4D 9F4E 9F5B 9F66 9F6C 9F6E 9F7C A5 BF0C
        """.split(separator: " ").map(String.init)

    @Test func coversBook3AnnexA() throws {
        for text in Self.required {
            let info = EMVTags.info(for: try Tag(hex: text))
            #expect(info != nil, "\(text)")
            #expect(info.map { !$0.name.isEmpty } == true, "\(text)")
        }
    }

    @Test(arguments: [
        (Tag.amountAuthorised, TagFormat.n, "Amount, Authorised (Numeric)"),
        (.pan, .cn, "Application Primary Account Number (PAN)"),
        (.applicationCryptogram, .b, "Application Cryptogram"),
        (.applicationLabel, .ans, "Application Label"),
        (.terminalIdentification, .an, "Terminal Identification"),
        (.readRecordResponseTemplate, .var, "READ RECORD Response Message Template"),
        (.track2DiscretionaryData, .cn, "Track 2 Discretionary Data"),
        (.transactionDate, .n, "Transaction Date"),
        (.issuerCountryCode, .n, "Issuer Country Code"),
    ])
    func entries(tag: Tag, format: TagFormat, name: String) throws {
        let info = try #require(EMVTags.info(for: tag))
        #expect(info.format == format)
        #expect(info.name == name)
    }

    @Test func proprietaryTagsAreUnknown() {
        #expect(EMVTags.info(for: 0xDF01) == nil)
        #expect(EMVTags.info(for: 0xDF8129) == nil)
    }

    @Test func templatesAreConstructedAndVariable() {
        for (tag, info) in EMVTags.dictionary where info.format == .var && tag != .applicationFileLocator {
            #expect(tag.isConstructed, "\(tag)")
        }
        for (tag, info) in EMVTags.dictionary where tag.isConstructed {
            #expect(info.format == .var, "\(tag)")
        }
    }

    @Test func namedConstants() {
        #expect(Tag.applicationCryptogram.rawValue == 0x9F26)
        #expect(Tag.track2Equivalent.rawValue == 0x57)
        #expect(Tag.pan.rawValue == 0x5A)
        #expect(Tag.pdol.rawValue == 0x9F38)
        #expect(Tag.cdol1.rawValue == 0x8C)
        #expect(Tag.terminalVerificationResults.rawValue == 0x95)
        #expect(Tag.fciIssuerDiscretionaryData.rawValue == 0xBF0C)
        #expect(Tag.pan.isSensitive && Tag.track2Equivalent.isSensitive && Tag.track2Data.isSensitive)
        #expect(!Tag.applicationCryptogram.isSensitive)
    }
}
