"""stripe-python's Terminal resources against a live gateway: locations, connection tokens and readers, on both
storage engines (the `gateway` fixture of conftest.py)."""
import stripe


def test_locations_tokens_and_readers(gateway):
    location = stripe.terminal.Location.create(
        display_name="Shop Rivoli",
        address={"line1": "1 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"},
        metadata={"store": "12"},
    )
    assert location.id.startswith("tml_") and location.object == "terminal.location"
    assert location.address.city == "Paris" and location.metadata["store"] == "12"

    token = stripe.terminal.ConnectionToken.create(location=location.id)
    assert token.secret.startswith("pst_test_")

    reader = stripe.terminal.Reader.create(registration_code="vtpe-countertop-T0042", location=location.id, label="Till 2")
    assert reader.id.startswith("tmr_") and reader.object == "terminal.reader"
    assert reader.device_type == "countertop" and reader.serial_number == "T0042" and reader.label == "Till 2"
    assert reader.status == "offline" and reader.action is None

    simulated = stripe.terminal.Reader.create(registration_code="simulated-wpe", location=location.id)
    assert simulated.device_type == "simulated_wisepos_e" and simulated.status == "online"

    listed = [r.id for r in stripe.terminal.Reader.list(location=location.id).auto_paging_iter()]
    assert listed == [simulated.id, reader.id]
    assert [r.id for r in stripe.terminal.Reader.list(location=location.id, status="online").data] == [simulated.id]

    stripe.terminal.Reader.modify(reader.id, label="Front till")
    assert stripe.terminal.Reader.retrieve(reader.id).label == "Front till"
    assert stripe.terminal.Reader.delete(reader.id).deleted is True
    try:
        stripe.terminal.Reader.retrieve(reader.id)
        raise AssertionError("a deleted reader was retrieved")
    except stripe.InvalidRequestError as e:
        assert e.http_status == 404

    stripe.terminal.Location.modify(location.id, display_name="Rivoli")
    assert stripe.terminal.Location.retrieve(location.id).display_name == "Rivoli"


def test_bad_registration_code(gateway):
    location = stripe.terminal.Location.create(display_name="Shop", address={"country": "FR", "city": "Lyon"})
    try:
        stripe.terminal.Reader.create(registration_code="not-a-code", location=location.id)
        raise AssertionError("an unknown registration code was accepted")
    except stripe.InvalidRequestError as e:
        assert e.param == "registration_code"


def test_server_driven_flow(gateway):
    """stripe-python drives process_payment_intent and present_payment_method; this test plays the terminal over
    vtpe's reader endpoints (long poll, confirm with the card it was handed, report), then captures."""
    from conftest import api_request

    location = stripe.terminal.Location.create(display_name="Shop", address={"country": "FR"})
    reader = stripe.terminal.Reader.create(registration_code="vtpe-countertop-T0100", location=location.id)
    api_request(gateway.url, gateway.api_key, "POST", f"/v1/terminal/readers/{reader.id}/vtpe_heartbeat")
    intent = stripe.PaymentIntent.create(amount=2000, currency="eur", payment_method_types=["card_present"],
                                         capture_method="manual")

    reader = stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=intent.id)
    assert reader.action.type == "process_payment_intent" and reader.action.status == "in_progress"
    assert reader.action.process_payment_intent.payment_intent == intent.id
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "5555555555554444"})

    # The terminal's side.
    status, _, polled = api_request(gateway.url, gateway.api_key, "GET", f"/v1/terminal/readers/{reader.id}/vtpe_action?after=0&wait=5")
    assert status == 200 and polled["vtpe_presented_card"]["number"] == "5555555555554444", polled
    status, _, confirmed = api_request(gateway.url, gateway.api_key, "POST", f"/v1/payment_intents/{intent.id}/confirm", {
        "payment_method_data[type]": "card_present",
        "payment_method_data[card_present][vtpe_track2]": "5555555555554444=3112201",
        "payment_method_data[card_present][vtpe_read_method]": "contactless_emv",
    })
    assert status == 200 and confirmed["status"] == "requires_capture", confirmed
    api_request(gateway.url, gateway.api_key, "POST", f"/v1/terminal/readers/{reader.id}/vtpe_action_result", {"status": "succeeded"})

    assert stripe.terminal.Reader.retrieve(reader.id).action.status == "succeeded"
    captured = stripe.PaymentIntent.capture(intent.id)
    assert captured.status == "succeeded" and captured.amount_received == 2000
    charge = stripe.Charge.retrieve(captured.latest_charge)
    assert charge.payment_method_details.card_present.last4 == "4444"
    assert charge.payment_method_details.card_present.read_method == "contactless_emv"

    # A second action while idle, then cancel_action.
    other = stripe.PaymentIntent.create(amount=500, currency="eur", payment_method_types=["card_present"])
    stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=other.id)
    canceled = stripe.terminal.Reader.cancel_action(reader.id)
    assert canceled.action.status == "failed" and canceled.action.failure_code == "canceled"
