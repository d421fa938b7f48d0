import Testing
import PaymentCore

@Suite("Track 1")
struct Track1Tests {
    static let sample = "%B4242424242424242^DOE/JOHN Q.^3412201000000000000000123000000?"

    @Test func parsesFormatB() throws {
        let track = try Track1(parsing: Self.sample)
        #expect(track.pan.last4 == "4242")
        #expect(track.name == "DOE/JOHN Q.")
        #expect(track.expiry == (try Expiry(month: 12, year: 2034)))
        #expect(track.serviceCode.digits == "201")
        #expect(track.discretionaryData == "000000000000000123000000")
    }

    @Test func roundTrips() throws {
        let track = try Track1(parsing: Self.sample)
        #expect(track.formatted(sentinels: true) == Self.sample)
        #expect(track.formatted() == String(Self.sample.dropFirst().dropLast()))
        #expect(try Track1(parsing: track.formatted()) == track)
        #expect(try Track1(parsing: Self.sample + "X") == track)  // LRC after the end sentinel
    }

    @Test func buildsFromFields() throws {
        let track = try Track1(pan: PAN("5555555555554444"), name: "SMITH/ANNA", expiry: Expiry(month: 1, year: 2030), serviceCode: ServiceCode("221"))
        #expect(track.formatted(sentinels: true) == "%B5555555555554444^SMITH/ANNA^3001221?")
        expectError(.invalidTrack) {
            try Track1(pan: PAN("5555555555554444"), name: "smith/anna", expiry: Expiry(month: 1, year: 2030), serviceCode: ServiceCode("221"))
        }
        expectError(.invalidTrack) {
            try Track1(pan: PAN("5555555555554444"), name: "A", expiry: Expiry(month: 1, year: 2030), serviceCode: ServiceCode("221"))
        }
    }

    @Test(arguments: [
        ("%A4242424242424242^DOE/JOHN^3412201?", PaymentCoreError.Code.invalidTrack, "track1.formatCode at offset 1"),
        ("%4242424242424242^DOE/JOHN^3412201?", .invalidTrack, "track1.formatCode at offset 1"),
        ("%B4242424242424242DOE/JOHN3412201?", .invalidTrack, "track1.separator at offset 33"),
        ("%B4242424242424242^DOE/JOHN3412201?", .invalidTrack, "track1.separator at offset 34"),
        ("%B4242424242424241^DOE/JOHN^3412201?", .luhnCheckFailed, "track1.pan at offset 2"),
        ("%B42424242X2424242^DOE/JOHN^3412201?", .invalidTrack, "track1.pan at offset 10"),
        ("%B4242424242424242^D^3412201?", .invalidTrack, "track1.name at offset 19"),
        ("%B4242424242424242^ABCDEFGHIJKLMNOPQRSTUVWXYZA^3412201?", .invalidTrack, "track1.name at offset 19"),
        ("%B4242424242424242^DOE/john^3412201?", .invalidTrack, "track1.name at offset 23"),
        ("%B4242424242424242^DOE/JOHN^3400201?", .invalidExpiry, "track1.expiry at offset 28"),
        ("%B4242424242424242^DOE/JOHN^34122?", .invalidTrack, "track1.expiry at offset 33"),
        ("%B4242424242424242^DOE/JOHN^341220A?", .invalidTrack, "track1.serviceCode at offset 34"),
        ("%B4242424242424242^DOE/JOHN^3412201abc?", .invalidTrack, "track1.discretionaryData at offset 35"),
    ])
    func rejects(text: String, code: PaymentCoreError.Code, location: String) {
        let error = expectError(code) { try Track1(parsing: text) }
        #expect(error?.location == location)
    }

    @Test func rejectsOverlongTrack() {
        let text = "%B4242424242424242^DOE/JOHN^3412201" + String(repeating: "0", count: 50) + "?"
        let error = expectError(.invalidTrack) { try Track1(parsing: text) }
        #expect(error?.location == "track1.data at offset 77")
    }

    @Test func descriptionIsMasked() throws {
        let track = try Track1(parsing: Self.sample)
        #expect(track.description == "B424242******4242^***********^" + String(repeating: "*", count: 31))
        #expect(!String(reflecting: track).contains("JOHN"))
    }
}
