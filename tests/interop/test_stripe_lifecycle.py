"""A shop's payment lifecycle through the official stripe-python SDK against a live `vtpe gateway`.

The calls are the ones a shop's code makes against Stripe; only `stripe.api_base` and `stripe.api_key` differ (set by
the `gateway` fixture in conftest.py, once per module and storage engine). Expected values follow Stripe's API
reference and test cards (shared/reference/stripe-api.md).
"""
import datetime
import uuid

import pytest
import stripe

EXP_YEAR = datetime.date.today().year + 5


# --------------------------------------------------------------------------- helpers


def card_method(number, customer=None):
    """A card PaymentMethod from a raw test number, attached to `customer` when given."""
    pm = stripe.PaymentMethod.create(type="card", card={"number": number, "exp_month": 12, "exp_year": EXP_YEAR, "cvc": "123"})
    if customer is not None:
        pm = stripe.PaymentMethod.attach(pm.id, customer=customer)
    return pm


def paid(amount=1000, currency="usd", payment_method="pm_card_visa", **params):
    """A PaymentIntent confirmed at creation (automatic capture unless `capture_method` says otherwise)."""
    return stripe.PaymentIntent.create(amount=amount, currency=currency, payment_method=payment_method, confirm=True, **params)


def authorized(amount=1000, currency="usd", **params):
    """A confirmed manual-capture PaymentIntent, waiting in requires_capture."""
    return paid(amount, currency, capture_method="manual", **params)


def balance(currency):
    """{"available": amount, "pending": amount} in `currency` (0 where the balance has no entry for it)."""
    b = stripe.Balance.retrieve()
    return {bucket: sum(e.amount for e in getattr(b, bucket) if e.currency == currency) for bucket in ("available", "pending")}


def replayed(obj):
    return obj.last_response.headers.get("Idempotent-Replayed")


def listed(list_object):
    return [item.id for item in list_object.auto_paging_iter()]


# Objects made within one second share `created`: lists must still give them newest first (Stripe's order), which
# an order by (created, random id) does not.
SAME_SECOND_ORDER = "lists must be newest first even for objects created within the same second"


# --------------------------------------------------------------------------- payment intents


def test_intent_for_a_customer(gateway):
    customer = stripe.Customer.create(email="buyer@example.com")
    pm = card_method("4242424242424242", customer=customer.id)
    intent = paid(1800, "usd", payment_method=pm.id, customer=customer.id)
    assert intent.status == "succeeded"
    assert intent.customer == customer.id
    assert intent.payment_method == pm.id
    assert intent.amount_received == 1800
    assert stripe.Charge.retrieve(intent.latest_charge).customer == customer.id
    assert [p.id for p in stripe.PaymentIntent.list(customer=customer.id).data] == [intent.id]


def test_modify_before_confirming_then_confirm(gateway):
    intent = stripe.PaymentIntent.create(amount=1000, currency="usd", description="draft", metadata={"order": "1", "note": "x"})
    assert intent.status == "requires_payment_method"
    assert intent.latest_charge is None

    modified = stripe.PaymentIntent.modify(intent.id, amount=2500, description="Order 77", metadata={"order": "77", "note": ""})
    assert modified.amount == 2500
    assert modified.description == "Order 77"
    assert modified.metadata.to_dict() == {"order": "77"}  # "" deletes a key
    assert modified.status == "requires_payment_method"
    again = stripe.PaymentIntent.retrieve(intent.id)
    assert (again.amount, again.description, again.metadata.to_dict()) == (2500, "Order 77", {"order": "77"})

    confirmed = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert confirmed.status == "succeeded"
    assert confirmed.amount_received == 2500
    assert confirmed.amount_capturable == 0
    charge = stripe.Charge.retrieve(confirmed.latest_charge)
    assert (charge.amount, charge.amount_captured, charge.captured, charge.payment_intent) == (2500, 2500, True, intent.id)


def test_confirm_an_intent_created_with_its_payment_method(gateway):
    intent = stripe.PaymentIntent.create(amount=900, currency="usd", payment_method="pm_card_mastercard")
    assert intent.status == "requires_confirmation"
    confirmed = stripe.PaymentIntent.confirm(intent.id)
    assert confirmed.status == "succeeded"
    assert confirmed.amount_received == 900
    assert stripe.Charge.retrieve(confirmed.latest_charge).payment_method_details.card.last4 == "4444"


# --------------------------------------------------------------------------- manual capture


def test_manual_capture_in_full(gateway):
    intent = authorized(1500)
    assert intent.status == "requires_capture"
    assert intent.amount_capturable == 1500
    assert intent.amount_received == 0
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert (charge.status, charge.captured, charge.amount_captured) == ("succeeded", False, 0)
    assert charge.balance_transaction is None  # an authorization moves no money

    captured = stripe.PaymentIntent.capture(intent.id)
    assert captured.status == "succeeded"
    assert captured.amount_received == 1500
    assert captured.amount_capturable == 0
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert (charge.captured, charge.amount_captured) == (True, 1500)
    assert charge.balance_transaction.startswith("txn_")


def test_partial_capture(gateway):
    intent = authorized(1000)
    captured = stripe.PaymentIntent.capture(intent.id, amount_to_capture=600)
    assert captured.status == "succeeded"
    assert captured.amount_received == 600
    assert captured.amount_capturable == 0
    charge = stripe.Charge.retrieve(captured.latest_charge)
    assert (charge.amount, charge.amount_captured, charge.captured) == (1000, 600, True)
    assert stripe.BalanceTransaction.retrieve(charge.balance_transaction).amount == 600


def test_capture_more_than_capturable_is_refused(gateway):
    intent = authorized(1000)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.PaymentIntent.capture(intent.id, amount_to_capture=1001)
    assert err.value.http_status == 400
    assert err.value.param == "amount_to_capture"
    still = stripe.PaymentIntent.retrieve(intent.id)
    assert (still.status, still.amount_capturable, still.amount_received) == ("requires_capture", 1000, 0)


def test_capture_twice_is_refused(gateway):
    intent = authorized(1000)
    stripe.PaymentIntent.capture(intent.id)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.PaymentIntent.capture(intent.id)
    assert err.value.http_status == 400
    assert err.value.code == "payment_intent_unexpected_state"
    assert stripe.PaymentIntent.retrieve(intent.id).amount_received == 1000


# --------------------------------------------------------------------------- cancel


def test_cancel_an_intent_waiting_for_a_payment_method(gateway):
    intent = stripe.PaymentIntent.create(amount=1000, currency="usd")
    canceled = stripe.PaymentIntent.cancel(intent.id, cancellation_reason="requested_by_customer")
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "requested_by_customer"
    assert isinstance(canceled.canceled_at, int) and canceled.canceled_at > 0
    assert stripe.PaymentIntent.retrieve(intent.id).status == "canceled"


def test_cancel_an_authorization_releases_it(gateway):
    intent = authorized(1000)
    canceled = stripe.PaymentIntent.cancel(intent.id, cancellation_reason="requested_by_customer")
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "requested_by_customer"
    assert (canceled.amount_capturable, canceled.amount_received) == (0, 0)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.PaymentIntent.capture(intent.id)
    assert err.value.code == "payment_intent_unexpected_state"


def test_cancel_a_succeeded_intent_is_refused(gateway):
    intent = paid(1000)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.PaymentIntent.cancel(intent.id, cancellation_reason="requested_by_customer")
    assert err.value.http_status == 400
    assert err.value.code == "payment_intent_unexpected_state"
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


# --------------------------------------------------------------------------- refunds


def test_full_refund_by_payment_intent(gateway):
    intent = paid(2000)
    refund = stripe.Refund.create(payment_intent=intent.id)
    assert refund.object == "refund" and refund.id.startswith("re_")
    assert (refund.status, refund.amount, refund.currency) == ("succeeded", 2000, "usd")
    assert (refund.charge, refund.payment_intent) == (intent.latest_charge, intent.id)
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert (charge.refunded, charge.amount_refunded) == (True, 2000)
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"  # a refund does not change the intent


def test_partial_refunds_by_charge_then_the_remainder(gateway):
    charge_id = paid(1000).latest_charge
    stripe.Refund.create(charge=charge_id, amount=300)
    stripe.Refund.create(charge=charge_id, amount=200)
    charge = stripe.Charge.retrieve(charge_id)
    assert (charge.refunded, charge.amount_refunded) == (False, 500)

    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.Refund.create(charge=charge_id, amount=501)
    assert err.value.http_status == 400
    assert err.value.param == "amount"
    assert stripe.Charge.retrieve(charge_id).amount_refunded == 500

    rest = stripe.Refund.create(charge=charge_id)  # no amount: whatever is left
    assert (rest.amount, rest.status) == (500, "succeeded")
    charge = stripe.Charge.retrieve(charge_id)
    assert (charge.refunded, charge.amount_refunded) == (True, 1000)

    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.Refund.create(charge=charge_id, amount=1)
    assert err.value.http_status == 400
    assert err.value.code == "charge_already_refunded"


def test_refund_retrieve_and_lists_newest_first(gateway):
    intent = paid(1000)
    first = stripe.Refund.create(payment_intent=intent.id, amount=100)
    second = stripe.Refund.create(charge=intent.latest_charge, amount=200)
    third = stripe.Refund.create(payment_intent=intent.id, amount=300)

    got = stripe.Refund.retrieve(second.id)
    assert (got.id, got.amount, got.charge, got.payment_intent, got.status) == (second.id, 200, intent.latest_charge, intent.id, "succeeded")
    newest_first = [third.id, second.id, first.id]
    assert [r.id for r in stripe.Refund.list(payment_intent=intent.id).data] == newest_first, SAME_SECOND_ORDER
    assert [r.id for r in stripe.Refund.list(charge=intent.latest_charge).data] == newest_first, SAME_SECOND_ORDER


# --------------------------------------------------------------------------- charges


def test_charges_of_an_intent_declined_then_paid(gateway):
    intent = stripe.PaymentIntent.create(amount=1200, currency="usd")
    with pytest.raises(stripe.CardError) as err:
        stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa_chargeDeclined")
    failed_id = err.value.error.charge
    assert failed_id.startswith("ch_")
    ok = stripe.PaymentIntent.confirm(intent.id, payment_method="pm_card_visa")
    assert ok.status == "succeeded"

    charges = stripe.Charge.list(payment_intent=intent.id).data
    assert [c.id for c in charges] == [ok.latest_charge, failed_id], SAME_SECOND_ORDER
    good, failed = charges
    assert (good.status, good.paid, good.outcome.type, good.payment_method_details.card.last4) == ("succeeded", True, "authorized", "4242")
    assert good.balance_transaction.startswith("txn_")
    assert (failed.status, failed.paid, failed.outcome.type, failed.failure_code) == ("failed", False, "issuer_declined", "card_declined")
    assert failed.payment_method_details.card.last4 == "0002"
    assert failed.balance_transaction is None

    retrieved = stripe.Charge.retrieve(failed_id)
    assert (retrieved.outcome.type, retrieved.outcome.reason, retrieved.payment_intent) == ("issuer_declined", "generic_decline", intent.id)


def test_charges_by_customer(gateway):
    customer = stripe.Customer.create(email="regular@example.com")
    other = stripe.Customer.create(email="other@example.com")
    a = paid(1000, customer=customer.id)
    b = paid(2000, customer=customer.id)
    paid(3000, customer=other.id)
    charges = stripe.Charge.list(customer=customer.id).data
    assert sorted(c.id for c in charges) == sorted([a.latest_charge, b.latest_charge])
    assert {c.customer for c in charges} == {customer.id}


# --------------------------------------------------------------------------- balance


def test_balance_shape(gateway):
    paid(1000)
    b = stripe.Balance.retrieve()
    assert b.object == "balance"
    assert isinstance(b.available, list) and isinstance(b.pending, list)
    for entry in b.available + b.pending:
        assert isinstance(entry.amount, int)
        assert len(entry.currency) == 3 and entry.currency == entry.currency.lower()
    assert any(entry.currency == "usd" for entry in b.pending)


def test_capture_adds_net_to_pending_and_refund_subtracts(gateway):
    before = balance("gbp")
    intent = authorized(5000, "gbp")
    assert balance("gbp") == before  # an authorization is not money yet

    charge = stripe.Charge.retrieve(stripe.PaymentIntent.capture(intent.id).latest_charge)
    txn = stripe.BalanceTransaction.retrieve(charge.balance_transaction)
    assert txn.object == "balance_transaction" and txn.id.startswith("txn_")
    assert (txn.type, txn.amount, txn.currency, txn.source, txn.status) == ("charge", 5000, "gbp", charge.id, "pending")
    assert 0 < txn.fee < txn.amount
    assert txn.net == txn.amount - txn.fee
    assert isinstance(txn.fee_details, list) and txn.fee_details
    assert sum(f.amount for f in txn.fee_details) == txn.fee
    assert {f.currency for f in txn.fee_details} == {"gbp"}
    after_charge = balance("gbp")
    assert after_charge == {"available": before["available"], "pending": before["pending"] + txn.net}

    refund = stripe.Refund.create(payment_intent=intent.id, amount=2000)
    refund_txn = stripe.BalanceTransaction.retrieve(refund.balance_transaction)
    assert (refund_txn.type, refund_txn.amount, refund_txn.currency, refund_txn.source) == ("refund", -2000, "gbp", refund.id)
    assert refund_txn.net == refund_txn.amount - refund_txn.fee
    # Stripe takes a refund from the balance its transaction's status names (normally available, else pending).
    assert refund_txn.status in ("available", "pending")
    expected = dict(after_charge)
    expected[refund_txn.status] += refund_txn.net
    assert balance("gbp") == expected


def test_balance_transactions_listed_by_type(gateway):
    intent = paid(1000)
    refund = stripe.Refund.create(payment_intent=intent.id, amount=400)
    refunds = list(stripe.BalanceTransaction.list(type="refund").auto_paging_iter())
    assert refund.balance_transaction in [t.id for t in refunds]
    assert {t.type for t in refunds} == {"refund"}
    charge_txn = stripe.Charge.retrieve(intent.latest_charge).balance_transaction
    assert charge_txn not in [t.id for t in refunds]
    assert charge_txn in listed(stripe.BalanceTransaction.list(type="charge"))


# --------------------------------------------------------------------------- expand


def test_expand_on_retrieve(gateway):
    customer = stripe.Customer.create(email="expand@example.com")
    pm = card_method("4242424242424242", customer=customer.id)
    intent = paid(1700, payment_method=pm.id, customer=customer.id)

    plain = stripe.PaymentIntent.retrieve(intent.id)
    assert (plain.latest_charge, plain.customer, plain.payment_method) == (intent.latest_charge, customer.id, pm.id)

    full = stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge.balance_transaction", "customer", "payment_method"])
    assert (full.latest_charge.object, full.latest_charge.id, full.latest_charge.amount) == ("charge", intent.latest_charge, 1700)
    txn = full.latest_charge.balance_transaction
    assert (txn.object, txn.type, txn.amount, txn.source) == ("balance_transaction", "charge", 1700, intent.latest_charge)
    assert (full.customer.object, full.customer.id, full.customer.email) == ("customer", customer.id, "expand@example.com")
    assert (full.payment_method.object, full.payment_method.id, full.payment_method.card.last4) == ("payment_method", pm.id, "4242")


def test_expand_inside_lists(gateway):
    customer = stripe.Customer.create(email="lists@example.com")
    intents = [paid(1000 + i, customer=customer.id) for i in range(2)]

    page = stripe.PaymentIntent.list(customer=customer.id, expand=["data.latest_charge"])
    assert sorted(p.id for p in page.data) == sorted(i.id for i in intents)
    for p in page.data:
        assert p.latest_charge.object == "charge"
        assert (p.latest_charge.payment_intent, p.latest_charge.amount) == (p.id, p.amount)

    charges = stripe.Charge.list(payment_intent=intents[0].id, expand=["data.balance_transaction"]).data
    assert [c.id for c in charges] == [intents[0].latest_charge]
    txn = charges[0].balance_transaction
    assert (txn.object, txn.type, txn.amount, txn.source) == ("balance_transaction", "charge", 1000, charges[0].id)


# --------------------------------------------------------------------------- test cards: declines


# (card number, test PaymentMethod id, error code, decline code) — docs.stripe.com/testing#declined-payments
DECLINES = [
    ("4000000000000002", "pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
    ("4000000000009995", "pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("4000000000009987", "pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ("4000000000009979", "pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
    ("4000000000000069", "pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ("4000000000000127", "pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
    ("4000000000000119", "pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"),
]


@pytest.mark.parametrize("source", ["test_pm", "card_number"])
@pytest.mark.parametrize("number, test_pm, code, decline_code", DECLINES, ids=[d[3] for d in DECLINES])
def test_decline_cards(gateway, source, number, test_pm, code, decline_code):
    payment_method = test_pm if source == "test_pm" else card_method(number).id
    with pytest.raises(stripe.CardError) as err:
        paid(1234, payment_method=payment_method)
    e = err.value
    assert e.http_status == 402
    assert (e.error.type, e.code, e.error.decline_code) == ("card_error", code, decline_code)

    intent = e.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert (intent.last_payment_error.code, intent.last_payment_error.decline_code) == (code, decline_code)
    assert intent.latest_charge == e.error.charge
    charge = stripe.Charge.retrieve(e.error.charge)
    assert (charge.status, charge.paid, charge.failure_code) == ("failed", False, code)
    assert (charge.outcome.type, charge.outcome.reason) == ("issuer_declined", decline_code)
    assert charge.payment_method_details.card.last4 == number[-4:]

    stored = stripe.PaymentIntent.retrieve(intent.id)
    assert stored.status == "requires_payment_method"
    assert stored.last_payment_error.decline_code == decline_code


def test_incorrect_number(gateway):
    # Stripe refuses 4242424242424241 (fails the Luhn check) when the PaymentMethod is created; a gateway that only
    # checks at authorization must refuse the confirm the same way.
    try:
        pm = card_method("4242424242424241")
    except stripe.CardError as e:
        err = e
        assert err.param == "number"
    else:
        with pytest.raises(stripe.CardError) as raised:
            paid(1000, payment_method=pm.id)
        err = raised.value
    assert err.http_status == 402
    assert (err.error.type, err.code) == ("card_error", "incorrect_number")


def test_card_attaches_then_the_charge_fails(gateway):
    customer = stripe.Customer.create(email="attach@example.com")
    pm = card_method("4000000000000341", customer=customer.id)
    assert pm.customer == customer.id
    assert [m.id for m in stripe.PaymentMethod.list(customer=customer.id, type="card").data] == [pm.id]
    with pytest.raises(stripe.CardError) as err:
        paid(1000, payment_method=pm.id, customer=customer.id)
    assert err.value.http_status == 402
    assert (err.value.code, err.value.error.decline_code) == ("card_declined", "generic_decline")
    assert err.value.error.payment_intent.status == "requires_payment_method"
    assert err.value.error.payment_intent.last_payment_error.decline_code == "generic_decline"


# --------------------------------------------------------------------------- 3-D Secure


@pytest.mark.parametrize("test_pm", ["pm_card_authenticationRequired", "pm_card_authenticationRequiredOnSetup"])
def test_three_d_secure_requires_action(gateway, test_pm):
    intent = paid(1000, payment_method=test_pm)
    assert intent.status == "requires_action"
    assert intent.next_action is not None and intent.next_action.type
    assert (intent.amount_received, intent.amount_capturable) == (0, 0)
    assert intent.latest_charge is None
    assert stripe.PaymentIntent.retrieve(intent.id).status == "requires_action"


def test_three_d_secure_off_session_is_declined(gateway):
    customer = stripe.Customer.create(email="offsession@example.com")
    pm = card_method("4000002760003184", customer=customer.id)
    with pytest.raises(stripe.CardError) as err:
        paid(1000, payment_method=pm.id, customer=customer.id, off_session=True)
    e = err.value
    assert e.http_status == 402
    assert (e.code, e.error.decline_code) == ("authentication_required", "authentication_required")
    assert e.error.payment_intent.status == "requires_payment_method"
    assert e.error.payment_intent.last_payment_error.decline_code == "authentication_required"


# --------------------------------------------------------------------------- currencies


def test_zero_decimal_currency(gateway):
    intent = paid(500, "jpy")  # ¥500: jpy amounts are whole yen
    assert (intent.status, intent.amount_received, intent.currency) == ("succeeded", 500, "jpy")
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert (charge.amount, charge.currency) == (500, "jpy")
    txn = stripe.BalanceTransaction.retrieve(charge.balance_transaction)
    assert (txn.amount, txn.currency) == (500, "jpy")


def test_three_decimal_currency(gateway):
    with pytest.raises(stripe.InvalidRequestError) as err:
        paid(1005, "kwd")  # kwd amounts must be multiples of 10
    assert err.value.http_status == 400
    assert err.value.param == "amount"
    intent = paid(1000, "kwd")
    assert (intent.status, intent.amount_received, intent.currency) == ("succeeded", 1000, "kwd")


# --------------------------------------------------------------------------- idempotent retries


def test_idempotent_capture_retry(gateway):
    intent = authorized(1000)
    key = f"capture-{uuid.uuid4()}"
    first = stripe.PaymentIntent.capture(intent.id, idempotency_key=key)
    retry = stripe.PaymentIntent.capture(intent.id, idempotency_key=key)
    assert replayed(first) is None and replayed(retry) == "true"
    assert (retry.id, retry.status, retry.amount_received, retry.latest_charge) == (intent.id, "succeeded", 1000, first.latest_charge)
    assert [c.id for c in stripe.Charge.list(payment_intent=intent.id).data] == [first.latest_charge]


def test_idempotent_refund_retry(gateway):
    intent = paid(1000)
    key = f"refund-{uuid.uuid4()}"
    first = stripe.Refund.create(payment_intent=intent.id, amount=300, idempotency_key=key)
    retry = stripe.Refund.create(payment_intent=intent.id, amount=300, idempotency_key=key)
    assert replayed(first) is None and replayed(retry) == "true"
    assert (retry.id, retry.amount) == (first.id, 300)
    assert [r.id for r in stripe.Refund.list(payment_intent=intent.id).data] == [first.id]
    assert stripe.Charge.retrieve(intent.latest_charge).amount_refunded == 300


# --------------------------------------------------------------------------- pagination


def test_auto_paging_payment_intents_of_a_customer(gateway):
    customer = stripe.Customer.create(email="many@example.com")
    other = stripe.Customer.create(email="someone-else@example.com")
    mine = [paid(100 + i, customer=customer.id).id for i in range(5)]
    paid(999, customer=other.id)

    first_page = stripe.PaymentIntent.list(customer=customer.id, limit=2)
    assert (len(first_page.data), first_page.has_more) == (2, True)
    seen = listed(stripe.PaymentIntent.list(customer=customer.id, limit=2))
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == set(mine)


def test_auto_paging_refunds(gateway):
    intent = paid(1000)
    mine = [stripe.Refund.create(charge=intent.latest_charge, amount=100).id for _ in range(5)]

    seen = listed(stripe.Refund.list(charge=intent.latest_charge, limit=2))
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == set(mine)

    everything = listed(stripe.Refund.list(limit=2))
    assert len(everything) == len(set(everything))
    assert set(mine) <= set(everything)
