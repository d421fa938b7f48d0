import CaisseAP
import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// What a till's request becomes on the terminal and the answer each ending makes, exactly.
@Suite struct CaisseAPTransactionTests {
    static let request = try! CaisseAPRequest.parse(try! CaisseAPMessage.decode(Array("CZ0040300CJ012012345678901CA00201CE003978BA0010CD0010CB0041234".utf8)))

    static func result(_ outcome: AuthorizationResult, card: CardSummary) -> TransactionResult {
        TransactionResult(amount: Money(minorUnits: 1234, currency: .eur), card: card, stan: 7, outcome: outcome, date: Date(timeIntervalSince1970: 0),
                          receipt: Receipt(width: 24, lines: []))
    }

    static func text(_ answer: CaisseAPAnswer) throws -> String { String(decoding: try answer.message.encoded(), as: UTF8.self) }

    @Test func aDebitIsASaleAndACreditARefundInTheTerminalsCurrencyOnly() throws {
        #expect(try CaisseAPTransaction.operation(for: Self.request, currency: .eur) == .sale(amount: Money(minorUnits: 1234, currency: .eur), tip: nil))
        var credit = Self.request
        credit.operation = .credit
        #expect(try CaisseAPTransaction.operation(for: credit, currency: .eur) == .refund(amount: Money(minorUnits: 1234, currency: .eur), of: nil))
        #expect(throws: CaisseAPRefusal(.currencyNotSupported, "this terminal takes GBP (826), not EUR")) {
            try CaisseAPTransaction.operation(for: Self.request, currency: .gbp)
        }
        var unknown = Self.request
        unknown.currencyNumber = "999"
        #expect(throws: CaisseAPRefusal(.currencyNotSupported, "CE 999 is not an ISO 4217 currency vtpe knows")) {
            try CaisseAPTransaction.operation(for: unknown, currency: .eur)
        }
    }

    @Test func eachEndingHasItsAnswer() throws {
        let echo = "CZ0040300CJ012012345678901CA00201CE003978BA0010CD0010CB0041234"
        let pan = try PAN("4000002500001001")
        let tapped = CardSummary(pan: pan, entryMode: .contactless, expiry: try Expiry(month: 12, year: 2029), aid: [0xA0, 0, 0, 0, 0x42, 0x10, 0x10])
        let approved = CaisseAPTransaction.answer(to: Self.request, .finished(Self.result(.approved(paymentIntentID: "pi_1", authorizationCode: "123456"), card: tapped)))
        #expect(try Self.text(approved) == echo + "AE00210AC006123456AA016400000######1001AB0042912AI014A0000000421010CC00300BCI0012")
        // A swipe has no AID; Amex has its own application codes.
        let swiped = CardSummary(pan: try PAN("378282246310005"), entryMode: .magstripe, expiry: try Expiry(month: 1, year: 2030))
        let amex = CaisseAPTransaction.answer(to: Self.request, .finished(Self.result(.approvedOffline(authorizationCode: "Y3"), card: swiped)))
        #expect(try Self.text(amex) == echo + "AE00210AC002Y3AA015378282#####0005AB0043001CC003002CI0013")
        let declined = CaisseAPTransaction.answer(to: Self.request, .finished(Self.result(.declined(.insufficientFunds, message: "no", paymentIntentID: nil), card: tapped)))
        #expect(try Self.text(declined) == echo + "AE00201AF00204")
        let failed = CaisseAPTransaction.answer(to: Self.request, .finished(Self.result(.failed(.timeout), card: tapped)))
        #expect(try Self.text(failed) == echo + "AE00201AF00207")
        #expect(try Self.text(CaisseAPTransaction.answer(to: Self.request, .operatorAbandon)) == echo + "AE00201AF00211")
        #expect(try Self.text(CaisseAPTransaction.answer(to: Self.request, .inputTimeout)) == echo + "AE00201AF00208")
        #expect(try Self.text(CaisseAPTransaction.answer(to: Self.request, .refused("busy"))) == echo + "AE00201AF00205")
    }
}
