import Foundation
import Testing
import PaymentCore

@Suite("DeclineCode")
struct DeclineCodeTests {
    @Test func rawValuesAreStripeDeclineCodes() {
        let expected: Set = [
            "generic_decline", "insufficient_funds", "lost_card", "stolen_card", "expired_card", "incorrect_cvc",
            "processing_error", "incorrect_number", "call_issuer", "incorrect_pin", "withdrawal_count_limit_exceeded",
            "pin_try_exceeded", "card_not_supported", "do_not_honor", "fraudulent", "invalid_amount", "offline_pin_required",
            "online_or_offline_pin_required", "authentication_required", "card_velocity_exceeded", "currency_not_supported",
            "invalid_account", "invalid_cvc", "invalid_expiry_year", "transaction_not_allowed", "security_violation",
            "duplicate_transaction",
        ]
        #expect(Set(DeclineCode.allCases.map(\.rawValue)) == expected)
        #expect(DeclineCode.allCases.count == expected.count)
        #expect(DeclineCode(rawValue: "withdrawal_count_limit_exceeded") == .withdrawalCountLimitExceeded)
    }

    @Test(arguments: [
        (DeclineCode.genericDecline, "card_declined", "05"),
        (.insufficientFunds, "card_declined", "51"),
        (.lostCard, "card_declined", "41"),
        (.stolenCard, "card_declined", "43"),
        (.expiredCard, "expired_card", "54"),
        (.incorrectCvc, "incorrect_cvc", "N7"),
        (.processingError, "processing_error", "96"),
        (.incorrectNumber, "incorrect_number", "14"),
        (.callIssuer, "card_declined", "01"),
        (.incorrectPin, "card_declined", "55"),
        (.withdrawalCountLimitExceeded, "card_declined", "65"),
        (.pinTryExceeded, "card_declined", "75"),
        (.doNotHonor, "card_declined", "05"),
        (.fraudulent, "card_declined", "59"),
        (.invalidAmount, "card_declined", "13"),
        (.transactionNotAllowed, "card_declined", "57"),
        (.cardNotSupported, "card_declined", "57"),
        (.securityViolation, "card_declined", "63"),
        (.duplicateTransaction, "card_declined", "94"),
    ])
    func stripeAndISOCodes(code: DeclineCode, stripeCode: String, iso: String) {
        #expect(code.stripeErrorCode == stripeCode)
        #expect(code.isoResponseCode == iso)
    }

    @Test(arguments: DeclineCode.allCases)
    func isoMappingRoundTrips(_ code: DeclineCode) throws {
        let back = try #require(DeclineCode.from(isoResponseCode: code.isoResponseCode))
        #expect(back.isoResponseCode == code.isoResponseCode)
    }

    @Test func isoCodesWithOneMeaningMapBackExactly() {
        let shared = Dictionary(grouping: DeclineCode.allCases, by: \.isoResponseCode).filter { $0.value.count == 1 }
        #expect(shared.count >= 14)
        for (iso, codes) in shared {
            #expect(DeclineCode.from(isoResponseCode: iso) == codes[0], "\(iso)")
        }
        #expect(DeclineCode.from(isoResponseCode: "05") == .genericDecline)
        #expect(DeclineCode.from(isoResponseCode: "n7") == .incorrectCvc)
    }

    @Test func approvalsAreNotDeclines() {
        for approved in ["00", "08", "10", "11"] {
            #expect(DeclineCode.from(isoResponseCode: approved) == nil)
        }
        #expect(DeclineCode.from(isoResponseCode: "Q9") == .genericDecline)
        #expect(DeclineCode.from(isoResponseCode: "") == .genericDecline)
    }

    @Test func stripeMessages() {
        #expect(DeclineCode.genericDecline.message == "Your card was declined.")
        #expect(DeclineCode.insufficientFunds.message == "Your card has insufficient funds.")
        #expect(DeclineCode.expiredCard.message == "Your card has expired.")
        #expect(DeclineCode.incorrectCvc.message == "Your card's security code is incorrect.")
        #expect(DeclineCode.processingError.message == "An error occurred while processing your card. Try again in a little bit.")
        #expect(DeclineCode.incorrectNumber.message == "Your card number is incorrect.")
        #expect(DeclineCode.lostCard.message == "Your card was declined.")  // never tells the customer the card is flagged
        for code in DeclineCode.allCases {
            #expect(code.message.hasSuffix("."), "\(code)")
        }
    }

    @Test(arguments: DeclineCode.allCases)
    func terminalTextFitsTheScreen(_ code: DeclineCode) {
        #expect(!code.terminalText.isEmpty)
        #expect(code.terminalText.count <= 20)
        #expect(code.terminalText == code.terminalText.uppercased())
    }

    @Test func terminalTexts() {
        #expect(DeclineCode.insufficientFunds.terminalText == "INSUFFICIENT FUNDS")
        #expect(DeclineCode.genericDecline.terminalText == "DECLINED")
        #expect(DeclineCode.expiredCard.terminalText == "CARD EXPIRED")
        #expect(DeclineCode.incorrectPin.terminalText == "PIN INCORRECT")
        #expect(DeclineCode.callIssuer.terminalText == "CALL ISSUER")
        #expect(DeclineCode.stolenCard.terminalText == "DECLINED")
    }

    @Test func codable() throws {
        let data = try JSONEncoder().encode([DeclineCode.insufficientFunds])
        #expect(String(decoding: data, as: UTF8.self) == #"["insufficient_funds"]"#)
    }
}
