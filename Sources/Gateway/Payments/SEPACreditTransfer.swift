import Crypto
import Foundation
import PaymentCore

/// Where a customer pays by SEPA credit transfer (virement): a virtual IBAN of the shop's account, one per customer
/// and country, derived from the customer's id (the same customer always gets the same IBAN, and no table is
/// needed), with valid check digits. The bank and BIC are the simulator's own, never a real bank's.
enum SEPACreditTransfer {
    /// The countries Stripe gives EU bank transfer IBANs in.
    static let countries = ["BE", "DE", "ES", "FR", "IE", "NL"]
    static let accountHolder = "vtpe test merchant"

    /// The virtual IBAN of `customer` in `country` (one of `countries`).
    static func iban(customer: String, country: String) -> IBAN {
        let digits = Array(SHA256.hash(data: Data("\(customer):\(country)".utf8))).map { String($0 % 10) }.joined()
        func take(_ n: Int, from offset: Int = 0) -> String { String(digits.dropFirst(offset).prefix(n)) }
        // Each country's BBAN layout (IBAN registry), with the simulator's bank code where there is one.
        let bban = switch country {
        case "BE": "999" + take(9)
        case "DE": "99999999" + take(10)
        case "ES": "9999" + take(16)
        case "IE": "VTPE" + "999999" + take(8)
        case "NL": "VTPE" + take(10)
        default: "99999" + take(18)
        }
        // ISO 7064 mod 97-10: the check digits that make the whole number ≡ 1 (mod 97).
        let rearranged = (bban + country + "00").map { c -> String in
            c.isLetter ? String(Int(c.asciiValue! - 55)) : String(c)
        }.joined()
        let remainder = rearranged.reduce(0) { ($0 * 10 + Int(String($1))!) % 97 }
        let check = String(format: "%02d", 98 - remainder)
        do { return try IBAN(country + check + bban) } catch {
            preconditionFailure("a virtual IBAN of \(country) is not valid: \(error)")
        }
    }

    /// The simulator bank's BIC for `country`.
    static func bic(country: String) -> String { "VTPE\(country)PPXXX" }
}

extension PaymentMethodRecord {
    /// A `customer_balance` method: no account data, only the customer whose balance pays (a bank account has no
    /// last four or expiry here: the columns hold placeholders the API never shows for this type).
    static func customerBalance(customer: String?, now: Date) -> PaymentMethodRecord {
        PaymentMethodRecord(id: ObjectID.make("pm"), type: "customer_balance", brand: "", last4: "0000", expMonth: 1, expYear: 0, funding: "",
                            readMethod: nil, customer: customer, created: Int64(now.timeIntervalSince1970), metadata: "{}",
                            fingerprint: nil, encryptedPan: nil)
    }
}

/// `payment_method_options[customer_balance]`: a bank transfer into a virtual IBAN of `country`.
struct BankTransferRequest: Sendable, Equatable {
    var country: String
}

/// The `next_action` of an intent waiting for a bank transfer: the virtual IBAN, the reference to quote and what is
/// still to pay.
enum BankTransferInstructions {
    static func next(_ transfer: BankTransferRecord) -> JSONValue {
        let iban = SEPACreditTransfer.iban(customer: transfer.customer, country: transfer.country)
        let address: JSONValue = .object([
            ("iban", .object([("account_holder_name", .string(SEPACreditTransfer.accountHolder)),
                              ("bic", .string(SEPACreditTransfer.bic(country: transfer.country))),
                              ("country", .string(transfer.country)), ("iban", .string(iban.revealDigits()))])),
            ("supported_networks", .array(["sepa"])),
            ("type", "iban"),
        ])
        return .object([
            ("type", "display_bank_transfer_instructions"),
            ("display_bank_transfer_instructions", .object([
                ("amount_remaining", .int(transfer.amountRemaining)), ("currency", .string(transfer.currency)),
                ("financial_addresses", .array([address])), ("hosted_instructions_url", .null),
                ("reference", .string(transfer.reference)), ("type", "eu_bank_transfer"),
            ])),
        ])
    }
}
