/// What a payment intent request asks that the lifecycle refuses, decided before anything is written. The HTTP layer
/// turns each into Stripe's error (`APIError(_: IntentRefusal)`, in Routes).
enum IntentRefusal: Error, Equatable {
    /// The intent's status does not allow the action.
    case unexpectedState(IntentAction, PaymentIntentRecord)
    /// A confirmation without a card.
    case missingPaymentMethod
    /// An object the request names does not exist (`param` is the parameter that named it).
    case missing(object: String, id: String, param: String)
    /// A stored payment method attached to another customer than the intent's.
    case paymentMethodOfAnotherCustomer(methodID: String, owner: String)
    /// An amount of a three-decimal currency that is not a multiple of 10.
    case amountNotMultipleOfTen(currency: String)
    case tipNotBelowAmount
    case tooManyMetadataKeys
    /// A parameter's value breaks a rule of the object (a malformed terminal batch tag in the metadata).
    case invalidParameter(message: String, param: String)
    case amountToCaptureTooLarge(requested: Int64, capturable: Int64)
    /// The intent should have a charge and has none (an inconsistent store).
    case noAuthorizedCharge(intentID: String, toDo: String)
    /// The card of an authorized intent is no longer on file.
    case cardNoLongerOnFile(intentID: String)
    case incrementalAuthorizationUnsupported
    case incrementalAuthorizationAttemptsExhausted(max: Int64)
    case incrementNotAbove(total: Int64, current: Int64)
    /// A cancel of an intent whose SEPA debit is with the bank: only its answer ends it.
    case debitSubmitted(PaymentIntentRecord)
}

/// What was asked of an intent, for `IntentRefusal.unexpectedState`: the statuses that allow it, as Stripe words them.
enum IntentAction: Equatable {
    case update, confirm, authenticate, capture, cancel, incrementAuthorization
    /// A terminal reader's `process_payment_intent`.
    case process

    var allowed: [PaymentIntentStatus] {
        switch self {
        case .update, .confirm: PaymentIntentStatus.mutable
        case .authenticate: [.requiresAction]
        case .capture, .incrementAuthorization: [.requiresCapture]
        case .cancel: PaymentIntentStatus.cancelable
        case .process: [.requiresPaymentMethod, .requiresConfirmation]
        }
    }

    func allows(_ status: PaymentIntentStatus) -> Bool { allowed.contains(status) }
}
