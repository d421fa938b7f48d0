import Testing
import PaymentCore

@Suite("PAN")
struct PANTests {
    @Test(arguments: ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117", "79927398713", "0000000000000000"])
    func luhnValid(_ digits: String) {
        #expect(PAN.luhnValid(digits))
    }

    @Test(arguments: ["4242424242424241", "79927398710", "1234567812345678", "", "4", "4242x42424242424", "4242 4242 4242 4242"])
    func luhnInvalid(_ digits: String) {
        #expect(!PAN.luhnValid(digits))
    }

    @Test func checkDigit() {
        #expect(PAN.luhnCheckDigit(for: "424242424242424") == "2")
        #expect(PAN.luhnCheckDigit(for: "7992739871") == "3")
        #expect(PAN.luhnCheckDigit(for: "37828224631000") == "5")
        for partial in ["400000000000000", "55555555555544", "3056930009020", "62000000000000"] {
            #expect(PAN.luhnValid(partial + String(PAN.luhnCheckDigit(for: partial))), "\(partial)")
        }
    }

    @Test func properties() throws {
        let pan = try PAN("4242 4242 4242 4242")
        #expect(pan.revealDigits() == "4242424242424242")
        #expect(pan.brand == .visa)
        #expect(pan.last4 == "4242")
        #expect(pan.bin == "424242")
        #expect(pan.length == 16)
        #expect(pan.masked == "424242******4242")
        #expect(try PAN("4242424242424242") == pan)
    }

    /// Builds a Luhn-valid number of `length` digits starting with `prefix`.
    static func valid(_ prefix: String, length: Int) -> String {
        let partial = prefix + String(repeating: "1", count: length - 1 - prefix.count)
        return partial + String(PAN.luhnCheckDigit(for: partial))
    }

    @Test(arguments: [
        (12, "4111****1117"),
        (13, "4111*****1119"),
        (14, "411111****1114"),
        (15, "411111*****1116"),
        (16, "411111******1111"),
        (19, "411111*********1110"),
    ])
    func maskingByLength(length: Int, expected: String) throws {
        let pan = try PAN(Self.valid("4", length: length))
        #expect(pan.masked == expected)
        #expect(pan.masked.filter { $0 == "*" }.count >= 4)
        #expect(pan.length == length)
    }

    @Test(arguments: ["", "41111111111", "41111111111111111111", "4242-4242-4242-4242", "4242424242424242\n", "４２４２４２４２４２４２４２４２"])
    func rejectsMalformed(_ text: String) {
        let error = expectError(.invalidPAN) { try PAN(text) }
        #expect(error?.location == "pan")
    }

    @Test func rejectsLuhnFailureWithoutShowingTheNumber() throws {
        let error = try #require(expectError(.luhnCheckFailed) { try PAN("4242424242424241") })
        #expect(error.message.contains("424242******4241"))
        #expect(!error.message.contains("4242424242424241"))
        #expect(!error.description.contains("4242424242424241"))
    }
}
