import PaymentCore

/// The simulated banks behind SEPA Direct Debit, pure: how the debit of an account ends and how long after its
/// submission the bank answers, by IBAN. Stripe's test IBANs (Austrian, German and French) give Stripe's outcomes;
/// every other valid IBAN is paid. Times are on the bank clock (`BankClock`), which tests move forward.
enum SEPABank {
    /// How a debit ends.
    enum Outcome: Equatable, Sendable {
        case paid
        /// Returned unpaid with this failure code (Stripe's bank-debit codes).
        case failed(code: String)
        /// Paid, then disputed by the account holder at once (SEPA disputes cannot be contested: lost).
        case disputed
    }

    struct Answer: Equatable, Sendable {
        var outcome: Outcome
        /// Seconds between the submission and the answer.
        var delay: Int64
    }

    /// Stripe's "after at least three minutes" accounts.
    static let delayed: Int64 = 180

    static func answer(for iban: IBAN) -> Answer {
        testAccounts[iban.revealDigits()] ?? Answer(outcome: .paid, delay: 0)
    }

    /// What each bank-debit failure code says (the charge's `failure_message`).
    static func message(for code: String) -> String {
        switch code {
        case "insufficient_funds": "The customer's account has insufficient funds to cover this payment."
        case "charge_exceeds_source_limit": "This payment would exceed the weekly volume limit of the customer's account."
        case "charge_exceeds_weekly_limit": "The payment amount exceeds the account's transaction volume limit."
        default: "The customer's bank could not process this payment (it was returned unpaid)."
        }
    }

    private static let testAccounts: [String: Answer] = {
        let failed = Outcome.failed(code: "generic_could_not_process")
        var table: [String: Answer] = [:]
        // Success, success after three minutes, failure, failure after three minutes, dispute — per country.
        for (paid, paidLater, fails, failsLater, disputed) in [
            ("AT611904300234573201", "AT321904300235473204", "AT861904300235473202", "AT051904300235473205", "AT591904300235473203"),
            ("DE89370400440532013000", "DE08370400440532013003", "DE62370400440532013001", "DE78370400440532013004", "DE35370400440532013002"),
            ("FR1420041010050500013M02606", "FR3020041010050500013M02609", "FR8420041010050500013M02607", "FR7920041010050500013M02600",
             "FR5720041010050500013M02608"),
        ] {
            table[paid] = Answer(outcome: .paid, delay: 0)
            table[paidLater] = Answer(outcome: .paid, delay: delayed)
            table[fails] = Answer(outcome: failed, delay: 0)
            table[failsLater] = Answer(outcome: failed, delay: delayed)
            table[disputed] = Answer(outcome: .disputed, delay: 0)
        }
        table["AT981904300000343434"] = Answer(outcome: .failed(code: "charge_exceeds_source_limit"), delay: 0)
        table["AT601904300000121212"] = Answer(outcome: .failed(code: "charge_exceeds_weekly_limit"), delay: 0)
        table["AT981904300002222227"] = Answer(outcome: .failed(code: "insufficient_funds"), delay: 0)
        return table
    }()
}
