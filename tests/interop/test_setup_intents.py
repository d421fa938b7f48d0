"""Saved cards and off-session payments through stripe-python: SetupIntents (create, confirm, 3-D Secure, cancel,
list), `setup_future_usage`, and the off-session payments that follow, with Stripe's test cards' outcomes:

- pm_card_visa saves and pays off session;
- 4000002500003155 (pm_card_authenticationRequiredOnSetup) asks for 3-D Secure when it is saved, then pays off
  session without it; off session without that setup it declines `authentication_required`;
- 4000002760003184 (pm_card_authenticationRequired) asks every time: off session it declines
  `authentication_required` and the intent waits in `requires_payment_method`, as Stripe's does;
- a declined card fails the setup with a card error that carries the SetupIntent.

3-D Secure is completed the way a browser does it: a form POST to the challenge page `next_action` names.
"""
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def complete_3ds(next_action, outcome="succeeded"):
    """Follows `next_action` to the challenge page and submits it, as the customer's browser would; answers the
    page's status and, for a redirect back to the shop, where it points."""
    url = next_action["use_stripe_sdk"]["stripe_js"] if next_action["type"] == "use_stripe_sdk" else next_action["redirect_to_url"]["url"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    page = opener.open(url, timeout=10).read().decode()
    assert "Complete authentication" in page
    secret = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["client_secret"][0]
    form = urllib.parse.urlencode({"client_secret": secret, "outcome": outcome}).encode()
    try:
        with opener.open(urllib.request.Request(url.split("?")[0], data=form, method="POST"), timeout=10) as answer:
            return answer.status, None
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 303, redirect
        return redirect.code, redirect.headers["Location"]


def off_session_payment(customer, method, amount=1500):
    return stripe.PaymentIntent.create(amount=amount, currency="eur", customer=customer.id, payment_method=method,
                                       off_session=True, confirm=True)


def test_a_saved_card_pays_off_session(gateway):
    customer = stripe.Customer.create(email="abonne@example.fr")
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_visa", confirm=True, metadata={"plan": "mensuel"})
    assert setup.object == "setup_intent" and setup.status == "succeeded" and setup.usage == "off_session"
    assert setup.client_secret.startswith(setup.id + "_secret_") and setup.metadata.to_dict() == {"plan": "mensuel"}
    methods = stripe.Customer.list_payment_methods(customer.id)
    assert [m.id for m in methods.data] == [setup.payment_method]

    paid = off_session_payment(customer, setup.payment_method)
    assert paid.status == "succeeded"
    assert stripe.SetupIntent.retrieve(setup.id).status == "succeeded"
    listed = stripe.SetupIntent.list(customer=customer.id)
    assert [s.id for s in listed.data] == [setup.id]
    types = [e.type for e in stripe.Event.list(type="setup_intent.*", limit=100).data if e.data.object.id == setup.id]
    assert types == ["setup_intent.succeeded", "setup_intent.created"]


def test_a_card_that_asks_on_setup_is_exempt_off_session_afterwards(gateway):
    customer = stripe.Customer.create(email="3ds@example.fr")
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup",
                                      confirm=True, return_url="https://shop.example/retour")
    assert setup.status == "requires_action" and setup.next_action.type == "redirect_to_url"
    status, back = complete_3ds(setup.next_action.to_dict())
    assert status == 303 and back.startswith("https://shop.example/retour?setup_intent=" + setup.id)
    assert "redirect_status=succeeded" in back and f"setup_intent_client_secret={setup.client_secret}" in back
    setup = stripe.SetupIntent.retrieve(setup.id)
    assert setup.status == "succeeded" and setup.next_action is None
    assert off_session_payment(customer, setup.payment_method).status == "succeeded"


def test_off_session_without_setup_needs_authentication(gateway):
    customer = stripe.Customer.create()
    with pytest.raises(stripe.error.CardError) as declined:
        stripe.PaymentIntent.create(amount=900, currency="eur", customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup",
                                    off_session=True, confirm=True)
    assert declined.value.code == "authentication_required"
    assert declined.value.error.payment_intent.status == "requires_payment_method"


def test_a_card_that_always_asks_declines_off_session_even_when_saved(gateway):
    customer = stripe.Customer.create()
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_authenticationRequired", confirm=True)
    assert setup.status == "requires_action" and setup.next_action.type == "use_stripe_sdk"
    complete_3ds(setup.next_action.to_dict())
    setup = stripe.SetupIntent.retrieve(setup.id)
    assert setup.status == "succeeded"
    with pytest.raises(stripe.error.CardError) as declined:
        off_session_payment(customer, setup.payment_method)
    assert declined.value.code == "authentication_required" and declined.value.error.decline_code == "authentication_required"
    intent = stripe.PaymentIntent.retrieve(declined.value.error.payment_intent.id)
    assert intent.status == "requires_payment_method" and intent.last_payment_error.code == "authentication_required"


def test_setup_future_usage_on_a_payment_sets_the_card_up(gateway):
    customer = stripe.Customer.create()
    first = stripe.PaymentIntent.create(amount=2000, currency="eur", customer=customer.id, payment_method="pm_card_authenticationRequiredOnSetup",
                                        setup_future_usage="off_session", confirm=True)
    assert first.status == "requires_action"
    complete_3ds(first.next_action.to_dict())
    first = stripe.PaymentIntent.retrieve(first.id)
    assert first.status == "succeeded"
    assert off_session_payment(customer, first.payment_method).status == "succeeded"


def test_failed_setups_and_cancel(gateway):
    customer = stripe.Customer.create()
    with pytest.raises(stripe.error.CardError) as declined:
        stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_visa_chargeDeclined", confirm=True)
    failed = declined.value.error.setup_intent
    assert declined.value.code == "card_declined" and failed.status == "requires_payment_method"
    assert failed.last_setup_error.decline_code == "generic_decline" and failed.payment_method is None
    assert stripe.Customer.list_payment_methods(customer.id).data == []

    setup = stripe.SetupIntent.create(customer=customer.id)
    assert setup.status == "requires_payment_method"
    with pytest.raises(stripe.error.InvalidRequestError) as missing:
        stripe.SetupIntent.confirm(setup.id)
    assert missing.value.param == "payment_method"
    setup = stripe.SetupIntent.modify(setup.id, payment_method="pm_card_mastercard", description="carte de secours")
    assert setup.status == "requires_confirmation" and setup.description == "carte de secours"
    # 3-D Secure failed: back to requires_payment_method with the reason.
    asking = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_authenticationRequired", confirm=True)
    complete_3ds(asking.next_action.to_dict(), outcome="failed")
    asking = stripe.SetupIntent.retrieve(asking.id)
    assert asking.status == "requires_payment_method" and asking.last_setup_error.code == "setup_intent_authentication_failure"

    canceled = stripe.SetupIntent.cancel(setup.id, cancellation_reason="abandoned")
    assert canceled.status == "canceled" and canceled.cancellation_reason == "abandoned"
    with pytest.raises(stripe.error.InvalidRequestError) as again:
        stripe.SetupIntent.cancel(setup.id)
    assert again.value.code == "setup_intent_unexpected_state"
