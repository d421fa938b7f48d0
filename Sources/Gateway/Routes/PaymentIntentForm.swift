import Foundation
import HTTPTypes
import PaymentCore

/// The payment intent requests as Stripe's form encodes them, parsed into the lifecycle's requests
/// (Payments/IntentRequests.swift). Each parser takes the parameters it knows from `params`; the caller rejects
/// whatever is left.
extension IntentChanges {
    static func parse(_ params: inout FormParams, creating: Bool, catalog: TestCardCatalog, now: Date) throws(APIError) -> IntentChanges {
        var f = IntentChanges()
        f.amount = try params.integer("amount", range: 1...PaymentIntentLifecycle.maxAmount)
        f.tip = try params.integer(["amount_details", "tip", "amount"], range: 0...PaymentIntentLifecycle.maxAmount)
        f.currency = try params.currency()
        f.captureMethod = try params.captureMethod()
        if creating {
            f.confirmationMethod = try params.choice("confirmation_method", ConfirmationMethod.self, allowed: "automatic or manual")
        }
        f.description = try params.clearableText("description", max: 1000)
        f.statementDescriptor = try params.clearableText("statement_descriptor", max: 22)
        f.receiptEmail = try params.clearableText("receipt_email", max: 800)
        f.customer = try params.clearableText("customer", max: 255)
        f.setupFutureUsage = try params.setupFutureUsage()
        f.metadata = try params.metadata("metadata")
        f.clearsMetadata = params.has("metadata") && f.metadata?.isEmpty == true
        if let types = try params.stringList("payment_method_types") {
            for t in types where !["card", "card_present", "sepa_debit", "customer_balance"].contains(t) {
                throw APIError.invalidRequest("The payment method type \"\(t.prefix(40))\" is invalid. Supported here: card, card_present, sepa_debit, customer_balance.",
                                              param: "payment_method_types")
            }
            f.paymentMethodTypes = types
        }
        f.card = try CardSource.parse(&params, catalog: catalog, now: now)
        f.incrementalAuthorization = try params.incrementalAuthorization()
        return f
    }
}

extension IntentCreation {
    static func parse(_ params: inout FormParams, catalog: TestCardCatalog, now: Date) throws(APIError) -> IntentCreation {
        let changes = try IntentChanges.parse(&params, creating: true, catalog: catalog, now: now)
        guard let amount = changes.amount else { throw APIError.invalidRequest("Missing required param: amount.", param: "amount") }
        guard let currency = changes.currency else { throw APIError.invalidRequest("Missing required param: currency.", param: "currency") }
        let confirm = try params.bool("confirm") ?? false
        let options = try ConfirmOptions.parse(&params)
        params.allow("automatic_payment_methods", "payment_method_options[card]", "payment_method_options[sepa_debit]", "shipping", "expand")
        try params.rejectUnknown()
        return IntentCreation(amount: amount, currency: currency, changes: changes, confirm: confirm, options: options)
    }
}

extension IntentConfirmation {
    static func parse(_ params: inout FormParams, catalog: TestCardCatalog, now: Date) throws(APIError) -> IntentConfirmation {
        var c = IntentConfirmation()
        c.options = try ConfirmOptions.parse(&params)
        c.card = try CardSource.parse(&params, catalog: catalog, now: now)
        c.captureMethod = try params.captureMethod()
        c.receiptEmail = try params.string("receipt_email").map { $0.isEmpty ? nil : $0 }
        c.setupFutureUsage = try params.setupFutureUsage()
        c.incrementalAuthorization = try params.incrementalAuthorization()
        params.allow("payment_method_options[card]", "payment_method_options[sepa_debit]", "shipping", "expand", "use_stripe_sdk")
        try params.rejectUnknown()
        return c
    }
}

extension ConfirmOptions {
    static func parse(_ params: inout FormParams) throws(APIError) -> ConfirmOptions {
        var options = ConfirmOptions()
        if let text = try params.string("off_session") {
            switch text {
            case "true", "one_off", "recurring": options.offSession = true
            case "false": options.offSession = false
            default: throw APIError.invalidRequest("Invalid off_session: must be true, false, one_off or recurring.", param: "off_session")
            }
        }
        if let url = try params.string("return_url"), !url.isEmpty {
            guard let parsed = URL(string: url), let scheme = parsed.scheme, !scheme.isEmpty else {
                throw APIError.invalidRequest("Invalid URL: \(url.prefix(80)). return_url must be an absolute URL.", param: "return_url")
            }
            options.returnURL = url
        }
        options.mandateAcceptance = try MandateAcceptance.parse(&params)
        options.bankTransfer = try BankTransferRequest.parse(&params)
        if let mandate = try params.string("mandate"), !mandate.isEmpty { options.mandate = mandate }
        return options
    }
}

extension BankTransferRequest {
    /// `payment_method_options[customer_balance]`: `funding_type=bank_transfer`, `bank_transfer[type]=eu_bank_transfer`
    /// and `bank_transfer[eu_bank_transfer][country]`.
    static func parse(_ params: inout FormParams) throws(APIError) -> BankTransferRequest? {
        let prefix = ["payment_method_options", "customer_balance"]
        guard params.has(prefix) else { return nil }
        func check(_ path: [String], _ expected: String) throws(APIError) {
            let value = try params.requiredString(prefix + path)
            guard value == expected else {
                throw APIError.invalidRequest("Invalid \(FormParams.name(prefix + path)): must be \(expected).", param: FormParams.name(prefix + path))
            }
        }
        try check(["funding_type"], "bank_transfer")
        try check(["bank_transfer", "type"], "eu_bank_transfer")
        let countryPath = prefix + ["bank_transfer", "eu_bank_transfer", "country"]
        let country = try params.requiredString(countryPath)
        guard SEPACreditTransfer.countries.contains(country) else {
            throw APIError.invalidRequest("Invalid \(FormParams.name(countryPath)): must be one of \(SEPACreditTransfer.countries.joined(separator: ", ")).",
                                          param: FormParams.name(countryPath))
        }
        params.allow("payment_method_options[customer_balance][bank_transfer][requested_address_types]", "payment_method_options[customer_balance][setup_future_usage]")
        return BankTransferRequest(country: country)
    }
}

extension MandateAcceptance {
    /// `mandate_data[customer_acceptance]`: `type` online (with `online[ip_address]` and `online[user_agent]`) or
    /// offline, and `accepted_at`.
    static func parse(_ params: inout FormParams) throws(APIError) -> MandateAcceptance? {
        let prefix = ["mandate_data", "customer_acceptance"]
        guard params.has("mandate_data") else { return nil }
        let typeName = FormParams.name(prefix + ["type"])
        guard let kind = Kind(rawValue: try params.requiredString(prefix + ["type"])) else {
            throw APIError.invalidRequest("Invalid \(typeName): must be online or offline.", param: typeName)
        }
        var acceptance = MandateAcceptance(kind: kind)
        acceptance.acceptedAt = try params.integer(prefix + ["accepted_at"], range: 0...4_102_444_800)
        if kind == .online {
            acceptance.ipAddress = try params.requiredString(prefix + ["online", "ip_address"])
            acceptance.userAgent = try params.requiredString(prefix + ["online", "user_agent"])
        }
        return acceptance
    }
}

extension IntentCapture {
    static func parse(_ params: inout FormParams) throws(APIError) -> IntentCapture {
        let capture = IntentCapture(amount: try params.integer("amount_to_capture", range: 1...PaymentIntentLifecycle.maxAmount),
                                    metadata: try params.metadata("metadata"),
                                    statementDescriptor: try params.string("statement_descriptor"))
        params.allow("expand", "final_capture", "statement_descriptor_suffix")
        try params.rejectUnknown()
        return capture
    }
}

extension AuthorizationIncrement {
    static func parse(_ params: inout FormParams) throws(APIError) -> AuthorizationIncrement {
        guard let total = try params.integer("amount", range: 1...PaymentIntentLifecycle.maxAmount) else {
            throw APIError.invalidRequest("Missing required param: amount.", param: "amount")
        }
        let increment = AuthorizationIncrement(total: total, description: try params.clearableText("description", max: 1000),
                                               statementDescriptor: try params.clearableText("statement_descriptor", max: 22),
                                               metadata: try params.metadata("metadata"))
        params.allow("expand")
        try params.rejectUnknown()
        return increment
    }
}

extension CancellationReason {
    /// `cancellation_reason`, when sent; the rest of the form must be empty (but `expand`).
    static func parse(_ params: inout FormParams) throws(APIError) -> CancellationReason? {
        let reason = try params.choice("cancellation_reason", CancellationReason.self,
                                       allowed: "one of duplicate, fraudulent, requested_by_customer or abandoned")
        params.allow("expand")
        try params.rejectUnknown()
        return reason
    }
}

extension CardSource {
    /// The card of a create or confirm: `payment_method` (a test card id such as `pm_card_visa`, or a stored method),
    /// `payment_method_data[card]`, or (our extension) `payment_method_data[card_present]`.
    static func parse(_ params: inout FormParams, catalog: TestCardCatalog, now: Date) throws(APIError) -> CardSource? {
        if let pmID = try params.string("payment_method"), !pmID.isEmpty {
            guard let test = catalog.card(paymentMethodID: pmID) else {
                guard pmID.hasPrefix("pm_") else { throw APIError.missing("PaymentMethod", id: pmID, param: "payment_method") }
                return .stored(pmID)
            }
            return .input(try CardDetails.input(of: test, now: now))
        }
        guard let type = try params.string("payment_method_data", "type") else { return nil }
        switch type {
        case "card":
            return .input(try CardDetails.parse(&params, prefix: ["payment_method_data", "card"], catalog: catalog, now: now))
        case "card_present":
            return .cardPresent(try SealedCardPresent.parse(&params, now: now))
        case "sepa_debit":
            let account = try SEPADebit.parse(&params, prefix: ["payment_method_data"])
            return .sepaDebit(iban: account.iban, name: account.name, email: account.email)
        case "customer_balance":
            return .customerBalance
        default:
            throw APIError.invalidRequest("Invalid payment_method_data[type]: must be card, card_present, sepa_debit or customer_balance.",
                                          param: "payment_method_data[type]")
        }
    }
}

extension FormParams {
    /// A text field of at most `max` characters: absent, or set (nil when sent empty, to clear it).
    mutating func clearableText(_ name: String, max: Int) throws(APIError) -> String?? {
        guard let v = try string(name) else { return .none }
        guard v.count <= max else { throw APIError.invalidRequest("Invalid \(name): must be at most \(max) characters.", param: name) }
        return .some(v.isEmpty ? nil : v)
    }

    /// `currency`: a lower-case ISO 4217 code.
    mutating func currency() throws(APIError) -> Currency? {
        guard let code = try string("currency") else { return nil }
        guard code == code.lowercased(), let currency = try? Currency(code: code.uppercased()) else {
            throw APIError.invalidRequest("Invalid currency: \(code.prefix(10)). Stripe currencies are three-letter ISO codes in lower case.", param: "currency")
        }
        return currency
    }

    /// One of an enumeration's values; `allowed` words them for the error.
    mutating func choice<T: RawRepresentable>(_ name: String, _ type: T.Type, allowed: String) throws(APIError) -> T? where T.RawValue == String {
        guard let v = try string(name) else { return nil }
        guard let value = T(rawValue: v) else { throw APIError.invalidRequest("Invalid \(name): must be \(allowed).", param: name) }
        return value
    }

    mutating func captureMethod() throws(APIError) -> CaptureMethod? {
        try choice("capture_method", CaptureMethod.self, allowed: "one of automatic, automatic_async or manual")
    }

    /// `setup_future_usage`: absent, set, or sent empty to clear it.
    mutating func setupFutureUsage() throws(APIError) -> SetupFutureUsage?? {
        guard let v = try string("setup_future_usage") else { return .none }
        if v.isEmpty { return .some(nil) }
        guard let usage = SetupFutureUsage(rawValue: v) else {
            throw APIError.invalidRequest("Invalid setup_future_usage: must be on_session or off_session.", param: "setup_future_usage")
        }
        return .some(usage)
    }

    /// `payment_method_options[card_present][request_incremental_authorization_support]`, when sent.
    mutating func incrementalAuthorization() throws(APIError) -> Bool? {
        try bool("payment_method_options", "card_present", "request_incremental_authorization_support")
    }
}
