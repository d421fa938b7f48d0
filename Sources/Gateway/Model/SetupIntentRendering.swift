/// Stripe's `setup_intent` object.
extension Render {
    static func setupIntent(_ s: SetupIntentRecord) -> JSONValue {
        .object([
            ("id", .string(s.id)),
            ("object", "setup_intent"),
            ("application", .null),
            ("automatic_payment_methods", .null),
            ("cancellation_reason", .string(s.cancellationReason?.rawValue)),
            ("client_secret", .string(s.clientSecret)),
            ("created", .int(s.created)),
            ("customer", .string(s.customer)),
            ("description", .string(s.description)),
            ("flow_directions", .null),
            ("last_setup_error", json(s.lastSetupError)),
            ("latest_attempt", .null),
            ("livemode", false),
            ("mandate", .string(s.mandate)),
            ("metadata", metadata(s.metadata)),
            ("next_action", s.status == .requiresAction ? json(s.nextAction) : .null),
            ("on_behalf_of", .null),
            ("payment_method", .string(s.paymentMethod)),
            ("payment_method_configuration_details", .null),
            ("payment_method_options", .object([("card", .object([("mandate_options", .null), ("network", .null),
                                                                  ("request_three_d_secure", "automatic")]))])),
            ("payment_method_types", .array(s.paymentMethodTypes.split(separator: ",").map { .string(String($0)) })),
            ("single_use_mandate", .null),
            ("status", .string(s.status.rawValue)),
            ("usage", .string(s.usage.rawValue)),
        ])
    }
}
