"""SEPA Direct Debit through stripe-python: bank accounts (`PaymentMethod.create(type="sepa_debit")` with Stripe's
test IBANs, the IBAN checks' named errors, attach to a customer, no full IBAN in any answer) and payments — confirmed
under a mandate (`stripe.Mandate`), `processing` until the test bank answers, then succeeded, failed or disputed, with
the events of each step delivered to a webhook receiver that checks them with `stripe.Webhook.construct_event`. The
delayed answers come when the test moves the bank clock (`POST /v1/vtpe/test_helpers/bank_clock/advance`)."""
import time

import pytest
import stripe

from conftest import api_request
from test_webhook_deliveries import Receiver

HOLDER = {"name": "Jenny Rosen", "email": "jenny.rosen@example.fr"}


@pytest.mark.parametrize("iban,country,bank", [("DE89370400440532013000", "DE", "37040044"),
                                                ("FR1420041010050500013M02606", "FR", "20041"),
                                                ("AT611904300234573201", "AT", "19043")])
def test_stripes_test_ibans_are_saved(gateway, iban, country, bank):
    method = stripe.PaymentMethod.create(type="sepa_debit", sepa_debit={"iban": iban}, billing_details=HOLDER)
    assert method.type == "sepa_debit" and method.sepa_debit.country == country and method.sepa_debit.bank_code == bank
    assert method.sepa_debit.last4 == iban[-4:] and method.billing_details.name == "Jenny Rosen"
    assert iban[4:-4] not in str(method)
    customer = stripe.Customer.create(email=HOLDER["email"])
    stripe.PaymentMethod.attach(method.id, customer=customer.id)
    assert [m.id for m in stripe.Customer.list_payment_methods(customer.id).data] == [method.id]


@pytest.mark.parametrize("iban,reason", [("DE89370400440532013001", "its check digits do not match (mod 97)"),
                                         ("DE893704004405320130", "an IBAN of DE has 22 characters, not 20"),
                                         ("XX89370400440532013000", "XX is not the country code of an IBAN country")])
def test_bad_ibans_are_named(gateway, iban, reason):
    with pytest.raises(stripe.error.InvalidRequestError) as refused:
        stripe.PaymentMethod.create(type="sepa_debit", sepa_debit={"iban": iban}, billing_details=HOLDER)
    assert refused.value.code == "invalid_bank_account_iban" and refused.value.param == "sepa_debit[iban]"
    assert str(refused.value.error.message) == f"The IBAN you entered is invalid: {reason}."


MANDATE = {"customer_acceptance": {"type": "online", "online": {"ip_address": "192.0.2.7", "user_agent": "Mozilla/5.0 (vtpe tests)"}}}
WAIT = 30  # seconds, for the gateway's settlement (every second) and its webhooks


def debit(iban, amount=1500, **extra):
    return stripe.PaymentIntent.create(
        amount=amount, currency="eur", payment_method_types=["sepa_debit"], confirm=True, mandate_data=MANDATE,
        payment_method_data={"type": "sepa_debit", "sepa_debit": {"iban": iban}, "billing_details": HOLDER}, **extra)


def wait_status(intent_id, status):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        intent = stripe.PaymentIntent.retrieve(intent_id, expand=["latest_charge"])
        if intent.status == status:
            return intent
        time.sleep(0.1)
    pytest.fail(f"{intent_id} stayed {intent.status}, never {status}")


def advance_bank_clock(gateway, seconds):
    status, _, clock = api_request(gateway.url, gateway.api_key, "POST", "/v1/vtpe/test_helpers/bank_clock/advance", {"seconds": seconds})
    assert status == 200 and clock["object"] == "vtpe.bank_clock", clock
    return clock


def test_a_debit_processes_then_succeeds_with_signed_events(gateway):
    receiver = Receiver()
    try:
        wanted = ["payment_intent.created", "charge.pending", "payment_intent.processing", "charge.succeeded", "payment_intent.succeeded"]
        endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=wanted)
        receiver.secret = endpoint.secret
        intent = debit("DE89370400440532013000")
        assert intent.status == "processing" and intent.payment_method_types == ["sepa_debit"]
        paid = wait_status(intent.id, "succeeded")
        charge = paid.latest_charge
        assert charge.status == "succeeded" and charge.paid and charge.payment_method_details.type == "sepa_debit"
        mandate = stripe.Mandate.retrieve(charge.payment_method_details.sepa_debit.mandate)
        assert mandate.status == "active" and mandate.customer_acceptance.online.ip_address == "192.0.2.7"
        assert mandate.payment_method == paid.payment_method and mandate.payment_method_details.sepa_debit.reference
        assert stripe.BalanceTransaction.retrieve(charge.balance_transaction).fee == 35

        deadline = time.monotonic() + WAIT
        while len(receiver.accepted) < len(wanted) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(e.type for e in receiver.accepted) == sorted(wanted), receiver.refused
        # In order per object (webhooks keep each object's order, not the order across objects).
        of_intent = [(e.type, e.data.object.status) for e in receiver.accepted if e.data.object.id == intent.id]
        assert of_intent == [("payment_intent.created", "requires_confirmation"), ("payment_intent.processing", "processing"),
                             ("payment_intent.succeeded", "succeeded")]
        of_charge = [(e.type, e.data.object.status) for e in receiver.accepted if e.data.object.id == charge.id]
        assert of_charge == [("charge.pending", "pending"), ("charge.succeeded", "succeeded")]
        stripe.WebhookEndpoint.delete(endpoint.id)
    finally:
        receiver.stop()


def test_delayed_answers_come_when_the_bank_clock_moves(gateway):
    later, fails = debit("FR3020041010050500013M02609"), debit("FR7920041010050500013M02600", amount=2500)
    time.sleep(1.5)  # the settlement looked at least once: nothing is due before three minutes
    assert {stripe.PaymentIntent.retrieve(i.id).status for i in (later, fails)} == {"processing"}
    with pytest.raises(stripe.error.InvalidRequestError) as refused:
        stripe.PaymentIntent.cancel(later.id)
    assert refused.value.code == "payment_intent_unexpected_state"
    advance_bank_clock(gateway, 180)
    assert stripe.PaymentIntent.retrieve(later.id).status == "succeeded"
    failed = stripe.PaymentIntent.retrieve(fails.id, expand=["latest_charge"])
    assert failed.status == "requires_payment_method" and failed.last_payment_error.code == "generic_could_not_process"
    assert failed.latest_charge.status == "failed" and failed.latest_charge.failure_code == "generic_could_not_process"
    assert stripe.Event.list(type="payment_intent.payment_failed", limit=1).data[0].data.object.id == fails.id


def test_insufficient_funds_and_a_lost_dispute(gateway):
    short, disputed = debit("AT981904300002222227"), debit("AT591904300235473203", amount=3300)
    assert wait_status(short.id, "requires_payment_method").latest_charge.failure_code == "insufficient_funds"
    charge = wait_status(disputed.id, "succeeded").latest_charge
    assert charge.disputed
    disputes = stripe.Dispute.list(payment_intent=disputed.id).data
    assert [(d.status, d.amount, d.charge) for d in disputes] == [("lost", 3300, charge.id)]
    with pytest.raises(stripe.error.InvalidRequestError) as refused:
        stripe.Refund.create(charge=charge.id)
    assert refused.value.code == "charge_disputed"


def test_a_saved_account_is_debited_off_session_under_its_mandate(gateway):
    customer = stripe.Customer.create(email=HOLDER["email"])
    method = stripe.PaymentMethod.create(type="sepa_debit", sepa_debit={"iban": "AT611904300234573201"}, billing_details=HOLDER)
    stripe.PaymentMethod.attach(method.id, customer=customer.id)
    with pytest.raises(stripe.error.InvalidRequestError) as refused:
        stripe.PaymentIntent.create(amount=990, currency="eur", customer=customer.id, payment_method=method.id, confirm=True)
    assert refused.value.param == "mandate_data"
    first = stripe.PaymentIntent.create(amount=990, currency="eur", customer=customer.id, payment_method=method.id, confirm=True,
                                        payment_method_types=["sepa_debit"], mandate_data={"customer_acceptance": {"type": "offline"}})
    monthly = stripe.PaymentIntent.create(amount=990, currency="eur", customer=customer.id, payment_method=method.id, confirm=True,
                                          payment_method_types=["sepa_debit"], off_session=True)
    mandates = {wait_status(i.id, "succeeded").latest_charge.payment_method_details.sepa_debit.mandate for i in (first, monthly)}
    assert len(mandates) == 1
    stripe.PaymentMethod.detach(method.id)
    assert stripe.Mandate.retrieve(mandates.pop()).status == "inactive"
