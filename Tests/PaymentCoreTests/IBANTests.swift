import Testing
@testable import PaymentCore

/// IBANs: Stripe's SEPA test IBANs and the registry's examples pass; each kind of bad input is named.
@Suite struct IBANTests {
    @Test(arguments: [
        "AT611904300234573201", "AT321904300235473204", "AT861904300235473202", "BE62510007547061", "HR7624020064583467589",
        "EE382200221020145685", "FI2112345600000785", "FR1420041010050500013M02606", "FR3020041010050500013M02609",
        "DE89370400440532013000", "DE62370400440532013001", "DE35370400440532013002", "GI60MPFS599327643783385",
        "GB29NWBK60161331926819", "NL91ABNA0417164300", "ES9121000418450200051332", "IT60X0542811101000000123456",
    ])
    func validIBANs(text: String) throws {
        let iban = try IBAN(text)
        #expect(iban.revealDigits() == text && iban.last4 == String(text.suffix(4)) && iban.country == String(text.prefix(2)))
        #expect(!iban.description.contains(String(text.dropFirst(4).dropLast(4))))
    }

    @Test func partsAndMasking() throws {
        let de = try IBAN("de89 3704 0044 0532 0130 00")
        #expect(de.revealDigits() == "DE89370400440532013000" && de.bankCode == "37040044" && de.branchCode == nil)
        #expect(de.masked == "DE89 **** **** **** **30 00" && "\(de)" == de.masked)
        let fr = try IBAN("FR1420041010050500013M02606")
        #expect(fr.bankCode == "20041" && fr.branchCode == "01005" && fr.last4 == "2606")
        #expect(try IBAN("IT60X0542811101000000123456").bankCode == "05428")
    }

    @Test func badIBANsAreNamed() {
        #expect(throws: IBAN.Problem.checksum) { try IBAN("DE89370400440532013001") }
        #expect(throws: IBAN.Problem.wrongLength(country: "DE", expected: 22, got: 21)) { try IBAN("DE8937040044053201300") }
        #expect(throws: IBAN.Problem.unknownCountry("US")) { try IBAN("US89370400440532013000") }
        #expect(throws: IBAN.Problem.badCharacters) { try IBAN("DE89-3704-0044") }
        #expect(throws: IBAN.Problem.badCharacters) { try IBAN("") }
        #expect(throws: IBAN.Problem.badCharacters) { try IBAN("DÉ89370400440532013000") }
        #expect(IBAN.Problem.wrongLength(country: "FR", expected: 27, got: 26).description == "an IBAN of FR has 27 characters, not 26")
    }
}
