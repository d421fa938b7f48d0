import HTTPTypes
/// The lifecycle's refusals and declines in Stripe's words: status, type, code, message and parameter.
extension APIError {
    init(_ refusal: IntentRefusal) {
        switch refusal {
        case .unexpectedState(let action, let intent):
            self.init(status: .badRequest, kind: .invalidRequestError, code: "payment_intent_unexpected_state",
                      message: "You cannot \(action.verb) this PaymentIntent because it has a status of \(intent.status.rawValue). Only a PaymentIntent with one of the following statuses may be \(action.participle): \(action.allowedText).")
            paymentIntent = Render.paymentIntent(intent)
        case .missingPaymentMethod:
            self = .invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. Pass `payment_method` or `payment_method_data`.", param: "payment_method")
        case .missing(let object, let id, let param):
            self = .missing(object, id: id, param: param)
        case .paymentMethodOfAnotherCustomer(let methodID, let owner):
            self = .invalidRequest("The provided PaymentMethod \(methodID) is attached to customer \(owner); pass customer=\(owner) to use it.", param: "payment_method")
        case .amountNotMultipleOfTen(let currency):
            self = .invalidRequest("Invalid amount: \(currency) amounts must be multiples of 10 (three-decimal currency).", param: "amount")
        case .tipNotBelowAmount:
            self = .invalidRequest("Invalid amount_details[tip][amount]: the tip is part of amount and must be below it.", param: "amount_details[tip][amount]")
        case .tooManyMetadataKeys:
            self = .invalidRequest("Invalid metadata: must have at most \(Metadata.maxKeys) keys.", param: "metadata")
        case .invalidParameter(let message, let param):
            self = .invalidRequest(message, param: param)
        case .amountToCaptureTooLarge(let requested, let capturable):
            self = .invalidRequest("The amount_to_capture (\(requested)) is greater than the amount capturable on this PaymentIntent (\(capturable)).",
                                   param: "amount_to_capture", code: "amount_too_large")
        case .noAuthorizedCharge(let intentID, let toDo):
            self.init(status: .internalServerError, kind: .apiError, message: "The PaymentIntent \(intentID) has no authorized charge to \(toDo).")
        case .cardNoLongerOnFile(let intentID):
            self.init(status: .internalServerError, kind: .apiError, message: "The card of PaymentIntent \(intentID) is no longer on file.")
        case .incrementalAuthorizationUnsupported:
            self = .invalidRequest(
                "This PaymentIntent does not support incremental authorization: it needs a card_present payment with capture_method=manual, "
                    + "confirmed with payment_method_options[card_present][request_incremental_authorization_support]=true, "
                    + "by a Visa, Mastercard, American Express or Discover card.",
                code: "incremental_authorization_unsupported")
        case .incrementalAuthorizationAttemptsExhausted(let max):
            self = .invalidRequest("This PaymentIntent has had the maximum of \(max) incremental authorization attempts; capture it, or cancel it and authorize anew.",
                                   code: "incremental_authorization_unsupported")
        case .incrementNotAbove(let total, let current):
            self = .invalidRequest("Invalid amount: the new total (\(total)) must be greater than the currently authorized amount (\(current)).", param: "amount")
        case .debitSubmitted(let intent):
            self.init(status: .badRequest, kind: .invalidRequestError, code: "payment_intent_unexpected_state",
                      message: "You cannot cancel this PaymentIntent because it has a status of processing: its SEPA Direct Debit is with the customer's bank, whose answer ends it (POST /v1/vtpe/test_helpers/bank_clock/advance brings the answer sooner).")
            paymentIntent = Render.paymentIntent(intent)
        }
    }

    /// The 402 of a declined card, with the intent as it was left.
    init(_ decline: IntentDecline, intent: PaymentIntentRecord) {
        self = .declined(decline.code, paymentIntent: Render.paymentIntent(intent), chargeID: decline.chargeID)
    }
}

extension IntentOutcome {
    /// The intent, or the decline (402) that embeds it.
    func intentOrDecline() throws(APIError) -> PaymentIntentRecord {
        if let decline { throw APIError(decline, intent: intent) }
        return intent
    }
}

extension IntentAction {
    var verb: String {
        switch self {
        case .update: "update"
        case .confirm: "confirm"
        case .authenticate: "authenticate"
        case .capture: "capture"
        case .cancel: "cancel"
        case .incrementAuthorization: "increment the authorization of"
        case .process: "process"
        }
    }

    var participle: String {
        switch self {
        case .cancel: "canceled"
        case .incrementAuthorization: "incremented"
        default: verb + "d"
        }
    }

    /// The statuses allowed, as the messages have always listed them.
    var allowedText: String {
        switch self {
        case .update, .confirm: "requires_payment_method, requires_confirmation, or requires_action"
        case .cancel: "requires_payment_method, requires_capture, requires_confirmation, requires_action or processing"
        case .process: "requires_payment_method or requires_confirmation"
        case .authenticate, .capture, .incrementAuthorization: allowed.map(\.rawValue).joined(separator: ", ")
        }
    }
}
