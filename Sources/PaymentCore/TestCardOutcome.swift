/// What happens when a test card is used, as Stripe's test mode behaves.
public enum TestCardOutcome: Sendable, Hashable {
    /// The payment succeeds.
    case approved
    /// The issuer declines with this code.
    case declined(DeclineCode)
    /// The number fails the Luhn check; Stripe rejects it with `incorrect_number` before any issuer sees it.
    case incorrectNumber
    /// The card attaches to a customer, then the charge is declined with this code.
    case chargeFailsAfterAttach(DeclineCode)
    /// 3-D Secure is required; after authentication the payment succeeds (nil) or is declined with this code.
    /// With `setUpExemptsOffSession`, off-session payments need no authentication once the card was set up for
    /// them (Stripe's 4000002500003155); without it they always decline `authentication_required` (4000002760003184).
    case requiresAction(then: DeclineCode?, setUpExemptsOffSession: Bool = false)

    /// The `outcome` string used in test-cards.json.
    public var name: String {
        switch self {
        case .approved: "approved"
        case .declined: "declined"
        case .incorrectNumber: "incorrect_number"
        case .chargeFailsAfterAttach: "charge_fails_after_attach"
        case .requiresAction: "requires_action"
        }
    }
}
