"""Subscriptions through stripe-python, as a shop that charges a saved card every month writes them: `Product`,
`Price` (recurring), a `test_helpers.TestClock` that the customer lives on, `Subscription.create` paid by the
saved card, `TestClock.advance` to the next months (polled until `ready`, as against Stripe), invoices paid by
off-session payment intents, a declined renewal retried and paid with `Invoice.pay`, `error_if_incomplete` as a
`CardError`, cancellation, and a SEPA Direct Debit subscription paid when the bank answers. The events reach a
webhook receiver that checks them with `stripe.Webhook.construct_event`."""
import calendar
import datetime
import time

import pytest
import stripe

from conftest import api_request
from test_webhook_deliveries import Receiver

WAIT = 30  # seconds, for the gateway's billing pass (every second) and its webhooks
START = calendar.timegm(datetime.datetime(2027, 1, 31, 9, 30).timetuple())


def utc(year, month, day):
    return calendar.timegm(datetime.datetime(year, month, day, 9, 30).timetuple())


def monthly_price(amount=1500):
    product = stripe.Product.create(name="Abonnement café", metadata={"sku": "CAFE-M"})
    return stripe.Price.create(product=product.id, currency="eur", unit_amount=amount, recurring={"interval": "month"})


def customer_on_clock(card="pm_card_visa"):
    clock = stripe.test_helpers.TestClock.create(frozen_time=START, name="janvier")
    customer = stripe.Customer.create(email="jenny.rosen@example.fr", test_clock=clock.id)
    method = stripe.PaymentMethod.attach(card, customer=customer.id)
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": method.id})
    return clock, customer, method


def advance(clock, to):
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=to)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        clock = stripe.test_helpers.TestClock.retrieve(clock.id)
        if clock.status == "ready":
            assert clock.frozen_time == to
            return clock
        time.sleep(0.1)
    pytest.fail(f"test clock {clock.id} stayed {clock.status}")


def invoices_of(subscription):
    return list(reversed(stripe.Invoice.list(subscription=subscription.id, limit=100).data))


def test_a_saved_card_pays_every_month_as_the_test_clock_moves(gateway):
    receiver = Receiver()
    try:
        wanted = ["customer.subscription.created", "customer.subscription.updated", "invoice.paid", "invoice.payment_succeeded"]
        endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=wanted)
        receiver.secret = endpoint.secret
        price = monthly_price()
        clock, customer, method = customer_on_clock()
        sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}], expand=["latest_invoice.payment_intent"])
        assert sub.status == "active" and sub.current_period_start == START and sub.current_period_end == utc(2027, 2, 28)
        assert sub["items"].data[0].price.id == price.id and sub.test_clock == clock.id
        first = sub.latest_invoice
        assert first.status == "paid" and first.amount_paid == 1500 and first.billing_reason == "subscription_create"
        assert first.payment_intent.status == "succeeded" and first.payment_intent.payment_method == method.id
        assert first.lines.data[0].description == "1 × Abonnement café (at 15.00 EUR / month)"

        advance(clock, utc(2027, 4, 10))
        invoices = invoices_of(sub)
        assert [(i.status, i.period_start, i.billing_reason) for i in invoices] == [
            ("paid", START, "subscription_create"), ("paid", utc(2027, 2, 28), "subscription_cycle"),
            ("paid", utc(2027, 3, 31), "subscription_cycle")]
        assert len({i.number for i in invoices}) == 3
        renewal = stripe.PaymentIntent.retrieve(invoices[2].payment_intent, expand=["latest_charge"])
        assert renewal.status == "succeeded" and renewal.amount_received == 1500 and renewal.customer == customer.id
        assert renewal.latest_charge.paid and renewal.latest_charge.payment_method_details.card.last4 == "4242"
        assert stripe.Subscription.retrieve(sub.id).current_period_end == utc(2027, 4, 30)

        deadline = time.monotonic() + WAIT
        while sum(e.type == "invoice.paid" for e in receiver.accepted) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        paid = [e.data.object.id for e in receiver.accepted if e.type == "invoice.paid"]
        assert sorted(paid) == sorted(i.id for i in invoices), receiver.refused
        created = [e for e in receiver.accepted if e.type == "customer.subscription.created"]
        assert [e.data.object.status for e in created] == ["incomplete"]
        stripe.WebhookEndpoint.delete(endpoint.id)
    finally:
        receiver.stop()


def test_a_declined_renewal_is_retried_and_the_customer_pays_it_with_another_card(gateway):
    price = monthly_price(990)
    clock, customer, good = customer_on_clock()
    bad = stripe.PaymentMethod.attach("pm_card_chargeCustomerFail", customer=customer.id)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}], default_payment_method=bad.id,
                                     payment_behavior="allow_incomplete")
    assert sub.status == "incomplete"
    # A first invoice the card declines: with the good card it is paid, and the subscription starts.
    first = stripe.Invoice.pay(sub.latest_invoice, payment_method=good.id)
    assert first.status == "paid" and stripe.Subscription.retrieve(sub.id).status == "active"

    advance(clock, utc(2027, 2, 28))
    sub = stripe.Subscription.retrieve(sub.id, expand=["latest_invoice"])
    assert sub.status == "past_due"
    assert sub.latest_invoice.attempt_count == 1 and sub.latest_invoice.next_payment_attempt == utc(2027, 2, 28) + 3 * 86400
    with pytest.raises(stripe.error.CardError) as declined:
        stripe.Invoice.pay(sub.latest_invoice.id)
    assert declined.value.code == "card_declined"
    stripe.Subscription.modify(sub.id, default_payment_method=good.id)
    advance(clock, utc(2027, 3, 6))  # the retry five days after the second attempt
    sub = stripe.Subscription.retrieve(sub.id, expand=["latest_invoice"])
    assert sub.status == "active" and sub.latest_invoice.status == "paid" and sub.latest_invoice.attempt_count == 3

    canceled = stripe.Subscription.cancel(sub.id)
    assert canceled.status == "canceled" and canceled.canceled_at == utc(2027, 3, 6)
    advance(clock, utc(2027, 5, 1))
    assert len(invoices_of(sub)) == 2


def test_error_if_incomplete_is_a_card_error(gateway):
    price = monthly_price()
    _, customer, _ = customer_on_clock(card="pm_card_chargeCustomerFail")
    with pytest.raises(stripe.error.CardError) as declined:
        stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}], payment_behavior="error_if_incomplete")
    assert declined.value.code == "card_declined" and declined.value.http_status == 402
    assert [s.status for s in stripe.Subscription.list(customer=customer.id, status="all").data] == ["incomplete_expired"]
    with pytest.raises(stripe.error.InvalidRequestError) as refused:
        stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}, {"price": price.id}])
    assert refused.value.param == "items[1]"


def test_a_trial_then_cancel_at_period_end(gateway):
    price = monthly_price(500)
    clock, customer, _ = customer_on_clock()
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}], trial_period_days=7)
    assert sub.status == "trialing" and sub.trial_end == START + 7 * 86400
    sub = stripe.Subscription.modify(sub.id, cancel_at_period_end=True)
    assert sub.cancel_at_period_end and sub.cancel_at == START + 7 * 86400
    advance(clock, START + 8 * 86400)
    ended = stripe.Subscription.retrieve(sub.id)
    assert ended.status == "canceled" and ended.ended_at == START + 7 * 86400
    assert [(i.amount_due, i.status) for i in invoices_of(sub)] == [(0, "paid")]


def test_a_sepa_subscription_is_paid_when_the_bank_answers(gateway):
    price = monthly_price(2900)
    customer = stripe.Customer.create(email="jenny.rosen@example.fr")
    holder = {"name": "Jenny Rosen", "email": "jenny.rosen@example.fr"}
    # The account and its mandate are saved at sign-up by a SetupIntent: nothing is debited yet.
    setup = stripe.SetupIntent.create(
        customer=customer.id, payment_method_types=["sepa_debit"], confirm=True,
        payment_method_data={"type": "sepa_debit", "sepa_debit": {"iban": "DE89370400440532013000"}, "billing_details": holder},
        mandate_data={"customer_acceptance": {"type": "online", "online": {"ip_address": "192.0.2.7", "user_agent": "Mozilla/5.0"}}})
    assert setup.status == "succeeded" and stripe.Mandate.retrieve(setup.mandate).status == "active"
    method = stripe.PaymentMethod.retrieve(setup.payment_method)
    assert method.customer == customer.id and method.sepa_debit.last4 == "3000"
    assert stripe.Charge.list(customer=customer.id).data == []
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}], default_payment_method=method.id,
                                     expand=["latest_invoice.payment_intent"])
    assert sub.status == "active" and sub.latest_invoice.status == "open"
    assert sub.latest_invoice.payment_intent.status == "processing"
    status, _, _ = api_request(gateway.url, gateway.api_key, "POST", "/v1/vtpe/test_helpers/bank_clock/advance", {"seconds": 7 * 86400})
    assert status == 200
    deadline = time.monotonic() + WAIT
    while stripe.Invoice.retrieve(sub.latest_invoice.id).status != "paid" and time.monotonic() < deadline:
        time.sleep(0.1)
    paid = stripe.Invoice.retrieve(sub.latest_invoice.id)
    assert paid.status == "paid" and paid.amount_paid == 2900
