"""A running terminal registers itself on its gateway as a terminal.reader and stays online with heartbeats."""
import json
import time

from conftest import free_port, wait_until
from test_gateway_api import call


def readers(base, key):
    st, _, body = call(base, "GET", "/v1/terminal/readers", key, None)
    assert st == 200, body
    return body["data"]


def gateway_and_terminal_argv(background, vtpe_bin, workdir, key):
    """Starts a gateway; returns its URL, the argv of a headless terminal on it, and the terminal's data dir."""
    port = free_port()
    gw_dir, term_dir = workdir / "gw", workdir / "t"
    gw_dir.mkdir(), term_dir.mkdir()
    gw = background([vtpe_bin, "gateway", "--port", port, "--data-dir", gw_dir, "--api-key", key], "gateway")
    gw.wait_for_output("listening on", timeout=10)
    base = f"http://127.0.0.1:{port}"
    return base, [vtpe_bin, "terminal", "--headless", "--gateway", base, "--api-key", key, "--data-dir", term_dir], term_dir


def test_terminal_registers_and_reuses_its_reader(background, vtpe_bin, workdir):
    key = "sk_test_e2eReaders" + "0123456789abcdef"
    base, argv, term_dir = gateway_and_terminal_argv(background, vtpe_bin, workdir, key)

    term = background(argv, "terminal")
    # Registered, then online once its first heartbeat (sent right after the registration) has arrived.
    assert wait_until(lambda: [r["status"] for r in readers(base, key)] == ["online"], timeout=10), readers(base, key)
    reader = readers(base, key)[0]
    assert reader["device_type"] == "countertop", reader
    assert reader["serial_number"].isdigit() and len(reader["serial_number"]) == 8, reader
    stored = json.loads((term_dir / "reader-countertop.json").read_text())
    assert stored["reader_id"] == reader["id"] and stored["gateway"] == base
    st, _, location = call(base, "GET", f"/v1/terminal/locations/{reader['location']}", key, None)
    assert st == 200 and location["display_name"] == "VTPE DEMO SHOP" and location["address"]["country"] == "FR", location
    term.stop()

    # A restart keeps the same reader (its heartbeat moves last_seen_at); a reader deleted on the gateway is
    # registered again.
    time.sleep(1.1)
    term = background(argv, "terminal")
    assert wait_until(lambda: readers(base, key)[0]["last_seen_at"] > reader["last_seen_at"], timeout=10), readers(base, key)
    assert [r["id"] for r in readers(base, key)] == [reader["id"]]
    term.stop()
    st, _, _ = call(base, "DELETE", f"/v1/terminal/readers/{reader['id']}", key, None)
    assert st == 200
    term = background(argv, "terminal")
    assert wait_until(lambda: len(readers(base, key)) == 1 and readers(base, key)[0]["id"] != reader["id"], timeout=10), readers(base, key)
    term.stop()


def test_server_driven_sale_on_a_running_terminal(background, vtpe_bin, workdir):
    """process_payment_intent + present_payment_method through the API; the headless terminal takes the card,
    confirms the intent through the gateway and reports; the shop captures."""
    key = "sk_test_e2eServerDriven" + "0123456789abcdef"
    base, argv, _ = gateway_and_terminal_argv(background, vtpe_bin, workdir, key)
    term = background(argv, "terminal")
    assert wait_until(lambda: len(readers(base, key)) == 1 and readers(base, key)[0]["status"] == "online", timeout=10)
    reader = readers(base, key)[0]["id"]

    def action():
        st, _, body = call(base, "GET", f"/v1/terminal/readers/{reader}", key, None)
        return body["action"]

    def sale(amount, card):
        st, _, pi = call(base, "POST", "/v1/payment_intents", key, {
            "amount": str(amount), "currency": "eur", "payment_method_types[]": "card_present", "capture_method": "manual"})
        assert st == 200, pi
        st, _, body = call(base, "POST", f"/v1/terminal/readers/{reader}/process_payment_intent", key, {"payment_intent": pi["id"]})
        assert st == 200 and body["action"]["status"] == "in_progress", body
        st, _, body = call(base, "POST", f"/v1/test_helpers/terminal/readers/{reader}/present_payment_method", key,
                           {"card_present[number]": card})
        assert st == 200, body
        assert wait_until(lambda: action()["status"] != "in_progress", timeout=10), action()
        return pi["id"], action()

    intent, done = sale(1250, "4242424242424242")
    assert done["status"] == "succeeded", done
    st, _, captured = call(base, "POST", f"/v1/payment_intents/{intent}/capture", key, {"expand[]": "latest_charge"})
    assert st == 200 and captured["status"] == "succeeded" and captured["amount_received"] == 1250, captured
    details = captured["latest_charge"]["payment_method_details"]["card_present"]
    assert details["last4"] == "4242" and details["read_method"] == "contactless_emv", details
    term.wait_for_output("APPROVED", timeout=5)

    # Over the contactless limit the card is inserted; a declining card fails the action with the decline.
    intent, done = sale(20000, "4000000000009995")
    assert done["status"] == "failed" and done["failure_code"] == "card_declined", done
    st, _, pi = call(base, "GET", f"/v1/payment_intents/{intent}", key, None)
    assert pi["status"] == "requires_payment_method" and pi["last_payment_error"]["decline_code"] == "insufficient_funds", pi
    term.stop()
