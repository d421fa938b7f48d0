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
