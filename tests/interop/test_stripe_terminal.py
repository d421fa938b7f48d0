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


def wait_for_action(reader_id, timeout=20):
    """The reader's action once it is no longer in progress."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        reader = stripe.terminal.Reader.retrieve(reader_id)
        if reader.action is not None and reader.action.status != "in_progress":
            return reader.action
        assert time.monotonic() < deadline, f"the terminal did not finish the action: {reader.action}"
        time.sleep(0.05)


def test_server_driven_flow_with_a_real_terminal(request, gateway):
    """stripe-python drives process_payment_intent and present_payment_method on a headless `vtpe terminal` that
    registered itself as a reader; the terminal runs the EMV dialogue with the presented (virtual) card, the gateway's
    issuer verifies its cryptogram, the terminal reports, and the shop captures."""
    from conftest import launch_terminal

    location = stripe.terminal.Location.create(display_name="Shop", address={"country": "FR"})
    terminal = launch_terminal(request, gateway, location=location.id)
    reader = stripe.terminal.Reader.retrieve(terminal.reader_id)
    assert reader.device_type == "countertop" and reader.status == "online" and reader.location == location.id

    # The shop shows its cart on the terminal: the terminal displays it and the action succeeds.
    shown = stripe.terminal.Reader.set_reader_display(reader.id, type="cart", cart={
        "currency": "eur", "tax": 100, "total": 2000,
        "line_items": [{"description": "Espresso", "amount": 900, "quantity": 2}, {"description": "Water", "amount": 100, "quantity": 1}]})
    assert shown.action.type == "set_reader_display"
    assert wait_for_action(reader.id).status == "succeeded"

    # A tap (EUR 20.00 is under the contactless limit) with a EUR 1.50 tip chosen on the reader: approved for
    # EUR 21.50, then captured by the shop.
    intent = stripe.PaymentIntent.create(amount=2000, currency="eur", payment_method_types=["card_present"], capture_method="manual")
    stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=intent.id)
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "5555555555554444"}, amount_tip=150)
    action = wait_for_action(reader.id)
    assert action.status == "succeeded", action
    captured = stripe.PaymentIntent.capture(intent.id)
    assert captured.status == "succeeded" and captured.amount_received == 2150
    assert captured.amount_details.tip.amount == 150
    details = stripe.Charge.retrieve(captured.latest_charge).payment_method_details.card_present
    assert details.last4 == "4444" and details.read_method == "contactless_emv"
    assert details.emv_auth_data.startswith("8A023030910A"), details.emv_auth_data  # ARC 00, then ARPC ‖ ARC
    assert len(details.receipt.application_cryptogram) == 16 and details.receipt.dedicated_file_name == "A0000000041010"

    # Over the contactless limit the card is inserted; the online PIN card's PIN is checked by the issuer.
    intent = stripe.PaymentIntent.create(amount=20000, currency="eur", payment_method_types=["card_present"], capture_method="manual")
    stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=intent.id)
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "4001000360000005"})
    assert wait_for_action(reader.id).status == "succeeded"
    details = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(intent.id).latest_charge).payment_method_details.card_present
    assert details.read_method == "contact_emv" and details.receipt.cardholder_verification_method == "online_pin"
    stripe.PaymentIntent.cancel(intent.id)

    # A card-present test amount: .55 declines with incorrect_pin; the action fails and the intent can be retried.
    intent = stripe.PaymentIntent.create(amount=2055, currency="eur", payment_method_types=["card_present"])
    stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=intent.id)
    stripe.terminal.Reader.TestHelpers.present_payment_method(reader.id, card_present={"number": "4242424242424242"})
    action = wait_for_action(reader.id)
    assert action.status == "failed" and action.failure_code == "card_declined", action
    retrieved = stripe.PaymentIntent.retrieve(intent.id)
    assert retrieved.status == "requires_payment_method" and retrieved.last_payment_error.decline_code == "incorrect_pin"

    # A second action while idle, then cancel_action.
    other = stripe.PaymentIntent.create(amount=500, currency="eur", payment_method_types=["card_present"])
    stripe.terminal.Reader.process_payment_intent(reader.id, payment_intent=other.id)
    canceled = stripe.terminal.Reader.cancel_action(reader.id)
    assert canceled.action.status == "failed" and canceled.action.failure_code == "canceled"
