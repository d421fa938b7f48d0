import Foundation
import PaymentCore

/// Card details sent with a request (`…[card][number]`, `[exp_month]`, `[exp_year]`, `[cvc]`), checked the way Stripe
/// checks them. The CVC is validated and then forgotten: it is never stored.
enum CardDetails {
    static func parse(_ params: inout FormParams, prefix: [String], now: Date) throws(APIError) -> CardInput {
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
