import Foundation
import PaymentCore

/// Renders stored records as Stripe-shaped JSON objects.
enum Render {
    static func metadata(_ text: String) -> JSONValue {
        .object([String: String](jsonText: text).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    static func json(_ text: String?) -> JSONValue {
        text.flatMap(JSONValue.init(jsonText:)) ?? .null
    }

    /// The API version events are rendered in: the one the Stripe SDKs of `tests/requirements.txt` pin.
    static let eventAPIVersion = "2026-10-28.endive"

    static func event(_ e: EventRecord) -> JSONValue {
        var fields = eventEnvelope(e)
        fields.insert(("data", json(e.data)), at: 4)
        return .object(fields)
    }

    /// Every field of an event but its `data`.
    private static func eventEnvelope(_ e: EventRecord) -> [(String, JSONValue)] {
        [
            ("id", .string(e.id)),
            ("object", "event"),
            ("api_version", .string(eventAPIVersion)),
            ("created", .int(e.created)),
            ("livemode", false),
            ("pending_webhooks", 0),
            ("request", .object([("id", .string(e.requestId)), ("idempotency_key", .string(e.idempotencyKey))])),
            ("type", .string(e.type.rawValue)),
        ]
    }

    /// A webhook's body: the event as `event(_:)` renders it, compact, with the stored `data` text spliced in as it is
    /// instead of parsed and written again (it was written by `JSONValue` when the event was made) — the deliverer
    /// sends every event at least once, and the stored object is most of its bytes.
    static func eventPayload(_ e: EventRecord) -> [UInt8] {
        let envelope = JSONValue.object(eventEnvelope(e))
        var out: [UInt8] = Array("{\"data\":".utf8)
        out.reserveCapacity(e.data.utf8.count + 512)
        out += e.data.utf8
        out.append(UInt8(ascii: ","))
        out += envelope.compactText.utf8.dropFirst()
        return out
    }

    /// The object of an event, as its own endpoint renders it.
    static func eventObject(_ object: EventObject) -> JSONValue {
        switch object {
        case .paymentIntent(let r): paymentIntent(r)
        case .charge(let r): charge(r)
        case .refund(let r): refund(r)
        case .customer(let r): customer(r)
        case .paymentMethod(let r): paymentMethod(r)
        case .reader(let r): reader(r, now: TerminalRoutes.now)
        case .setupIntent(let r): setupIntent(r)
        case .payout(let r): payout(r)
        case .dispute(let r): dispute(r)
        case .mandate(let r): mandate(r)
        case .cashBalance(let r): cashBalance(customer: r.customer, [r])
        case .cashBalanceTransaction(let r): cashBalanceTransaction(r)
        case .product(let r): product(r)
        case .price(let r): price(r)
        case .subscription(let r): subscription(r)
        case .invoice(let r): invoice(r)
        case .testClock(let r): testClock(r)
        }
    }

    /// vtpe: what became of the request with this `Idempotency-Key` — `completed` with its response's status and
    /// body, or `in_progress` (nil).
    static func idempotencyKey(_ key: String, response: (status: Int, body: String)?) -> JSONValue {
        guard let response else {
            return .object([("object", "vtpe.idempotency_key"), ("key", .string(key)), ("status", "in_progress"),
                            ("response_status", .null), ("response", .null)])
        }
        return .object([("object", "vtpe.idempotency_key"), ("key", .string(key)), ("status", "completed"),
                        ("response_status", .int(Int64(response.status))), ("response", json(response.body))])
    }

    static func paymentIntent(_ r: PaymentIntentRecord) -> JSONValue {
        let types = r.paymentMethodTypes.split(separator: ",").map { JSONValue.string(String($0)) }
        return .object([
            ("id", .string(r.id)),
            ("object", "payment_intent"),
            ("amount", .int(r.amount)),
            ("amount_capturable", .int(r.amountCapturable)),
            ("amount_details", .object([("tip", .object(r.amountTip.map { [("amount", JSONValue.int($0))] } ?? []))])),
            ("amount_received", .int(r.amountReceived)),
            ("application", .null),
            ("application_fee_amount", .null),
            ("automatic_payment_methods", .null),
            ("canceled_at", .int(r.canceledAt)),
            ("cancellation_reason", .string(r.cancellationReason?.rawValue)),
            ("capture_method", .string(r.captureMethod.rawValue)),
            ("client_secret", .string(r.clientSecret)),
            ("confirmation_method", .string(r.confirmationMethod.rawValue)),
            ("created", .int(r.created)),
            ("currency", .string(r.currency)),
            ("customer", .string(r.customer)),
            ("description", .string(r.description)),
            ("last_payment_error", json(r.lastPaymentError)),
            ("latest_charge", .string(r.latestCharge)),
            ("livemode", false),
            ("metadata", metadata(r.metadata)),
            ("next_action", r.status == .requiresAction ? json(r.nextAction) : .null),
            ("on_behalf_of", .null),
            ("payment_method", .string(r.paymentMethod)),
            ("payment_method_options", .object(types.contains("card_present") ? [("card_present", .object([
                ("request_extended_authorization", false),
                ("request_incremental_authorization_support", .bool(r.requestIncrementalAuthorizationSupport)),
            ]))] : [])),
            ("payment_method_types", .array(types)),
            ("processing", .null),
            ("receipt_email", .string(r.receiptEmail)),
            ("setup_future_usage", .string(r.setupFutureUsage?.rawValue)),
            ("shipping", .null),
            ("statement_descriptor", .string(r.statementDescriptor)),
            ("statement_descriptor_suffix", .null),
            ("status", .string(r.status.rawValue)),
            ("transfer_data", .null),
            ("transfer_group", .null),
        ])
    }

    static func customer(_ c: CustomerRecord) -> JSONValue {
        .object([
            ("id", .string(c.id)),
            ("object", "customer"),
            ("address", .null),
            ("balance", 0),
            ("created", .int(c.created)),
            ("currency", .null),
            ("default_source", .null),
            ("delinquent", false),
            ("description", .string(c.description)),
            ("discount", .null),
            ("email", .string(c.email)),
            ("invoice_prefix", .string(c.invoicePrefix)),
            ("next_invoice_sequence", .int(c.nextInvoiceSequence)),
            ("invoice_settings", .object([("custom_fields", .null), ("default_payment_method", .string(c.defaultPaymentMethod)),
                                          ("footer", .null), ("rendering_options", .null)])),
            ("livemode", false),
            ("metadata", metadata(c.metadata)),
            ("name", .string(c.name)),
            ("phone", .string(c.phone)),
            ("preferred_locales", .array([])),
            ("shipping", .null),
            ("tax_exempt", "none"),
            ("test_clock", .string(c.testClock)),
        ])
    }

    /// Stripe's `card.wallet`: `{"apple_pay": {}, "dynamic_last4": "0003", "type": "apple_pay"}`, null for a plain card.
    static func cardWallet(_ m: PaymentMethodRecord) -> JSONValue {
        guard let wallet = m.walletType else { return .null }
        return .object([(wallet.rawValue, .object([])), ("dynamic_last4", .string(m.dynamicLast4)), ("type", .string(wallet.rawValue))])
    }

    static func paymentMethod(_ m: PaymentMethodRecord) -> JSONValue {
        let card: JSONValue = .object([
            ("brand", .string(m.brand)),
            ("checks", .object([("address_line1_check", .null), ("address_postal_code_check", .null), ("cvc_check", .null)])),
            ("country", "US"),
            ("display_brand", .string(m.brand)),
            ("exp_month", .int(m.expMonth)),
            ("exp_year", .int(m.expYear)),
            ("fingerprint", .string(m.fingerprint)),
            ("funding", .string(m.funding)),
            ("last4", .string(m.last4)),
            ("networks", .object([("available", .array([.string(m.brand)])), ("preferred", .null)])),
            ("three_d_secure_usage", .object([("supported", true)])),
            ("wallet", cardWallet(m)),
        ])
        let details: (String, JSONValue)
        if m.type == "customer_balance" {
            details = ("customer_balance", .object([]))
        } else if m.type == "sepa_debit" {
            details = ("sepa_debit", .object([
                ("bank_code", .string(m.bankCode)), ("branch_code", .string(m.branchCode)), ("country", .string(m.country)),
                ("fingerprint", .string(m.fingerprint)),
                ("generated_from", .object([("charge", .null), ("setup_attempt", .null)])), ("last4", .string(m.last4)),
            ]))
        } else {
            details = (m.type == "card_present" ? "card_present" : "card", card)
        }
        return .object([
            ("id", .string(m.id)),
            ("object", "payment_method"),
            ("billing_details", .object([("address", .null), ("email", .string(m.billingEmail)), ("name", .string(m.billingName)), ("phone", .null)])),
            details,
            ("created", .int(m.created)),
            ("customer", .string(m.customer)),
            ("livemode", false),
            ("metadata", metadata(m.metadata)),
            ("type", .string(m.type)),
        ])
    }

    static func deletedCustomer(_ id: String) -> JSONValue {
        .object([("id", .string(id)), ("object", "customer"), ("deleted", true)])
    }

    static func charge(_ c: ChargeRecord) -> JSONValue {
        .object([
            ("id", .string(c.id)),
            ("object", "charge"),
            ("amount", .int(c.amount)),
            ("amount_captured", .int(c.amountCaptured)),
            ("amount_refunded", .int(c.amountRefunded)),
            ("application", .null),
            ("application_fee", .null),
            ("balance_transaction", .string(c.balanceTransaction)),
            ("billing_details", .object([("address", .null), ("email", .null), ("name", .null), ("phone", .null)])),
            ("calculated_statement_descriptor", "VTPE"),
            ("captured", .bool(c.captured)),
            ("created", .int(c.created)),
            ("currency", .string(c.currency)),
            ("customer", .string(c.customer)),
            ("description", .string(c.description)),
            ("disputed", .bool(c.disputed)),
            ("failure_code", .string(c.failureCode)),
            ("failure_message", .string(c.failureMessage)),
            ("livemode", false),
            ("metadata", metadata(c.metadata)),
            ("outcome", json(c.outcome)),
            ("paid", .bool(c.paid)),
            ("payment_intent", .string(c.paymentIntent)),
            ("payment_method", .string(c.paymentMethod)),
            ("payment_method_details", json(c.paymentMethodDetails)),
            ("receipt_email", .null),
            ("receipt_url", .null),
            ("refunded", .bool(c.amountRefunded > 0 && c.amountRefunded == c.amount)),
            ("status", .string(c.status.rawValue)),
        ])
    }

    static func refund(_ r: RefundRecord) -> JSONValue {
        .object([
            ("id", .string(r.id)),
            ("object", "refund"),
            ("amount", .int(r.amount)),
            ("balance_transaction", .string(r.balanceTransaction)),
            ("charge", .string(r.charge)),
            ("created", .int(r.created)),
            ("currency", .string(r.currency)),
            ("description", .string(r.description)),
            ("destination_details", .object([("card", .object([("reference_status", "available"), ("reference_type", "acquirer_reference_number"), ("type", "refund")])), ("type", "card")])),
            ("metadata", metadata(r.metadata)),
            ("payment_intent", .string(r.paymentIntent)),
            ("reason", .string(r.reason)),
            ("receipt_number", .null),
            ("source_transfer_reversal", .null),
            ("status", .string(r.status.rawValue)),
            ("transfer_reversal", .null),
            ("vtpe_card_present", json(r.vtpeCardPresent)),
        ])
    }

    static func balanceTransaction(_ t: BalanceTransactionRecord, now: Int64) -> JSONValue {
        let feeDetails: [JSONValue] = t.fee == 0 ? [] : [.object([
            ("amount", .int(t.fee)), ("application", .null), ("currency", .string(t.currency)),
            ("description", "vtpe processing fees"), ("type", "stripe_fee"),
        ])]
        return .object([
            ("id", .string(t.id)),
            ("object", "balance_transaction"),
            ("amount", .int(t.amount)),
            ("available_on", .int(t.availableOn)),
            ("created", .int(t.created)),
            ("currency", .string(t.currency)),
            ("description", .string(t.description)),
            ("exchange_rate", .null),
            ("fee", .int(t.fee)),
            ("fee_details", .array(feeDetails)),
            ("net", .int(t.net)),
            ("reporting_category", .string(t.reportingCategory)),
            ("source", .string(t.source)),
            ("status", t.availableOn <= now ? "available" : "pending"),
            ("type", .string(t.type)),
        ])
    }

    /// `GET /v1/balance`; an account that never took a payment shows a zero balance in its default currency.
    static func balance(_ balances: [CurrencyBalance]) -> JSONValue {
        let rows = balances.isEmpty ? [CurrencyBalance(currency: "usd", available: 0, pending: 0)] : balances
        func side(_ amount: (CurrencyBalance) -> Int64) -> JSONValue {
            .array(rows.map { .object([("amount", .int(amount($0))), ("currency", .string($0.currency)),
                                       ("source_types", .object([("card", .int(amount($0)))]))]) })
        }
        return .object([
            ("object", "balance"),
            ("available", side(\.available)),
            ("livemode", false),
            ("pending", side(\.pending)),
        ])
    }
}
