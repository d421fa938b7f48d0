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

    /// `sepa_debit[iban]`, `billing_details[name]` and `[email]` of a create, checked with Stripe's error code for a
    /// bad IBAN (`invalid_bank_account_iban`) and a message that says what is wrong with it.
    static func parse(_ params: inout FormParams) throws(APIError) -> (iban: IBAN, name: String, email: String) {
        let text = try params.requiredString("sepa_debit", "iban")
        let iban: IBAN
        do throws(IBAN.Problem) { iban = try IBAN(text) } catch {
            throw APIError.invalidRequest("The IBAN you entered is invalid: \(error).", param: "sepa_debit[iban]", code: "invalid_bank_account_iban")
        }
        guard let name = try params.string("billing_details", "name"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalidRequest("Missing required param: billing_details[name] (the account holder, for the SEPA mandate).",
                                          param: "billing_details[name]")
        }
        guard let email = try params.string("billing_details", "email"), email.contains("@") else {
            throw APIError.invalidRequest("Missing required param: billing_details[email] (SEPA Direct Debit notifies the account holder by e-mail).",
                                          param: "billing_details[email]")
        }
        return (iban, String(name.prefix(256)), String(email.prefix(512)))
    }
}
