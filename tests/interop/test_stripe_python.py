"""The official stripe-python SDK against a live `vtpe gateway`: only the base URL and the key change."""
import pytest
import stripe

# The `gateway` fixture (tests/interop/conftest.py) starts `vtpe gateway` once per module and storage engine
# (sqlite; postgres when VTPE_TEST_POSTGRES_URL is set) and points stripe.api_base / stripe.api_key at it.


def test_customer_payment_method_and_intent(gateway):
    customer = stripe.Customer.create(email="shop@example.com", name="Shop", metadata={"order": "42"})
    assert customer.id.startswith("cus_") and customer.metadata["order"] == "42"
    pm = stripe.PaymentMethod.create(type="card", card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"})
    assert pm.card.last4 == "4242" and pm.card.brand == "visa" and len(pm.card.fingerprint) == 16
    stripe.PaymentMethod.attach(pm.id, customer=customer.id)
    # Stripe refuses an attached PaymentMethod without its customer.
    intent = stripe.PaymentIntent.create(amount=1999, currency="eur", customer=customer.id, payment_method=pm.id, confirm=True,
                                         expand=["latest_charge"])
    assert intent.status == "succeeded"
    assert intent.latest_charge.payment_method_details.card.last4 == "4242"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"
    listed = [p.id for p in stripe.PaymentMethod.list(customer=customer.id, type="card").auto_paging_iter()]
    assert listed == [pm.id]


@pytest.mark.parametrize("pm_id, decline_code", [
    ("pm_card_visa_chargeDeclined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ("pm_card_visa_chargeDeclinedLostCard", "lost_card"),
    ("pm_card_visa_chargeDeclinedStolenCard", "stolen_card"),
])
def test_declines_raise_card_errors(gateway, pm_id, decline_code):
    with pytest.raises(stripe.error.CardError) as err:
        stripe.PaymentIntent.create(amount=500, currency="usd", payment_method=pm_id, confirm=True)
    assert err.value.code == "card_declined"
    assert err.value.error.decline_code == decline_code
    assert err.value.error.payment_intent.status == "requires_payment_method"


def test_idempotent_retry_replays(gateway):
    a = stripe.PaymentIntent.create(amount=700, currency="usd", payment_method="pm_card_visa", confirm=True, idempotency_key="retry-1")
    b = stripe.PaymentIntent.create(amount=700, currency="usd", payment_method="pm_card_visa", confirm=True, idempotency_key="retry-1")
    assert a.id == b.id
    with pytest.raises(stripe.error.IdempotencyError):
        stripe.PaymentIntent.create(amount=800, currency="usd", payment_method="pm_card_visa", confirm=True, idempotency_key="retry-1")


def test_pagination_and_bad_parameters(gateway):
    for i in range(5):
        stripe.Customer.create(email=f"p{i}@example.com")
    ids = [c.id for c in stripe.Customer.list(limit=2).auto_paging_iter()]
    assert len(ids) == len(set(ids)) >= 5
    with pytest.raises(stripe.error.InvalidRequestError) as err:
        stripe.Customer.create(colour="red")
    assert err.value.param == "colour"
    with pytest.raises(stripe.error.AuthenticationError):
        stripe.Customer.list(api_key="sk_test_wrongwrongwrongwrong")


def test_events_of_a_payment_and_a_refund(gateway):
    intent = stripe.PaymentIntent.create(amount=2500, currency="eur", payment_method="pm_card_visa", confirm=True,
                                         capture_method="manual", idempotency_key="events-1")
    assert intent.status == "requires_capture"
    stripe.PaymentIntent.capture(intent.id, amount_to_capture=2000)
    stripe.Refund.create(payment_intent=intent.id, amount=500)
    mine = [e for e in stripe.Event.list(limit=100).auto_paging_iter()
            if getattr(e.data.object, "payment_intent", None) == intent.id or e.data.object.id == intent.id]
    assert [e.type for e in mine] == ["charge.refunded", "refund.created", "payment_intent.succeeded", "charge.captured",
                                      "payment_intent.amount_capturable_updated", "charge.succeeded", "payment_intent.created"]
    succeeded = next(e for e in mine if e.type == "payment_intent.succeeded")
    # The SDK turns the event's object into its own class, as it does for Stripe's events.
    assert isinstance(succeeded.data.object, stripe.PaymentIntent)
    assert succeeded.data.object.amount_received == 2000
    assert stripe.Event.retrieve(succeeded.id).type == "payment_intent.succeeded"
    created = next(e for e in mine if e.type == "payment_intent.created")
    assert created.request.idempotency_key == "events-1" and created.request.id.startswith("req_")
    only = list(stripe.Event.list(type="charge.captured", created={"gte": succeeded.created}).auto_paging_iter())
    assert any(e.data.object.payment_intent == intent.id for e in only) and {e.type for e in only} == {"charge.captured"}
    grouped = {e.type for e in stripe.Event.list(type="refund.*", limit=100).auto_paging_iter()}
    assert grouped == {"refund.created"}


def test_a_customers_payment_methods(gateway):
    customer = stripe.Customer.create(email="wallet@example.com")
    other = stripe.Customer.create(email="other@example.com")
    visa = stripe.PaymentMethod.create(type="card", card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"})
    mastercard = stripe.PaymentMethod.create(type="card", card={"number": "5555555555554444", "exp_month": 1, "exp_year": 2032, "cvc": "123"})
    stripe.PaymentMethod.attach(visa.id, customer=customer.id)
    stripe.PaymentMethod.attach(mastercard.id, customer=customer.id)
    listed = stripe.Customer.list_payment_methods(customer.id, limit=1)
    assert [pm.id for pm in listed.auto_paging_iter()] == [mastercard.id, visa.id]
    assert [pm.card.brand for pm in stripe.Customer.list_payment_methods(customer.id, type="card").data] == ["mastercard", "visa"]
    assert stripe.Customer.list_payment_methods(other.id).data == []
    assert stripe.Customer.retrieve_payment_method(customer.id, visa.id).card.last4 == "4242"
    with pytest.raises(stripe.error.InvalidRequestError) as err:
        stripe.Customer.retrieve_payment_method(other.id, visa.id)
    assert err.value.http_status == 404
    with pytest.raises(stripe.error.InvalidRequestError) as err:
        stripe.Customer.list_payment_methods("cus_missing")
    assert err.value.http_status == 404 and err.value.param == "customer"
