import Foundation
import PaymentCore

/// The card a confirm carries, parsed from `payment_method`, `payment_method_data[card]` or (card-present, our
/// extension) `payment_method_data[card_present][vtpe_track2]`.
struct CardInput: Sendable {
    var pan: PAN
    var expiry: Expiry
    var readMethod: String?
    var existingMethodID: String?

    var isCardPresent: Bool { readMethod != nil }
}

/// Creates (and optionally confirms) a payment intent: parameters in, rows and a Stripe response out.
struct PaymentIntentCreate {
    let store: any PaymentStore
    let issuer: IssuerSimulator
    let catalog: TestCardCatalog
    let vault: CardVault

    static let maxAmount: Int64 = 99_999_999

    func callAsFunction(_ params: inout FormParams, now: Date) async throws -> JSONValue {
        let amount = try params.integer("amount", range: 1...Self.maxAmount)
        guard let amount else { throw APIError.invalidRequest("Missing required param: amount.", param: "amount") }
        let currencyCode = try params.requiredString("currency")
        let currency: Currency
        do { currency = try Currency(code: currencyCode) } catch {
            throw APIError.invalidRequest("Invalid currency: \(currencyCode.prefix(10)). Stripe currencies are three-letter ISO codes in lower case.", param: "currency")
        }
        if currency.exponent == 3, amount % 10 != 0 {
            throw APIError.invalidRequest("Invalid amount: \(currency.code.lowercased()) amounts must be multiples of 10 (three-decimal currency).", param: "amount")
        }
        let captureMethod = try params.string("capture_method") ?? "automatic"
        guard ["automatic", "automatic_async", "manual"].contains(captureMethod) else {
            throw APIError.invalidRequest("Invalid capture_method: must be one of automatic, automatic_async or manual.", param: "capture_method")
        }
        let confirmationMethod = try params.string("confirmation_method") ?? "automatic"
        guard ["automatic", "manual"].contains(confirmationMethod) else {
            throw APIError.invalidRequest("Invalid confirmation_method: must be automatic or manual.", param: "confirmation_method")
        }
        let confirm = try params.bool("confirm") ?? false
        let description = try params.string("description")
        let statementDescriptor = try params.string("statement_descriptor")
        let receiptEmail = try params.string("receipt_email")
        let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }
        var types = try params.stringList("payment_method_types") ?? []
        var card: CardInput?
        switch try parseCard(&params, now: now) {
        case .input(let input)?: card = input
        case .stored(let id)?: card = try await storedCard(id)
        case nil: card = nil
        }
        if types.isEmpty { types = [card?.isCardPresent == true ? "card_present" : "card"] }
        for t in types where !["card", "card_present"].contains(t) {
            throw APIError.invalidRequest("The payment method type \"\(t.prefix(40))\" is invalid. Supported here: card, card_present.", param: "payment_method_types")
        }
        _ = try params.string("customer").map { _ in
            throw APIError.invalidRequest("Customers are not supported by this gateway version yet.", param: "customer")
        }
        let expand = try params.stringList("expand") ?? []
        params.allow("return_url", "off_session", "setup_future_usage", "automatic_payment_methods", "payment_method_options")
        try params.rejectUnknown()

        if confirm && card == nil {
            throw APIError.invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. Pass `payment_method` or `payment_method_data`.", param: "payment_method")
        }
        let money = Money(minorUnits: amount, currency: currency)
        let created = Int64(now.timeIntervalSince1970)
        let intentID = ObjectID.make("pi")
        var method: PaymentMethodRecord?
        if let card {
            if let existing = card.existingMethodID, try await store.paymentMethod(id: existing) != nil {
                method = nil
            } else {
                method = PaymentMethodRecord(
                    id: card.existingMethodID ?? ObjectID.make("pm"),
                    type: card.isCardPresent ? "card_present" : "card",
                    brand: card.pan.brand.rawValue, last4: card.pan.last4,
                    expMonth: Int64(card.expiry.month), expYear: Int64(card.expiry.year),
                    funding: "credit", readMethod: card.readMethod, customer: nil, created: created, metadata: "{}",
                    fingerprint: vault.fingerprint(card.pan), encryptedPan: try vault.seal(card.pan))
            }
        }
        var intent = PaymentIntentRecord(
            id: intentID, amount: amount, currency: currency.code.lowercased(), status: "requires_payment_method",
            captureMethod: captureMethod, confirmationMethod: confirmationMethod,
            clientSecret: intentID + "_secret_" + ObjectID.make("x").dropFirst(2),
            created: created, description: description, customer: nil,
            paymentMethod: card.map { $0.existingMethodID ?? method!.id },
            paymentMethodTypes: types.joined(separator: ","), metadata: metadata.jsonText,
            latestCharge: nil, lastPaymentError: nil, amountCapturable: 0, amountReceived: 0,
            canceledAt: nil, cancellationReason: nil, statementDescriptor: statementDescriptor, receiptEmail: receiptEmail)
        if card != nil && !confirm { intent.status = "requires_confirmation" }

        guard confirm, let card else {
            try await store.recordPayment(method: method, intent: intent, charge: nil)
            return Render.paymentIntent(intent)
        }
        _ = expand

        let decision = issuer.authorize(AuthorizationInput(pan: card.pan, expiry: card.expiry, amount: money, cardPresent: card.isCardPresent), now: now)
        var charge: ChargeRecord?
        var decline: DeclineCode?
        switch decision {
        case .requiresAuthentication:
            intent.status = "requires_action"
        case .approved(let authCode):
            let manual = captureMethod == "manual"
            intent.status = manual ? "requires_capture" : "succeeded"
            intent.amountCapturable = manual ? amount : 0
            intent.amountReceived = manual ? 0 : amount
            charge = makeCharge(intent: intent, card: card, method: intent.paymentMethod, created: created,
                                approved: true, captured: !manual, authCode: authCode, decline: nil)
        case .declined(let code):
            decline = code
            charge = makeCharge(intent: intent, card: card, method: intent.paymentMethod, created: created,
                                approved: false, captured: false, authCode: nil, decline: code)
            intent.status = "requires_payment_method"
        }
        intent.latestCharge = charge?.id
        if let decline {
            var lastError = APIError.declined(decline, paymentIntent: nil, chargeID: charge?.id).body["error"] ?? .null
            lastError.set("payment_method", .object([("id", .string(intent.paymentMethod)), ("object", "payment_method"), ("type", .string(card.isCardPresent ? "card_present" : "card"))]))
            intent.lastPaymentError = lastError.compactText
            // Stripe detaches the failed method from the intent.
            intent.paymentMethod = nil
        }
        try await store.recordPayment(method: method, intent: intent, charge: charge)
        let rendered = Render.paymentIntent(intent, latestCharge: expand.contains("latest_charge") ? charge.map(Render.charge) : nil)
        if let decline {
            throw APIError.declined(decline, paymentIntent: rendered, chargeID: charge?.id)
        }
        return rendered
    }

    /// Where the card comes from: details in this request, or a stored payment method.
    enum CardSource {
        case input(CardInput)
        case stored(String)
    }

    /// A stored payment method, its number opened from the vault.
    private func storedCard(_ id: String) async throws -> CardInput {
        guard let record = try await store.paymentMethod(id: id), let sealed = record.encryptedPan else {
            throw APIError.missing("PaymentMethod", id: id, param: "payment_method")
        }
        let pan = try vault.open(sealed)
        let expiry = try Expiry(month: Int(record.expMonth), year: Int(record.expYear))
        return CardInput(pan: pan, expiry: expiry, readMethod: record.readMethod, existingMethodID: record.id)
    }

    private func parseCard(_ params: inout FormParams, now: Date) throws(APIError) -> CardSource? {
        if let pmID = try params.string("payment_method") {
            guard let test = catalog.card(paymentMethodID: pmID) else {
                guard pmID.hasPrefix("pm_") else { throw APIError.missing("PaymentMethod", id: pmID, param: "payment_method") }
                return .stored(pmID)
            }
            guard let pan = test.pan else {
                throw APIError.declined(.incorrectNumber, paymentIntent: nil, chargeID: nil)
            }
            let year = Calendar(identifier: .gregorian).component(.year, from: now) + 3
            return .input(CardInput(pan: pan, expiry: try! Expiry(month: 12, year: year), readMethod: nil, existingMethodID: nil))
        }
        guard let type = try params.string("payment_method_data", "type") else { return nil }
        switch type {
        case "card":
            return .input(try CardDetails.parse(&params, prefix: ["payment_method_data", "card"], now: now))
        case "card_present":
            let track = try params.requiredString("payment_method_data", "card_present", "vtpe_track2")
            let entry = try params.string("payment_method_data", "card_present", "vtpe_read_method") ?? "contactless_emv"
            guard ["contactless_emv", "contact_emv", "magnetic_stripe_track2", "magnetic_stripe_fallback"].contains(entry) else {
                throw APIError.invalidRequest("Invalid vtpe_read_method: must be contactless_emv, contact_emv, magnetic_stripe_track2 or magnetic_stripe_fallback.",
                                              param: "payment_method_data[card_present][vtpe_read_method]")
            }
            let track2: Track2
            do { track2 = try Track2(parsing: track) } catch {
                if error.code == .luhnCheckFailed { throw APIError.declined(.incorrectNumber, paymentIntent: nil, chargeID: nil) }
                throw APIError.invalidRequest("Invalid track 2 data: \(error.message)", param: "payment_method_data[card_present][vtpe_track2]")
            }
            return .input(CardInput(pan: track2.pan, expiry: track2.expiry, readMethod: entry, existingMethodID: nil))
        default:
            throw APIError.invalidRequest("Invalid payment_method_data[type]: must be card or card_present.", param: "payment_method_data[type]")
        }
    }

    private func makeCharge(intent: PaymentIntentRecord, card: CardInput, method: String?, created: Int64,
                            approved: Bool, captured: Bool, authCode: String?, decline: DeclineCode?) -> ChargeRecord {
        let outcome: JSONValue = approved
            ? .object([("network_status", "approved_by_network"), ("reason", .null), ("risk_level", "normal"),
                       ("seller_message", "Payment complete."), ("type", "authorized")])
            : .object([("network_status", "declined_by_network"), ("reason", .string(decline?.rawValue)), ("risk_level", "normal"),
                       ("seller_message", .string("The bank returned the decline code `\(decline?.rawValue ?? "generic_decline")`.")),
                       ("type", "issuer_declined")])
        let typeName = card.isCardPresent ? "card_present" : "card"
        var cardDetails: [(String, JSONValue)] = [
            ("brand", .string(card.pan.brand.rawValue)),
            ("exp_month", .int(Int64(card.expiry.month))),
            ("exp_year", .int(Int64(card.expiry.year))),
            ("funding", "credit"),
            ("last4", .string(card.pan.last4)),
            ("network", .string(card.pan.brand.rawValue)),
        ]
        if let readMethod = card.readMethod {
            cardDetails.append(("read_method", .string(readMethod)))
            cardDetails.append(("authorization_code", .string(authCode)))
        }
        let details: JSONValue = .object([(typeName, .object(cardDetails)), ("type", .string(typeName))])
        return ChargeRecord(
            id: ObjectID.make("ch"), paymentIntent: intent.id, amount: intent.amount,
            amountCaptured: captured ? intent.amount : 0, amountRefunded: 0, currency: intent.currency,
            status: approved ? "succeeded" : "failed", paid: approved, captured: captured,
            failureCode: decline?.stripeErrorCode, failureMessage: decline?.message,
            outcome: outcome.compactText, paymentMethod: method, paymentMethodDetails: details.compactText,
            authorizationCode: authCode, created: created, description: intent.description, metadata: "{}")
    }
}
