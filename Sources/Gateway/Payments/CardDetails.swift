import Foundation
import HTTPTypes
import PaymentCore

/// Card details sent with a request (`…[card][number]`, `[exp_month]`, `[exp_year]`, `[cvc]`), checked the way Stripe
/// checks them. The CVC is validated and then forgotten: it is never stored.
enum CardDetails {
    /// A Stripe test token (`tok_visa`, `tok_applePay` …: the `pm_card_…` test card of the same name), as Stripe.js
    /// and the wallets' payment sheets hand them to a shop's server.
    static func tokenized(_ token: String, catalog: TestCardCatalog, now: Date, param: String) throws(APIError) -> CardInput {
        guard token.hasPrefix("tok_"), let test = catalog.card(paymentMethodID: "pm_card_" + token.dropFirst(4)) else {
            throw APIError.invalidRequest("No such token: '\(token.prefix(64))'. vtpe knows Stripe's test tokens (tok_visa, tok_mastercard, tok_applePay, tok_googlePay …).",
                                          param: param, code: "resource_missing")
        }
        return try input(of: test, now: now)
    }

    /// A test card as card details: its number, expiring in December three years ahead (as Stripe's test ids do);
    /// the card whose number fails the Luhn check declines `incorrect_number`.
    static func input(of test: TestCard, now: Date) throws(APIError) -> CardInput {
        guard let pan = test.pan else { throw APIError.declined(.incorrectNumber, paymentIntent: nil, chargeID: nil) }
        guard let expiry = try? Expiry(month: 12, year: Expiry.utcYearMonth(now).year + 3) else {
            throw APIError(status: .internalServerError, kind: .apiError, message: "The test card's expiry could not be formed.")
        }
        return CardInput(pan: pan, expiry: expiry, readMethod: nil, existingMethodID: nil)
    }

    static func parse(_ params: inout FormParams, prefix: [String], catalog: TestCardCatalog, now: Date) throws(APIError) -> CardInput {
        if let token = try params.string(prefix + ["token"]) {
            for field in ["number", "exp_month", "exp_year", "cvc"] where params.has(prefix + [field]) {
                throw APIError.invalidRequest("Pass either \(FormParams.name(prefix + ["token"])) or the card's details, not both.",
                                              param: FormParams.name(prefix + [field]))
            }
            return try Self.tokenized(token, catalog: catalog, now: now, param: FormParams.name(prefix + ["token"]))
        }
        let number = try params.requiredString(prefix + ["number"])
        let monthText = try params.requiredString(prefix + ["exp_month"])
        let yearText = try params.requiredString(prefix + ["exp_year"])
        if let cvc = try params.string(prefix + ["cvc"]) {
            guard (3...4).contains(cvc.count), cvc.allSatisfy(\.isASCII), cvc.allSatisfy(\.isNumber) else {
                throw APIError(status: .paymentRequired402, kind: .cardError, code: "invalid_cvc",
                               message: "Your card's security code is invalid.", param: "cvc")
            }
        }
        let pan: PAN
        do { pan = try PAN(number) } catch {
            if error.code == .luhnCheckFailed { throw APIError.declined(.incorrectNumber, paymentIntent: nil, chargeID: nil) }
            throw APIError(status: .paymentRequired402, kind: .cardError, code: "invalid_number",
                           message: "The card number is not a valid credit card number.", param: "number")
        }
        guard let month = Int(monthText), (1...12).contains(month) else {
            throw APIError(status: .paymentRequired402, kind: .cardError, code: "invalid_expiry_month",
                           message: "Your card's expiration month is invalid.", param: "exp_month")
        }
        guard let year = Int(yearText), let expiry = try? Expiry(month: month, year: year),
              expiry.year <= Expiry.utcYearMonth(now).year + 50 else {
            throw APIError(status: .paymentRequired402, kind: .cardError, code: "invalid_expiry_year",
                           message: "Your card's expiration year is invalid.", param: "exp_year")
        }
        return CardInput(pan: pan, expiry: expiry, readMethod: nil, existingMethodID: nil)
    }
}
