/// The card-present test amounts (their last two digits, as on Stripe's simulated readers): the issuer simulator
/// declines them whatever the card, and the terminal's QA panel lists them so nobody is surprised by a refusal.
public enum TestAmounts {
    /// The triggers, in the order the QA panel shows them: the amount's minor units modulo 100 and the decline.
    public static let declines: [(cents: Int64, decline: DeclineCode)] = [
        (1, .callIssuer), (5, .genericDecline), (55, .incorrectPin), (65, .withdrawalCountLimitExceeded), (75, .pinTryExceeded),
    ]

    /// The decline this amount asks for; nil for any other amount.
    public static func decline(for amount: Money) -> DeclineCode? {
        let cents = amount.minorUnits % 100
        return declines.first { $0.cents == cents }?.decline
    }
}
