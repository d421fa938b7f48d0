/// The `next_action` of an intent that waits for 3-D Secure: follow a redirect to the challenge page (when a
/// `return_url` was given) or let Stripe.js handle it. One for payment and SetupIntents.
enum ThreeDSecureAction {
    static func next(id: String, clientSecret: String, returnURL: String?, baseURL: String) -> JSONValue {
        let url = "\(baseURL)/3ds/\(id)?client_secret=\(clientSecret)"
        guard let returnURL else {
            return .object([("type", "use_stripe_sdk"),
                            ("use_stripe_sdk", .object([("type", "three_d_secure_redirect"), ("stripe_js", .string(url))]))])
        }
        return .object([("type", "redirect_to_url"), ("redirect_to_url", .object([("return_url", .string(returnURL)), ("url", .string(url))]))])
    }
}
