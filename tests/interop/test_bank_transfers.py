"""SEPA credit transfers (virement) through stripe-python: a PaymentIntent with `customer_balance` and an
`eu_bank_transfer` shows the customer's virtual IBAN and a reference (`next_action.display_bank_transfer_instructions`);
Stripe's test helper `Customer.TestHelpers.fund_cash_balance` simulates the incoming transfer, which pays the intent
(partly, then in full) through the customer's cash balance (`Customer.retrieve_cash_balance`,
`Customer.list_cash_balance_transactions`)."""
import stripe

OPTIONS = {"customer_balance": {"funding_type": "bank_transfer",
                                "bank_transfer": {"type": "eu_bank_transfer", "eu_bank_transfer": {"country": "FR"}}}}


def test_a_transfer_pays_the_intent_through_the_cash_balance(gateway):
    customer = stripe.Customer.create(email="jean.dupont@example.fr", name="Jean Dupont")
    intent = stripe.PaymentIntent.create(amount=12000, currency="eur", customer=customer.id, payment_method_types=["customer_balance"],
                                         payment_method_data={"type": "customer_balance"}, payment_method_options=OPTIONS, confirm=True)
    assert intent.status == "requires_action" and intent.next_action.type == "display_bank_transfer_instructions"
    shown = intent.next_action.display_bank_transfer_instructions
    assert shown.amount_remaining == 12000 and shown.currency == "eur" and shown.type == "eu_bank_transfer"
    iban = shown.financial_addresses[0].iban
    assert iban.country == "FR" and iban.iban.startswith("FR") and len(iban.iban) == 27

    stripe.Customer.TestHelpers.fund_cash_balance(customer.id, amount=2000, currency="eur", reference=shown.reference)
    partly = stripe.PaymentIntent.retrieve(intent.id)
    assert partly.status == "requires_action" and partly.next_action.display_bank_transfer_instructions.amount_remaining == 10000
    funded = stripe.Customer.TestHelpers.fund_cash_balance(customer.id, amount=10500, currency="eur", reference=shown.reference)
    assert funded.type == "funded" and funded.net_amount == 10500
    paid = stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge"])
    assert paid.status == "succeeded" and paid.amount_received == 12000
    assert paid.latest_charge.payment_method_details.type == "customer_balance"
    assert stripe.Customer.retrieve_cash_balance(customer.id).available["eur"] == 500
    moves = stripe.Customer.list_cash_balance_transactions(customer.id).data
    assert [(m.type, m.net_amount) for m in moves] == [("applied_to_payment", -10000), ("funded", 10500),
                                                       ("applied_to_payment", -2000), ("funded", 2000)]
    assert stripe.Event.list(type="payment_intent.partially_funded", limit=1).data[0].data.object.id == intent.id
