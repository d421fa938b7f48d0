import PaymentCore

/// The charge an authorization leaves: its outcome, card details (card-present fields for terminal reads) and
/// amounts, as Stripe shows them. Pure.
enum ChargeBuilder {
    static func charge(of intent: PaymentIntentRecord, card: CardInput, method: PaymentMethodRecord, fingerprint: String, created: Int64,
                       approved: Bool, authCode: String?, decline: DeclineCode?, emvResponse: [TLV]?) -> ChargeRecord {
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
            ("fingerprint", .string(fingerprint)),
            ("funding", "credit"),
            ("last4", .string(method.walletType == nil ? card.pan.last4 : method.last4)),
            ("network", .string(CardPresentDetails.network(brand: card.pan.brand, chip: card.chip))),
        ]
        // A phone wallet: online, Stripe's `card.wallet` (with the device number's last four); tapped, `card_present.wallet`.
        if let wallet = method.walletType {
            cardDetails.append(("wallet", card.isCardPresent ? .object([("type", .string(wallet.rawValue))]) : Render.cardWallet(method)))
        } else {
            cardDetails.append(("wallet", .null))
        }
        if let readMethod = card.readMethod {
            cardDetails += CardPresentDetails.fields(
                card: card, readMethod: readMethod, authCode: authCode, emvResponse: emvResponse,
                amountAuthorized: approved ? intent.amount : nil,
                incrementalAuthorizationSupported: approved && IncrementalAuthorization.supported(intent, brand: card.pan.brand))
        }
        let details: JSONValue = .object([(typeName, .object(cardDetails)), ("type", .string(typeName))])
        return ChargeRecord(
            id: ObjectID.make("ch"), paymentIntent: intent.id, amount: intent.amount,
            amountCaptured: 0, amountRefunded: 0, currency: intent.currency,
            status: approved ? .succeeded : .failed, paid: approved, captured: false,
            failureCode: decline?.stripeErrorCode, failureMessage: decline?.message,
            outcome: outcome.compactText, paymentMethod: intent.paymentMethod, paymentMethodDetails: details.compactText,
            authorizationCode: authCode, created: created, description: intent.description, metadata: "{}",
            customer: intent.customer, balanceTransaction: nil, fingerprint: fingerprint)
    }

    /// The card brand its payment method details name.
    static func brand(of charge: ChargeRecord) -> String? {
        guard case .object(let details)? = JSONValue(jsonText: charge.paymentMethodDetails) else { return nil }
        for case (_, .object(let card)) in details {
            if case .string(let brand)? = card.first(where: { $0.0 == "brand" })?.1 { return brand }
        }
        return nil
    }

    static func isCardPresent(_ charge: ChargeRecord) -> Bool {
        charge.paymentMethodDetails.contains("\"type\":\"card_present\"")
    }
}

extension ChargeBuilder {
    /// The charge of an intent paid in full from the customer's cash balance (bank transfers).
    static func bankTransfer(of intent: PaymentIntentRecord, method: PaymentMethodRecord, created: Int64) -> ChargeRecord {
        let details: JSONValue = .object([("customer_balance", .object([])), ("type", "customer_balance")])
        let outcome: JSONValue = .object([("network_status", "approved_by_network"), ("reason", .null), ("risk_level", "not_assessed"),
                                          ("seller_message", "Payment complete."), ("type", "authorized")])
        return ChargeRecord(
            id: ObjectID.make("ch"), paymentIntent: intent.id, amount: intent.amount, amountCaptured: intent.amount, amountRefunded: 0,
            currency: intent.currency, status: .succeeded, paid: true, captured: true, failureCode: nil, failureMessage: nil,
            outcome: outcome.compactText, paymentMethod: method.id, paymentMethodDetails: details.compactText, authorizationCode: nil,
            created: created, description: intent.description, metadata: "{}", customer: intent.customer, balanceTransaction: nil,
            fingerprint: nil)
    }

    /// The pending charge of a SEPA debit submitted under `mandate`: the bank account's codes, last four and
    /// fingerprint; paid, captured and given its balance transaction when the bank pays.
    static func debit(of intent: PaymentIntentRecord, method: PaymentMethodRecord, mandate: String, created: Int64) -> ChargeRecord {
        let details: JSONValue = .object([
            ("sepa_debit", .object([
                ("bank_code", .string(method.bankCode)), ("branch_code", .string(method.branchCode)), ("country", .string(method.country)),
                ("fingerprint", .string(method.fingerprint)), ("last4", .string(method.last4)), ("mandate", .string(mandate)),
            ])),
            ("type", "sepa_debit"),
        ])
        let outcome: JSONValue = .object([("network_status", "approved_by_network"), ("reason", .null), ("risk_level", "not_assessed"),
                                          ("seller_message", "Payment complete."), ("type", "authorized")])
        return ChargeRecord(
            id: ObjectID.make("ch"), paymentIntent: intent.id, amount: intent.amount, amountCaptured: 0, amountRefunded: 0,
            currency: intent.currency, status: .pending, paid: false, captured: false, failureCode: nil, failureMessage: nil,
            outcome: outcome.compactText, paymentMethod: method.id, paymentMethodDetails: details.compactText, authorizationCode: nil,
            created: created, description: intent.description, metadata: "{}", customer: intent.customer, balanceTransaction: nil,
            fingerprint: method.fingerprint)
    }
}
