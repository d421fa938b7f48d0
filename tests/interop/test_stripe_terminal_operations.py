"""A terminal's operations beyond the sale through stripe-python against a live gateway, on both storage engines:
incremental authorization, server-driven refunds, refunds with the card presented, unreferenced refunds and the
end-of-day batch (the `gateway` fixture of conftest.py).

The card-present data are made here, independently of vtpe's Swift code: TDES DUKPT keys from the gateway's key
injection, the transaction keys by pydukpt, track 2 enciphered with `cryptography`'s TDES as docs/api.md specifies
(CBC, zero IV, length byte ‖ track 2 in tag-57 form ‖ zero fill).
"""
import secrets
import uuid

import pydukpt
import pytest
import stripe
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from conftest import api_request


class Swiper:
    """A simulated reader of a fresh location, loaded with TDES DUKPT keys, that swipes cards."""

    def __init__(self, gw):
        self.gw = gw
        location = stripe.terminal.Location.create(display_name="Interop shop", address={"country": "FR"})
        self.reader = stripe.terminal.Reader.create(registration_code="simulated-wpe", location=location.id).id
        status, _, keys = self.post(f"/v1/terminal/readers/{self.reader}/vtpe_key_injection", {"key_scheme": "tdes_dukpt"})
        assert status == 200, keys
        self.ipek = bytes.fromhex(keys["initial_key"])
        self.ksn = bytes.fromhex(keys["initial_ksn"])

    def post(self, path, params=None, **kwargs):
        return api_request(self.gw.url, self.gw.api_key, "POST", path, params, **kwargs)

    def get(self, path, params=None):
        return api_request(self.gw.url, self.gw.api_key, "GET", path, params)

    def card(self, number, expiry="3412"):
        """The card-present fields of one swipe of `number` under the next KSN."""
        self.ksn = pydukpt.next_ksn(self.ksn)
        key = pydukpt.data_request_key(pydukpt.derive_key(self.ipek, self.ksn))
        nibbles = f"{number}D{expiry}201000000000"
        track2 = bytes.fromhex(nibbles + ("F" if len(nibbles) % 2 else ""))
        clear = bytes([len(track2)]) + track2
        clear += bytes(-len(clear) % 8)
        encryptor = Cipher(TripleDES(key), modes.CBC(bytes(8))).encryptor()
        enciphered = encryptor.update(clear) + encryptor.finalize()
        return {"vtpe_read_method": "magnetic_stripe_track2", "vtpe_ksn": self.ksn.hex().upper(),
                "vtpe_encrypted_track2": enciphered.hex().upper()}

    def sale(self, number, amount, currency="eur", **params):
        return stripe.PaymentIntent.create(amount=amount, currency=currency, confirm=True, payment_method_types=["card_present"],
                                           payment_method_data={"type": "card_present", "card_present": self.card(number)},
                                           expand=["latest_charge"], **params)


INCREMENTAL = {"card_present": {"request_incremental_authorization_support": True}}


def test_incremental_authorization(gateway):
    swiper = Swiper(gateway)
    intent = swiper.sale("4242424242424242", 1000, capture_method="manual", payment_method_options=INCREMENTAL)
    assert intent.status == "requires_capture"
    assert intent.payment_method_options.card_present.request_incremental_authorization_support is True
    details = intent.latest_charge.payment_method_details.card_present
    assert details.incremental_authorization_supported is True and details.overcapture_supported is False
    assert details.amount_authorized == 1000

    raised = stripe.PaymentIntent.increment_authorization(intent.id, amount=1500, metadata={"folio": "7"}, expand=["latest_charge"])
    assert raised.amount == 1500 and raised.amount_capturable == 1500 and raised.metadata["folio"] == "7"
    assert raised.latest_charge.amount == 1500
    assert raised.latest_charge.payment_method_details.card_present.amount_authorized == 1500

    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.PaymentIntent.increment_authorization(intent.id, amount=1500)
    assert err.value.param == "amount"
    # A decline (a card-present test amount) leaves the intent capturable for what it had.
    with pytest.raises(stripe.CardError) as err:
        stripe.PaymentIntent.increment_authorization(intent.id, amount=2005)
    assert err.value.code == "card_declined" and err.value.error.decline_code == "generic_decline"
    assert stripe.PaymentIntent.retrieve(intent.id).amount_capturable == 1500

    captured = stripe.PaymentIntent.capture(intent.id, amount_to_capture=1200)
    assert captured.status == "succeeded" and captured.amount_received == 1200

    plain = swiper.sale("4242424242424242", 1000, capture_method="manual")
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.PaymentIntent.increment_authorization(plain.id, amount=2000)
    assert err.value.code == "incremental_authorization_unsupported" and err.value.http_status == 400


def test_the_balance_holds_the_increase(gateway):
    """The vtpe balance card (100.00 open to buy): 60.00, then +60.00 is declined, +30.00 approved."""
    swiper = Swiper(gateway)
    intent = swiper.sale("4000000000001257", 6000, capture_method="manual", payment_method_options=INCREMENTAL)
    with pytest.raises(stripe.CardError) as err:
        stripe.PaymentIntent.increment_authorization(intent.id, amount=12000)
    assert err.value.error.decline_code == "insufficient_funds"
    assert stripe.PaymentIntent.increment_authorization(intent.id, amount=9000).amount == 9000
    # The hold is 90.00 now: a second payment of 20.00 on the card no longer fits.
    with pytest.raises(stripe.CardError) as err:
        swiper.sale("4000000000001257", 2000)
    assert err.value.error.decline_code == "insufficient_funds"
    stripe.PaymentIntent.cancel(intent.id)
    assert swiper.sale("4000000000001257", 2000).status == "succeeded"


def test_refund_with_the_card_presented(gateway):
    swiper = Swiper(gateway)
    intent = swiper.sale("4000056655665556", 3000)
    refund = stripe.Refund.create(payment_intent=intent.id, amount=1000, vtpe_card_present=swiper.card("4000056655665556"))
    assert refund.status == "succeeded" and refund.amount == 1000
    assert refund.vtpe_card_present.to_dict() == {"brand": "visa", "last4": "5556", "read_method": "magnetic_stripe_track2"}
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.Refund.create(payment_intent=intent.id, amount=1000, vtpe_card_present=swiper.card("5555555555554444"))
    assert err.value.code == "vtpe_card_mismatch" and err.value.param == "vtpe_card_present[vtpe_encrypted_track2]"
    assert stripe.Charge.retrieve(intent.latest_charge.id).amount_refunded == 1000


def test_server_driven_refund(gateway):
    """refund_payment through stripe-python; the test helper presents the card; this test plays the terminal: its
    long poll, the refund with the card's proof, the result with the refund's id."""
    swiper = Swiper(gateway)
    intent = swiper.sale("4242424242424242", 2500)
    reader = stripe.terminal.Reader.refund_payment(swiper.reader, payment_intent=intent.id, amount=700, metadata={"ticket": "9"},
                                                   refund_payment_config={"enable_customer_cancellation": True})
    action = reader.action
    assert action.type == "refund_payment" and action.status == "in_progress"
    assert action.refund_payment.payment_intent == intent.id and action.refund_payment.charge == intent.latest_charge.id
    assert action.refund_payment.amount == 700 and action.refund_payment.refund is None
    assert action.refund_payment.metadata["ticket"] == "9"
    assert action.refund_payment.refund_payment_config.enable_customer_cancellation is True

    stripe.terminal.Reader.TestHelpers.present_payment_method(swiper.reader, card_present={"number": "4242424242424242"})
    status, _, polled = swiper.get(f"/v1/terminal/readers/{swiper.reader}/vtpe_action", {"after": 0, "wait": 5})
    assert status == 200 and polled["vtpe_presented_card"]["number"] == "4242424242424242"
    refund = stripe.Refund.create(payment_intent=intent.id, amount=700, metadata={"ticket": "9"},
                                  vtpe_card_present=swiper.card(polled["vtpe_presented_card"]["number"]))
    status, _, body = swiper.post(f"/v1/terminal/readers/{swiper.reader}/vtpe_action_result", {"status": "succeeded", "refund": refund.id})
    assert status == 200, body
    ended = stripe.terminal.Reader.retrieve(swiper.reader).action
    assert ended.status == "succeeded" and ended.refund_payment.refund == refund.id

    # Nothing left to refund: refused before the reader is given anything.
    stripe.Refund.create(payment_intent=intent.id)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe.terminal.Reader.refund_payment(swiper.reader, payment_intent=intent.id)
    assert err.value.code == "charge_already_refunded"


def test_unreferenced_refund(gateway):
    swiper = Swiper(gateway)
    params = {"amount": 1250, "currency": "eur", "description": "Goodwill", "metadata[till]": "3"}
    params.update({f"vtpe_card_present[{k}]": v for k, v in swiper.card("5555555555554444").items()})
    key = str(uuid.uuid4())
    status, _, made = swiper.post("/v1/vtpe/unreferenced_refunds", params, idempotency_key=key)
    assert status == 200, made
    status, headers, again = swiper.post("/v1/vtpe/unreferenced_refunds", params, idempotency_key=key)
    assert again["id"] == made["id"] and headers.get("Idempotent-Replayed") == "true"

    refund = stripe.Refund.retrieve(made["id"], expand=["balance_transaction"])
    assert refund.charge is None and refund.payment_intent is None and refund.status == "succeeded"
    assert refund.amount == 1250 and refund.description == "Goodwill" and refund.metadata["till"] == "3"
    assert refund.vtpe_card_present.brand == "mastercard" and refund.vtpe_card_present.last4 == "4444"
    assert refund.balance_transaction.type == "refund" and refund.balance_transaction.amount == -1250
    assert made["id"] in [r.id for r in stripe.Refund.list(limit=100).auto_paging_iter()]

    expired = {"amount": 100, "currency": "eur", **{f"vtpe_card_present[{k}]": v for k, v in swiper.card("4242424242424242", expiry="2001").items()}}
    status, _, body = swiper.post("/v1/vtpe/unreferenced_refunds", expired)
    assert status == 402 and body["error"]["code"] == "expired_card"


def test_end_of_day_batch(gateway):
    swiper = Swiper(gateway)
    terminal = "T" + secrets.token_hex(4)

    def tag(kind, batch=1):
        return {"terminal_id": terminal, "vtpe_batch": str(batch), "vtpe_type": kind}

    sale = swiper.sale("4242424242424242", 1800, metadata=tag("sale"))
    preauth = swiper.sale("5555555555554444", 5000, capture_method="manual", metadata=tag("preauthorization"))
    stripe.PaymentIntent.capture(preauth.id, amount_to_capture=4200)
    opened = swiper.sale("4242424242424242", 900, capture_method="manual", metadata=tag("preauthorization"))
    voided = swiper.sale("4242424242424242", 300, capture_method="manual", metadata=tag("preauthorization"))
    stripe.PaymentIntent.cancel(voided.id)
    stripe.Refund.create(payment_intent=sale.id, amount=500, metadata=tag("refund"), vtpe_card_present=swiper.card("4242424242424242"))

    status, _, batch = swiper.get(f"/v1/vtpe/terminal_batches/{terminal}/1")
    assert status == 200 and batch["status"] == "open" and batch["reconciliation"] is None
    expected = [
        {"currency": "eur", "brand": "mastercard", "type": "preauthorization", "count": 1, "amount": 4200},
        {"currency": "eur", "brand": "visa", "type": "refund", "count": 1, "amount": 500},
        {"currency": "eur", "brand": "visa", "type": "sale", "count": 1, "amount": 1800},
        {"currency": "eur", "brand": "visa", "type": "void", "count": 1, "amount": 0},
    ]
    assert batch["totals"] == expected
    assert [(o["payment_intent"], o["amount_capturable"]) for o in batch["open_authorizations"]] == [(opened.id, 900)]

    terminal_totals = {f"totals[{i}][{k}]": v for i, line in enumerate(expected) for k, v in line.items()}
    terminal_totals["totals[2][amount]"] = 1700  # the terminal lost 1.00 somewhere
    status, _, closed = swiper.post(f"/v1/vtpe/terminal_batches/{terminal}/1/close", terminal_totals)
    assert status == 200 and closed["status"] == "closed" and closed["closed_at"] is not None
    assert closed["reconciliation"] == {"result": "mismatch", "differences": [
        {"currency": "eur", "brand": "visa", "type": "sale", "terminal_count": 1, "terminal_amount": 1700,
         "gateway_count": 1, "gateway_amount": 1800}]}
    status, _, again = swiper.post(f"/v1/vtpe/terminal_batches/{terminal}/1/close", {})
    assert again == closed

    swiper.sale("4242424242424242", 1000, metadata=tag("sale", batch=2))
    status, _, listed = swiper.get("/v1/vtpe/terminal_batches", {"terminal_id": terminal})
    assert listed["object"] == "list" and [(b["number"], b["status"]) for b in listed["data"]] == [(2, "open"), (1, "closed")]
