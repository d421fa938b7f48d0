import Foundation
import PaymentCore

/// SEPA Direct Debit bank accounts (`type=sepa_debit`): the IBAN checked (`IBAN`), sealed in the vault and kept
/// only as its country, bank and branch codes, last four and fingerprint, with the account holder's name and e-mail.
enum SEPADebit {
    static func paymentMethod(iban: IBAN, name: String, email: String, vault: CardVault, now: Date,
                              metadata: [String: String] = [:]) throws -> PaymentMethodRecord {
        // A bank account has no expiry: month 1 of year 0 is stored because the table's CHECK (1–12) predates bank
        // accounts (SQLite cannot drop it, and other tables reference this one); it is never shown for sepa_debit.
        var method = PaymentMethodRecord(
            id: ObjectID.make("pm"), type: "sepa_debit", brand: "", last4: iban.last4, expMonth: 1, expYear: 0, funding: "",
            readMethod: nil, customer: nil, created: Int64(now.timeIntervalSince1970), metadata: metadata.jsonText,
            fingerprint: vault.fingerprint(iban), encryptedPan: try vault.seal(iban))
        method.country = iban.country
        method.bankCode = iban.bankCode
        method.branchCode = iban.branchCode
        method.billingName = name
        method.billingEmail = email
        return method
    }

    /// `sepa_debit[iban]`, `billing_details[name]` and `[email]` of a create (under `prefix`: `payment_method_data`
    /// in a payment intent), checked with Stripe's error code for a bad IBAN (`invalid_bank_account_iban`) and a
    /// message that says what is wrong with it.
    static func parse(_ params: inout FormParams, prefix: [String] = []) throws(APIError) -> (iban: IBAN, name: String, email: String) {
        func name(_ path: String...) -> String { FormParams.name(prefix + path) }
        let text = try params.requiredString(prefix + ["sepa_debit", "iban"])
        let iban: IBAN
        do throws(IBAN.Problem) { iban = try IBAN(text) } catch {
            throw APIError.invalidRequest("The IBAN you entered is invalid: \(error).", param: name("sepa_debit", "iban"), code: "invalid_bank_account_iban")
        }
        guard let holder = try params.string(prefix + ["billing_details", "name"]), !holder.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalidRequest("Missing required param: \(name("billing_details", "name")) (the account holder, for the SEPA mandate).",
                                          param: name("billing_details", "name"))
        }
        guard let email = try params.string(prefix + ["billing_details", "email"]), email.contains("@") else {
            throw APIError.invalidRequest("Missing required param: \(name("billing_details", "email")) (SEPA Direct Debit notifies the account holder by e-mail).",
                                          param: name("billing_details", "email"))
        }
        return (iban, String(holder.prefix(256)), String(email.prefix(512)))
    }
}
