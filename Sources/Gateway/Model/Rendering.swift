import Foundation

/// Renders stored records as Stripe-shaped JSON objects.
enum Render {
    static func metadata(_ text: String) -> JSONValue {
        .object([String: String](jsonText: text).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    static func json(_ text: String?) -> JSONValue {
        guard let text, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return .null }
        return value
    }

    static func paymentIntent(_ r: PaymentIntentRecord, latestCharge: JSONValue? = nil) -> JSONValue {
        let types = r.paymentMethodTypes.split(separator: ",").map { JSONValue.string(String($0)) }
        return .object([
            ("id", .string(r.id)),
            ("object", "payment_intent"),
            ("amount", .int(r.amount)),
            ("amount_capturable", .int(r.amountCapturable)),
            ("amount_details", .object([("tip", .object([]))])),
            ("amount_received", .int(r.amountReceived)),
            ("application", .null),
            ("application_fee_amount", .null),
            ("automatic_payment_methods", .null),
            ("canceled_at", .int(r.canceledAt)),
            ("cancellation_reason", .string(r.cancellationReason)),
            ("capture_method", .string(r.captureMethod)),
            ("client_secret", .string(r.clientSecret)),
            ("confirmation_method", .string(r.confirmationMethod)),
            ("created", .int(r.created)),
            ("currency", .string(r.currency)),
            ("customer", .string(r.customer)),
            ("description", .string(r.description)),
            ("last_payment_error", json(r.lastPaymentError)),
            ("latest_charge", latestCharge ?? .string(r.latestCharge)),
            ("livemode", false),
            ("metadata", metadata(r.metadata)),
            ("next_action", r.status == "requires_action"
                ? .object([("type", "use_stripe_sdk"), ("use_stripe_sdk", .object([("type", "three_d_secure_redirect")]))])
                : .null),
            ("on_behalf_of", .null),
            ("payment_method", .string(r.paymentMethod)),
            ("payment_method_options", .object([])),
            ("payment_method_types", .array(types)),
            ("processing", .null),
            ("receipt_email", .string(r.receiptEmail)),
            ("setup_future_usage", .null),
            ("shipping", .null),
            ("statement_descriptor", .string(r.statementDescriptor)),
            ("statement_descriptor_suffix", .null),
            ("status", .string(r.status)),
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
            ("invoice_settings", .object([("custom_fields", .null), ("default_payment_method", .string(c.defaultPaymentMethod)),
                                          ("footer", .null), ("rendering_options", .null)])),
            ("livemode", false),
            ("metadata", metadata(c.metadata)),
            ("name", .string(c.name)),
            ("phone", .string(c.phone)),
            ("preferred_locales", .array([])),
            ("shipping", .null),
            ("tax_exempt", "none"),
            ("test_clock", .null),
        ])
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
            ("wallet", .null),
        ])
        return .object([
            ("id", .string(m.id)),
            ("object", "payment_method"),
            ("billing_details", .object([("address", .null), ("email", .null), ("name", .null), ("phone", .null)])),
            (m.type == "card_present" ? "card_present" : "card", card),
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
            ("balance_transaction", .null),
            ("billing_details", .object([("address", .null), ("email", .null), ("name", .null), ("phone", .null)])),
            ("calculated_statement_descriptor", "VTPE"),
            ("captured", .bool(c.captured)),
            ("created", .int(c.created)),
            ("currency", .string(c.currency)),
            ("customer", .null),
            ("description", .string(c.description)),
            ("disputed", false),
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
            ("status", .string(c.status)),
        ])
    }
}
