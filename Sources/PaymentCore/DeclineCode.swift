/// Why an issuer (or Stripe) declined a card, as Stripe's `decline_code`; a value, not a thrown error.
public enum DeclineCode: String, Sendable, Codable, CaseIterable {
    /// The issuer declined without giving a reason.
    case genericDecline = "generic_decline"
    /// The account has too little money for the amount.
    case insufficientFunds = "insufficient_funds"
    /// The card was reported lost.
    case lostCard = "lost_card"
    /// The card was reported stolen.
    case stolenCard = "stolen_card"
    /// The card has expired.
    case expiredCard = "expired_card"
    /// The CVC is wrong.
    case incorrectCvc = "incorrect_cvc"
    /// Something failed while processing the card; retrying may work.
    case processingError = "processing_error"
    /// The card number is wrong (for example, it fails the Luhn check).
    case incorrectNumber = "incorrect_number"
    /// The issuer wants the cardholder to call them.
    case callIssuer = "call_issuer"
    /// The PIN is wrong (card readers only).
    case incorrectPin = "incorrect_pin"
    /// The cardholder has exceeded the balance or credit limit.
    case withdrawalCountLimitExceeded = "withdrawal_count_limit_exceeded"
    /// The allowed number of PIN tries was exceeded.
    case pinTryExceeded = "pin_try_exceeded"
    /// The card does not support this kind of purchase.
    case cardNotSupported = "card_not_supported"
    /// The issuer declined without giving a reason (ISO 05).
    case doNotHonor = "do_not_honor"
    /// The payment was declined as suspected fraud.
    case fraudulent = "fraudulent"
    /// The amount is invalid or above what the card allows.
    case invalidAmount = "invalid_amount"
    /// The card asks for an offline PIN (card readers only).
    case offlinePinRequired = "offline_pin_required"
    /// The card asks for a PIN, online or offline (card readers only).
    case onlineOrOfflinePinRequired = "online_or_offline_pin_required"
    /// The issuer requires authentication such as 3-D Secure.
    case authenticationRequired = "authentication_required"
    /// The card has exceeded its balance, credit or velocity limit.
    case cardVelocityExceeded = "card_velocity_exceeded"
    /// The card does not support the payment's currency.
    case currencyNotSupported = "currency_not_supported"
    /// The card or its account is invalid.
    case invalidAccount = "invalid_account"
    /// The CVC is invalid.
    case invalidCvc = "invalid_cvc"
    /// The expiry year is invalid.
    case invalidExpiryYear = "invalid_expiry_year"
    /// The card does not allow this transaction.
    case transactionNotAllowed = "transaction_not_allowed"
    /// The card's cryptogram (ARQC) did not verify: the card data was altered or the card is not genuine.
    case securityViolation = "security_violation"
    /// The same card cryptogram (ATC and ARQC) was already used: a replayed request.
    case duplicateTransaction = "duplicate_transaction"

    /// The top-level Stripe error `code`: the decline code itself for those Stripe reports that way (off-session
    /// payments that need the customer report `authentication_required`), "card_declined" for all others.
    public var stripeErrorCode: String {
        switch self {
        case .expiredCard, .incorrectCvc, .processingError, .incorrectNumber, .authenticationRequired: rawValue
        default: "card_declined"
        }
    }

    /// The customer-facing message Stripe returns in `error.message`.
    public var message: String {
        switch self {
        case .insufficientFunds: "Your card has insufficient funds."
        case .expiredCard: "Your card has expired."
        case .incorrectCvc: "Your card's security code is incorrect."
        case .processingError: "An error occurred while processing your card. Try again in a little bit."
        case .incorrectNumber: "Your card number is incorrect."
        case .incorrectPin: "The PIN you entered is incorrect. Try again."
        case .pinTryExceeded: "The allowed number of PIN tries was exceeded."
        case .cardNotSupported: "Your card does not support this type of purchase."
        case .currencyNotSupported: "Your card does not support this currency."
        case .invalidCvc: "Your card's security code is invalid."
        case .invalidExpiryYear: "Your card's expiration year is invalid."
        case .authenticationRequired: "Your card was declined. This transaction requires authentication."
        case .offlinePinRequired, .onlineOrOfflinePinRequired: "Your card was declined. Insert your card and enter your PIN."
        case .withdrawalCountLimitExceeded, .cardVelocityExceeded: "Your card has exceeded its limit. Try another card."
        case .callIssuer: "Your card was declined. Call your card issuer for details."
        case .invalidAmount: "Your card was declined. The amount is invalid for this card."
        case .duplicateTransaction: "Your card was declined. This transaction was already submitted."
        case .genericDecline, .lostCard, .stolenCard, .doNotHonor, .fraudulent, .invalidAccount, .transactionNotAllowed, .securityViolation:
            "Your card was declined."
        }
    }

    /// The ISO 8583 response code (field 39) an issuer sends for this decline; "00" means approved and has no case.
    public var isoResponseCode: String {
        switch self {
        case .genericDecline, .doNotHonor: "05"
        case .insufficientFunds: "51"
        case .lostCard: "41"
        case .stolenCard: "43"
        case .expiredCard, .invalidExpiryYear: "54"
        case .incorrectCvc, .invalidCvc: "N7"
        case .processingError: "96"
        case .incorrectNumber: "14"
        case .callIssuer: "01"
        case .incorrectPin: "55"
        case .withdrawalCountLimitExceeded: "65"
        case .pinTryExceeded: "75"
        case .cardNotSupported, .transactionNotAllowed, .currencyNotSupported: "57"
        case .fraudulent: "59"
        case .invalidAmount: "13"
        case .offlinePinRequired, .onlineOrOfflinePinRequired: "70"
        case .authenticationRequired: "1A"
        case .cardVelocityExceeded: "61"
        case .invalidAccount: "56"
        case .securityViolation: "63"
        case .duplicateTransaction: "94"
        }
    }

    /// The decline an ISO 8583 response code stands for; nil only for approvals (00, 08, 10, 11).
    ///
    /// Every other code is a decline, so unknown codes give `.genericDecline` rather than nil. Codes shared by
    /// several cases map to the most general one: 05 → generic_decline, 54 → expired_card, N7 → incorrect_cvc,
    /// 57 → transaction_not_allowed, 70 → online_or_offline_pin_required.
    public static func from(isoResponseCode: String) -> DeclineCode? {
        switch isoResponseCode.uppercased() {
        case "00", "08", "10", "11": nil
        case "01", "02": .callIssuer
        case "03", "12", "57", "58": .transactionNotAllowed
        case "13": .invalidAmount
        case "14", "15": .incorrectNumber
        case "33", "54": .expiredCard
        case "34", "59": .fraudulent
        case "38", "75": .pinTryExceeded
        case "41": .lostCard
        case "43": .stolenCard
        case "51": .insufficientFunds
        case "55": .incorrectPin
        case "56": .invalidAccount
        case "63": .securityViolation
        case "94": .duplicateTransaction
        case "61": .cardVelocityExceeded
        case "62": .cardNotSupported
        case "65": .withdrawalCountLimitExceeded
        case "70": .onlineOrOfflinePinRequired
        case "1A": .authenticationRequired
        case "82", "N7": .incorrectCvc
        case "06", "19", "91", "96": .processingError
        default: .genericDecline
        }
    }

    /// A short upper-case line (at most 20 characters) for a terminal screen; lost, stolen and fraud show "DECLINED".
    public var terminalText: String {
        switch self {
        case .genericDecline, .doNotHonor, .lostCard, .stolenCard, .fraudulent: "DECLINED"
        case .insufficientFunds: "INSUFFICIENT FUNDS"
        case .expiredCard: "CARD EXPIRED"
        case .incorrectCvc: "INCORRECT CVC"
        case .processingError: "PROCESSING ERROR"
        case .incorrectNumber: "INVALID CARD NUMBER"
        case .callIssuer: "CALL ISSUER"
        case .incorrectPin: "PIN INCORRECT"
        case .withdrawalCountLimitExceeded, .cardVelocityExceeded: "LIMIT EXCEEDED"
        case .pinTryExceeded: "PIN TRIES EXCEEDED"
        case .cardNotSupported: "CARD NOT SUPPORTED"
        case .invalidAmount: "INVALID AMOUNT"
        case .offlinePinRequired, .onlineOrOfflinePinRequired: "PIN REQUIRED"
        case .authenticationRequired: "AUTH REQUIRED"
        case .currencyNotSupported: "CURRENCY UNSUPPORTED"
        case .invalidAccount: "INVALID ACCOUNT"
        case .invalidCvc: "INVALID CVC"
        case .invalidExpiryYear: "INVALID EXPIRY"
        case .transactionNotAllowed: "NOT ALLOWED"
        case .securityViolation: "CARD NOT VERIFIED"
        case .duplicateTransaction: "DUPLICATE"
        }
    }
}
