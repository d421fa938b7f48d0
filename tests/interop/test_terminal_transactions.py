"""stripe-python drives a real headless `vtpe terminal` through the transaction types the Terminal API has:
a server-driven pre-authorization with incremental and partial completion, and a server-driven refund
(`refund_payment` + `present_payment_method`), on both storage engines (the `gateway` fixture of conftest.py)."""
import stripe

from test_stripe_terminal import wait_for_action


def test_preauthorization_with_incremental_and_partial_completion(request, gateway):
    from conftest import launch_terminal

    terminal = launch_terminal(request, gateway)
    reader = stripe.terminal.Reader.retrieve(terminal.reader_id)
    intent = stripe.PaymentIntent.create(amount=5000, currency="eur", payment_method_types=["card_present"], capture_method="manual",
                                         payment_method_options={"card_present": {"request_incremental_authorization_support": True}})
    stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=intent.id)
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "4242424242424242"})
    assert wait_for_action(reader.id).status == "succeeded"
    intent = stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge"])
    assert intent.status == "requires_capture"
    assert intent.latest_charge.payment_method_details.card_present.incremental_authorization_supported is True
    # The stay grows: EUR 50 → EUR 80, then the final bill is EUR 72.40 (the rest released).
    grown = stripe.PaymentIntent.increment_authorization(intent.id, amount=8000)
    assert grown.amount == 8000 and grown.amount_capturable == 8000
    captured = stripe.PaymentIntent.capture(intent.id, amount_to_capture=7240)
    assert captured.status == "succeeded" and captured.amount_received == 7240
    charge = stripe.Charge.retrieve(captured.latest_charge)
    assert charge.amount_captured == 7240 and charge.payment_method_details.card_present.amount_authorized == 8000


def test_server_driven_refund_on_a_real_terminal(request, gateway):
    from conftest import launch_terminal

    terminal = launch_terminal(request, gateway)
    reader = stripe.terminal.Reader.retrieve(terminal.reader_id)
    intent = stripe.PaymentIntent.create(amount=3000, currency="eur", payment_method_types=["card_present"])
    stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=intent.id)
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "5555555555554444"})
    assert wait_for_action(reader.id).status == "succeeded"

    refunding = stripe.terminal.Reader.refund_payment(reader.id, payment_intent=intent.id, amount=1200)
    assert refunding.action.type == "refund_payment" and refunding.action.refund_payment.amount == 1200
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "5555555555554444"})
    action = wait_for_action(reader.id)
    assert action.status == "succeeded", action
    refund = stripe.Refund.retrieve(action.refund_payment.refund)
    assert refund.amount == 1200 and refund.payment_intent == intent.id and refund.status == "succeeded"
    assert stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(intent.id).latest_charge).amount_refunded == 1200

    # Another card than the one paid with: the terminal reports the gateway's refusal, nothing is refunded.
    stripe.terminal.Reader.refund_payment(reader.id, payment_intent=intent.id, amount=500)
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "4242424242424242"})
    action = wait_for_action(reader.id)
    assert action.status == "failed" and action.failure_code == "processing_error", action
    assert stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(intent.id).latest_charge).amount_refunded == 1200
