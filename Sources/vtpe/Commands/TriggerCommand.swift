import ArgumentParser
import Foundation
import Gateway

/// `vtpe trigger EVENT`: makes the API calls that produce that event (and those that come with it), as
/// `stripe trigger` does, so a webhook handler can be tried without a shop in front of it.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Make the API calls that produce an event.",
        discussion: "Events: " + TriggerPlan.events.joined(separator: ", ") + ". Example: vtpe trigger payment_intent.succeeded")

    @Argument(help: ArgumentHelp("The event to produce.", valueName: "event")) var event: String
    @OptionGroup var connection: GatewayAPIOptions

    func validate() throws {
        guard TriggerPlan.steps(for: event) != nil else {
            throw ValidationError("cannot trigger '\(event.prefix(60))'; events: \(TriggerPlan.events.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let api = try connection.api()
        // The time now and a month on, for test clocks.
        let now = Int(Date().timeIntervalSince1970)
        var made: [String: String] = ["now": String(now), "next_month": String(now + 31 * 86_400)]
        do {
            for step in TriggerPlan.steps(for: event) ?? [] {
                let path = TriggerPlan.fill(step.path, made)
                let answer = if let form = step.form { try await api.post(path, TriggerPlan.fill(form, made)) } else { try await api.delete(path) }
                guard step.expected.contains(answer.status) else {
                    throw CLIError("\(step.method) \(path) answered \(answer.status): \(GatewayAPI.message(answer))")
                }
                if let name = step.names, case .string(let id)? = answer.json["id"] {
                    made[name] = id
                    print("\(step.method) \(path) → \(id)")
                } else {
                    print("\(step.method) \(path) → \(answer.status)")
                }
            }
        } catch let error as CLIError {
            throw error.exit()
        }
        print("Trigger succeeded! Check `vtpe listen` for \(event).")
    }
}

/// The calls behind each event, in order: pure data. A step's path and form may use the ids made before it.
enum TriggerPlan {
    struct Step: Sendable {
        var method: String
        /// The path and the form, with `{name}` for an id made by an earlier step; no form for a DELETE.
        var path: String
        var form: String?
        /// The statuses that mean the step did what it should (a decline is a 402).
        var expected: Set<Int> = [200]
        /// The name the object's id is kept under, for later steps.
        var names: String?
    }

    static func post(_ path: String, _ form: String, expected: Set<Int> = [200], names: String? = nil) -> Step {
        Step(method: "POST", path: path, form: form, expected: expected, names: names)
    }

    /// `{pi}` → the id kept under "pi".
    static func fill(_ text: String, _ made: [String: String]) -> String {
        made.reduce(text) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    static let intent = "amount=2000&currency=eur&description=vtpe+trigger"
    static let paid = post("/v1/payment_intents", intent + "&payment_method=pm_card_visa&confirm=true", names: "pi")
    static let authorized = post("/v1/payment_intents", intent + "&payment_method=pm_card_visa&confirm=true&capture_method=manual", names: "pi")
    /// A SEPA debit that its (test) bank answers three minutes later: it stays `processing` meanwhile.
    static let sepaDebit = intent + "&payment_method_types[]=sepa_debit&payment_method_data[type]=sepa_debit"
        + "&payment_method_data[sepa_debit][iban]=AT321904300235473204&payment_method_data[billing_details][name]=vtpe+trigger"
        + "&payment_method_data[billing_details][email]=trigger%40example.com&mandate_data[customer_acceptance][type]=offline&confirm=true"
    /// An intent paid by SEPA credit transfer into the customer's cash balance (it waits for the money).
    static let bankTransfer = intent + "&customer={cus}&payment_method_types[]=customer_balance&payment_method_data[type]=customer_balance"
        + "&payment_method_options[customer_balance][funding_type]=bank_transfer&payment_method_options[customer_balance][bank_transfer][type]=eu_bank_transfer"
        + "&payment_method_options[customer_balance][bank_transfer][eu_bank_transfer][country]=FR&confirm=true"
    static let customer = post("/v1/customers", "email=trigger%40example.com&name=vtpe+trigger", names: "cus")
    static let method = post("/v1/payment_methods", "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034&card[cvc]=123", names: "pm")
    static let attach = post("/v1/payment_methods/{pm}/attach", "customer={cus}")
    static let price = post("/v1/prices", "currency=eur&unit_amount=990&recurring[interval]=month&product_data[name]=vtpe+trigger", names: "price")
    /// A customer paying a monthly price with a saved `card` (a test payment method id).
    static func subscribed(_ card: String = "pm_card_visa") -> [Step] {
        [customer, post("/v1/payment_methods/\(card)/attach", "customer={cus}", names: "pm"), price,
         post("/v1/subscriptions", "customer={cus}&items[0][price]={price}&default_payment_method={pm}", names: "sub")]
    }
    static let clock = post("/v1/test_helpers/test_clocks", "frozen_time={now}&name=vtpe+trigger", names: "clock")

    static let plans: [(events: [String], steps: [Step])] = [
        (["payment_intent.created"], [post("/v1/payment_intents", intent, names: "pi")]),
        (["payment_intent.succeeded", "charge.succeeded"], [paid]),
        (["payment_intent.payment_failed", "charge.failed"],
         [post("/v1/payment_intents", intent + "&payment_method=pm_card_visa_chargeDeclined&confirm=true", expected: [402])]),
        (["payment_intent.processing", "charge.pending"], [post("/v1/payment_intents", sepaDebit, names: "pi")]),
        (["charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed"],
         [post("/v1/payment_intents", sepaDebit.replacingOccurrences(of: "AT321904300235473204", with: "AT591904300235473203"), names: "pi"),
          post("/v1/vtpe/test_helpers/bank_clock/advance", "seconds=0")]),
        (["payment_intent.partially_funded", "customer_cash_balance_transaction.created"],
         [customer, post("/v1/payment_intents", bankTransfer, names: "pi"), post("/v1/test_helpers/customers/{cus}/fund_cash_balance", "amount=500&currency=eur")]),
        (["cash_balance.funds_available"], [customer, post("/v1/test_helpers/customers/{cus}/fund_cash_balance", "amount=500&currency=eur")]),
        (["payment_intent.requires_action"], [post("/v1/payment_intents", intent + "&payment_method=pm_card_authenticationRequired&confirm=true", names: "pi")]),
        (["payment_intent.amount_capturable_updated"], [authorized]),
        (["charge.captured"], [authorized, post("/v1/payment_intents/{pi}/capture", "")]),
        (["payment_intent.canceled"], [post("/v1/payment_intents", intent, names: "pi"), post("/v1/payment_intents/{pi}/cancel", "cancellation_reason=requested_by_customer")]),
        (["charge.refunded", "refund.created"], [paid, post("/v1/refunds", "payment_intent={pi}", names: "re")]),
        (["refund.updated"], [paid, post("/v1/refunds", "payment_intent={pi}", names: "re"), post("/v1/refunds/{re}", "metadata[trigger]=vtpe")]),
        (["customer.created"], [customer]),
        (["customer.updated"], [customer, post("/v1/customers/{cus}", "name=vtpe+trigger+updated")]),
        (["customer.deleted"], [customer, Step(method: "DELETE", path: "/v1/customers/{cus}", form: nil)]),
        (["payment_method.attached"], [customer, method, attach]),
        (["payment_method.detached"], [customer, method, attach, post("/v1/payment_methods/{pm}/detach", "")]),
        (["setup_intent.created", "setup_intent.succeeded"],
         [customer, post("/v1/setup_intents", "customer={cus}&payment_method=pm_card_visa&confirm=true", names: "seti")]),
        (["setup_intent.requires_action"],
         [customer, post("/v1/setup_intents", "customer={cus}&payment_method=pm_card_authenticationRequired&confirm=true", names: "seti")]),
        (["setup_intent.setup_failed"],
         [customer, post("/v1/setup_intents", "customer={cus}&payment_method=pm_card_visa_chargeDeclined&confirm=true", expected: [402])]),
        (["setup_intent.canceled"], [post("/v1/setup_intents", "", names: "seti"), post("/v1/setup_intents/{seti}/cancel", "cancellation_reason=abandoned")]),
        (["product.created", "price.created"], [price]),
        (["product.updated"], [post("/v1/products", "name=vtpe+trigger", names: "prod"), post("/v1/products/{prod}", "active=false")]),
        (["price.updated"], [price, post("/v1/prices/{price}", "nickname=vtpe+trigger")]),
        (["customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"], subscribed()),
        (["invoice.payment_failed"], subscribed("pm_card_chargeCustomerFail")),
        (["customer.subscription.updated"], subscribed() + [post("/v1/subscriptions/{sub}", "cancel_at_period_end=true")]),
        (["customer.subscription.deleted"], subscribed() + [Step(method: "DELETE", path: "/v1/subscriptions/{sub}", form: nil)]),
        (["invoice.voided"], subscribed("pm_card_chargeCustomerFail").dropLast()
            + [post("/v1/subscriptions", "customer={cus}&items[0][price]={price}&default_payment_method={pm}&payment_behavior=error_if_incomplete", expected: [402])]),
        (["test_helpers.test_clock.created"], [clock]),
        (["test_helpers.test_clock.advancing", "test_helpers.test_clock.ready"], [clock, post("/v1/test_helpers/test_clocks/{clock}/advance", "frozen_time={next_month}")]),
        (["test_helpers.test_clock.deleted"], [clock, Step(method: "DELETE", path: "/v1/test_helpers/test_clocks/{clock}", form: nil)]),
    ]

    static var events: [String] { plans.flatMap(\.events) }

    static func steps(for event: String) -> [Step]? {
        plans.first { $0.events.contains(event) }?.steps
    }
}
