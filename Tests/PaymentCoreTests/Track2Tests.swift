import Testing
import PaymentCore

@Suite("Track 2")
struct Track2Tests {
    @Test(arguments: [
        ";4242424242424242=34122011234567890?",
        "4242424242424242=34122011234567890",
        "4242424242424242D34122011234567890",
        "4242424242424242d34122011234567890",
        "4242424242424242D34122011234567890F",
        ";4242424242424242=34122011234567890?:",  // end sentinel followed by an LRC character
    ])
    func parsesVariants(_ text: String) throws {
        let track = try Track2(parsing: text)
        #expect(track.pan == (try PAN("4242424242424242")))
        #expect(track.expiry == (try Expiry(month: 12, year: 2034)))
        #expect(track.serviceCode.digits == "201")
        #expect(track.discretionaryData == "1234567890")
    }

    @Test func formatsAndRoundTrips() throws {
        let text = ";5555555555554444=30122011000000000000?"
        let track = try Track2(parsing: text)
        #expect(track.formatted(sentinels: true) == text)
        #expect(track.formatted() == "5555555555554444=30122011000000000000")
        #expect(track.formatted(separator: "D") == "5555555555554444D30122011000000000000")
        #expect(try Track2(parsing: track.formatted(separator: "D")) == track)
    }

    @Test func emvEncodingPadsWithF() throws {
        let track = try Track2(parsing: "4242424242424242=3412201123456789")
        #expect(hexString(track.emvBytes) == "4242424242424242D3412201123456789F")
        #expect(try Track2(emvBytes: track.emvBytes) == track)
        let even = try Track2(parsing: "4242424242424242=34122011234567890")
        #expect(hexString(even.emvBytes) == "4242424242424242D34122011234567890")
        #expect(try Track2(emvBytes: even.emvBytes) == even)
    }

    @Test func emvFromCardRecord() throws {
        // Tag 57 as a card returns it in a READ RECORD response.
        let track = try Track2(emvBytes: hex("4761739001010010D30122011143804400000F"))
        #expect(track.pan.last4 == "0010")
        #expect(track.pan.brand == .visa)
        #expect(track.expiry.yymm == "3012")
        #expect(track.serviceCode.isChipCard)
        #expect(track.discretionaryData == "1143804400000")
    }

    @Test func buildsFromFields() throws {
        let track = try Track2(pan: PAN("378282246310005"), expiry: Expiry(month: 6, year: 2031), serviceCode: ServiceCode("101"), discretionaryData: "42")
        #expect(track.formatted(sentinels: true) == ";378282246310005=3106101" + "42?")
        expectError(.invalidTrack) {
            try Track2(pan: PAN("378282246310005"), expiry: Expiry(month: 6, year: 2031), serviceCode: ServiceCode("101"), discretionaryData: "4A")
        }
        expectError(.invalidTrack) {
            try Track2(pan: PAN("378282246310005"), expiry: Expiry(month: 6, year: 2031), serviceCode: ServiceCode("101"),
                       discretionaryData: String(repeating: "0", count: 15))
        }
    }

    @Test(arguments: [
        (";4242424242424242?", PaymentCoreError.Code.invalidTrack, "track2.separator at offset 17"),
        (";42424242A2424242=3412201?", .invalidTrack, "track2.pan at offset 9"),
        (";4242424242424241=3412201?", .luhnCheckFailed, "track2.pan at offset 1"),
        (";42424242=3412201?", .invalidPAN, "track2.pan at offset 1"),
        (";4242424242424242=3413201?", .invalidExpiry, "track2.expiry at offset 18"),
        (";4242424242424242=341?", .invalidTrack, "track2.expiry at offset 21"),
        (";4242424242424242=34X2201?", .invalidTrack, "track2.expiry at offset 20"),
        (";4242424242424242=34122X1?", .invalidTrack, "track2.serviceCode at offset 23"),
        (";4242424242424242=3412201123A?", .invalidTrack, "track2.discretionaryData at offset 28"),
        ("4242424242424242D3412201F12", .invalidTrack, "track2.discretionaryData at offset 24"),
        (";4242424242424242=341220112345678901234567890?", .invalidTrack, "track2.data at offset 38"),
        ("", .invalidTrack, "track2.separator at offset 0"),
    ])
    func rejects(text: String, code: PaymentCoreError.Code, location: String) {
        let error = expectError(code) { try Track2(parsing: text) }
        #expect(error?.location == location)
        #expect(error?.offset != nil)
    }

    @Test func rejectsBadEMVNibbles() {
        let error = expectError(.invalidTrack) { try Track2(emvBytes: hex("42A2424242424242D3412201")) }
        #expect(error?.location == "track2.pan at nibble 2")
        expectError(.invalidTrack) { try Track2(emvBytes: []) }
        expectError(.invalidTrack) { try Track2(emvBytes: hex("4242424242424242D3412201FF")) }
    }
}
