"""Card-present sales through the real binaries: every virtual card profile × entry mode (tap, insert, swipe
fallback) on a headless terminal against a separate `vtpe gateway`, checked on the terminal and on the gateway
(read method, EMV data, issuer authentication). Then lost answers: a proxy between terminal and gateway swallows
the gateway's answer; the terminal asks what became of the payment by its idempotency key, and reverses it when
it went through but the terminal could not complete it — never a second charge."""

import http.client
import http.server
import json
import socketserver
import threading
import time
from pathlib import Path

import pytest

from conftest import KEY, api, describe, run_vtpe, start, start_terminal, stop, wait_until, journal


# (simulator card, card profile it carries) → expected line prefix and decline code per mode.
# Taps are EUR 12.00 (under the CVM limit), inserts EUR 60.00 with PIN 1234, swipes EUR 12.00.
MATRIX = {
    "visa": {"tap": "APPROVED", "insert": "APPROVED", "swipe": "APPROVED"},                        # visa_credit
    "visa_debit": {"tap": "APPROVED", "insert": "APPROVED", "swipe": "APPROVED"},                  # visa_debit
    "mastercard": {"tap": "APPROVED", "insert": "APPROVED", "swipe": "APPROVED"},                  # mastercard_credit
    "mastercard_debit": {"tap": "APPROVED", "insert": "APPROVED", "swipe": "APPROVED"},            # two applications
    "mastercard_2_series": {"tap": "APPROVED", "insert": "refused", "swipe": "refused"},           # phone wallet
    "offline_pin": {"tap": "refused", "insert": "APPROVED", "swipe": "APPROVED"},                  # chip only, offline PIN
    "online_pin": {"tap": "APPROVED", "insert": "APPROVED", "swipe": "APPROVED"},
    "expired_card": {"tap": "DECLINED expired_card", "insert": "DECLINED expired_card", "swipe": "DECLINED expired_card"},
    "visa_generic_decline": {"tap": "DECLINED generic_decline", "insert": "DECLINED pin_try_exceeded",  # PIN blocked
                             "swipe": "DECLINED generic_decline"},
    "visa_insufficient_funds": {"tap": "DECLINED insufficient_funds", "insert": "DECLINED insufficient_funds",
                                "swipe": "DECLINED insufficient_funds"},
    "amex": {"tap": "APPROVED", "insert": "APPROVED", "swipe": "APPROVED"},                        # generic chip card
}
# A chip card is swiped only as the EMV fallback after a failed chip read (--fallback: its chip does not answer).
MODE_ARGS = {"tap": ["--amount", "12.00"], "insert": ["--amount", "60.00", "--pin", "1234"], "swipe": ["--amount", "12.00", "--fallback"]}
READ_METHOD = {"tap": "contactless_emv", "insert": "contact_emv", "swipe": "magnetic_stripe_fallback"}


@pytest.fixture(scope="module")
def terminal(vtpe_bin, gateway, tmp_path_factory):
    data = tmp_path_factory.mktemp("terminal")
    proc = start_terminal(vtpe_bin, data, gateway)
    yield data
    stop(proc)


def test_chip_card_swiped_is_refused(vtpe_bin, terminal):
    """A chip card swiped at a chip terminal: "use chip", nothing sent; the stripe only after a failed chip read."""
    tap = run_vtpe(vtpe_bin, "tap", "visa", "--mode", "swipe", "--amount", "12.00", "--wait", "--data-dir", terminal)
    assert tap.returncode == 2 and "use chip" in tap.stderr, describe(tap)
    run_vtpe(vtpe_bin, "keypad", "C", "--data-dir", terminal)


@pytest.mark.parametrize("mode", ["tap", "insert", "swipe"])
@pytest.mark.parametrize("card", sorted(MATRIX))
def test_card_profile_by_entry_mode(vtpe_bin, gateway, terminal, card, mode):
    expected = MATRIX[card][mode]
    tap = run_vtpe(vtpe_bin, "tap", card, "--mode", mode, *MODE_ARGS[mode], "--wait", "--data-dir", terminal)
    if expected == "refused":
        assert tap.returncode == 2 and ("cannot be" in tap.stderr or "no magnetic stripe" in tap.stderr), describe(tap)
        return
    line = tap.stdout.strip()
    outcome, *code = expected.split()
    assert line.startswith(outcome), describe(tap)
    assert tap.returncode == (0 if outcome == "APPROVED" else 3), describe(tap)
    if code:
        assert f"decline_code={code[0]}" in line, describe(tap)
    intent_id = line.split("payment_intent=")[1].split()[0]
    if intent_id == "-":
        # Declined by the card itself (expired, PIN blocked): nothing reached the gateway.
        assert mode != "swipe", line
        return
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{intent_id}?expand[]=latest_charge")
    assert status == 200, intent
    assert intent["status"] == ("succeeded" if outcome == "APPROVED" else "requires_payment_method"), intent
    details = intent["latest_charge"]["payment_method_details"]["card_present"]
    assert details["read_method"] == READ_METHOD[mode], details
    if mode == "swipe":
        assert details["emv_auth_data"] is None and details["receipt"] is None
    else:
        # The issuer verified the ARQC and answered with its ARPC (tag 91) after the response code.
        arc = "3030" if outcome == "APPROVED" else None
        assert details["emv_auth_data"].startswith("8A02" + (arc or "")) and "910A" in details["emv_auth_data"], details
        receipt = details["receipt"]
        assert len(receipt["application_cryptogram"]) == 16 and len(receipt["terminal_verification_results"]) == 10, receipt
        if mode == "insert" and card in ("visa", "visa_debit", "online_pin") and outcome == "APPROVED":
            assert receipt["cardholder_verification_method"] == "online_pin", receipt
        if card == "offline_pin" and mode == "insert":
            assert receipt["cardholder_verification_method"] == "offline_pin", receipt


# --------------------------------------------------------------------------- lost answers


class LossyProxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Forwards HTTP to the gateway; can swallow the answer to the next payment POST and refuse status inquiries
    for a while (as a network that drops them would)."""
    daemon_threads = True

    def __init__(self, target_port):
        self.target_port = target_port
        self.drop_next_payment = False
        self.drop_next_refund = False
        self.refuse_inquiries_until = 0.0
        self.inquiries = 0
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.path.startswith("/v1/vtpe/idempotency_keys/"):
            server.inquiries += 1
            if time.monotonic() < server.refuse_inquiries_until:
                self.close_connection = True
                return  # no answer at all
        conn = http.client.HTTPConnection("127.0.0.1", server.target_port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        if self.command == "POST" and self.path.startswith("/v1/payment_intents") and server.drop_next_payment:
            server.drop_next_payment = False
            self.close_connection = True
            return  # the gateway processed it; the terminal never hears back
        if self.command == "POST" and self.path.startswith("/v1/refunds") and server.drop_next_refund:
            server.drop_next_refund = False
            self.close_connection = True
            return
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = forward


@pytest.fixture
def lossy(vtpe_bin, gateway, tmp_path):
    port = int(gateway.rsplit(":", 1)[1])
    proxy = LossyProxy(port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proc = start_terminal(vtpe_bin, tmp_path, f"http://127.0.0.1:{proxy.server_address[1]}", "--gateway-timeout", "2")
    yield proxy, tmp_path
    stop(proc)
    proxy.shutdown()


def test_lost_answer_is_recovered_by_a_status_inquiry(vtpe_bin, gateway, lossy):
    proxy, data = lossy
    proxy.drop_next_payment = True
    tap = run_vtpe(vtpe_bin, "tap", "visa", "--amount", "13.00", "--wait", "--data-dir", data, timeout=60)
    # The answer was lost, the status inquiry found the approval: one payment, approved on screen, nothing reversed.
    assert tap.returncode == 0 and tap.stdout.startswith("APPROVED"), describe(tap)
    assert proxy.inquiries >= 1
    intent_id = tap.stdout.split("payment_intent=")[1].split()[0]
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{intent_id}?expand[]=latest_charge")
    assert intent["status"] == "succeeded" and intent["latest_charge"]["amount_refunded"] == 0, intent
    status, listed = api(gateway, "GET", "/v1/payment_intents?limit=100")
    stan = tap.stdout.split("stan=")[1].split()[0]
    same = [i for i in listed["data"] if i["metadata"].get("stan") == stan and i["metadata"].get("terminal_id") == intent["metadata"]["terminal_id"]]
    assert len(same) == 1, "never a second charge"


def test_lost_answer_that_went_through_is_reversed(vtpe_bin, gateway, lossy):
    proxy, data = lossy
    proxy.drop_next_payment = True
    proxy.refuse_inquiries_until = time.monotonic() + 6  # the inquiries right after the timeout get no answer either
    tap = run_vtpe(vtpe_bin, "tap", "mastercard", "--amount", "14.00", "--wait", "--data-dir", data, timeout=60)
    # No answer: the terminal does not show an approval (the card cannot complete without the issuer's answer).
    assert tap.returncode == 4 and tap.stdout.startswith("FAILED"), describe(tap)
    terminal_id = journal(data)["terminal_id"]
    stan = tap.stdout.split("stan=")[1].split()[0]
    # The payment did go through on the gateway; the terminal's reversal queue finds it and refunds it.

    def reversed_payment():
        status, listed = api(gateway, "GET", "/v1/payment_intents?limit=100&expand[]=data.latest_charge")
        ours = [i for i in listed["data"] if i["metadata"].get("stan") == stan and i["metadata"].get("terminal_id") == terminal_id]
        return ours if ours and ours[0]["latest_charge"]["refunded"] else None

    assert wait_until(reversed_payment, 30), f"not reversed; terminal log:\n{(data / 'vtpe.log').read_text()[-2000:]}"
    ours = reversed_payment()
    assert len(ours) == 1 and ours[0]["status"] == "succeeded" and ours[0]["latest_charge"]["amount_refunded"] == 1400
    assert ours[0]["metadata"]["vtpe_reversal"] == "true", ours[0]["metadata"]
    assert wait_until(lambda: journal(data)["reversals"] == [], 10)
    # The end of day leaves the reversed payment out on both sides: the terminal never counted it, the gateway drops it.
    report = run_vtpe(vtpe_bin, "batch", "report", "--json", "--data-dir", data, timeout=30)
    assert report.returncode == 0, describe(report)
    assert json.loads(report.stdout)["reconciliation"]["result"] == "match", report.stdout


def test_lost_refund_answer_is_found_and_counted(vtpe_bin, gateway, lossy):
    """A refund whose answer is lost is never undone: the journal keeps it in doubt (the sale takes no second refund
    meanwhile), the reversal queue's inquiry finds it made, and the day's totals count it on both sides."""
    proxy, data = lossy
    sale = run_vtpe(vtpe_bin, "sale", "30.00", "--card", "visa", "--json", "--data-dir", data, timeout=60)
    assert sale.returncode == 0, describe(sale)
    stan = f"{json.loads(sale.stdout)['stan']:06d}"
    proxy.drop_next_refund = True
    proxy.refuse_inquiries_until = time.monotonic() + 6
    refund = run_vtpe(vtpe_bin, "refund", "10.00", "--of", stan, "--card", "visa", "--wait", "--data-dir", data, timeout=60)
    assert refund.returncode == 4 and refund.stdout.startswith("FAILED refund"), describe(refund)
    refund_stan = int(refund.stdout.split("STAN ")[1].split()[0])

    def journal_status():
        entries = journal(data)["batch"]["entries"]
        return next(e["status"] for e in entries if e["stan"] == refund_stan)

    if journal_status() == "in_doubt":
        again = run_vtpe(vtpe_bin, "refund", "10.00", "--of", stan, "--card", "visa", "--wait", "--data-dir", data, timeout=30)
        assert again.returncode == 2 and "awaits the gateway's answer" in again.stderr, describe(again)
    assert wait_until(lambda: journal_status() == "approved", 30), (data / "vtpe.log").read_text()[-2000:]
    entries = journal(data)["batch"]["entries"]
    refund_id = next(e["gatewayID"] for e in entries if e["stan"] == refund_stan)
    status, made = api(gateway, "GET", f"/v1/refunds/{refund_id}")
    assert status == 200 and made["amount"] == 1000 and made["status"] == "succeeded", made
    sale_intent = json.loads(sale.stdout)["id"]
    status, listed = api(gateway, "GET", f"/v1/refunds?payment_intent={sale_intent}")
    assert [r["id"] for r in listed["data"]] == [refund_id], "one refund, never two"
    report = run_vtpe(vtpe_bin, "batch", "report", "--json", "--data-dir", data, timeout=30)
    x = json.loads(report.stdout)
    assert x["reconciliation"]["result"] == "match", x
    assert any(t["type"] == "refund" and t["amount"] == 1000 for t in x["totals"]), x


# --------------------------------------------------------------------------- TDES DUKPT profiles


def test_a_tdes_dukpt_profile_sells_the_same(vtpe_bin, gateway, tmp_path):
    """A profile with `key_management: tdes_dukpt` loads TDES keys (20-digit KSNs) and its chip and PIN sales go
    through the same issuer checks."""
    countertop = (Path(__file__).resolve().parents[2] / "firmware-profiles" / "countertop.yaml").read_text()
    profile = tmp_path / "legacy.yaml"
    profile.write_text(countertop.replace("id: countertop", "id: legacy-tdes").replace("name: Countertop", "name: Legacy TDES")
                       + "key_management: tdes_dukpt\n")
    data = tmp_path / "data"
    data.mkdir()
    proc = start([vtpe_bin, "terminal", "--headless", "--profile", profile, "--data-dir", data, "--gateway", gateway, "--api-key", KEY],
                 tmp_path / "terminal.out")
    try:
        assert wait_until(lambda: (data / "keys-legacy-tdes.json").exists() and (data / "terminal.sock").exists(), 15), \
            (tmp_path / "terminal.out").read_text()
        keys = json.loads((data / "keys-legacy-tdes.json").read_text())
        assert keys["scheme"] == "tdes_dukpt" and len(keys["ksn"]) == 20, keys
        for card, args in [("visa", ["--amount", "12.00"]), ("online_pin", ["--mode", "insert", "--pin", "1234", "--amount", "80.00"]),
                           ("mastercard", ["--mode", "swipe", "--fallback", "--amount", "9.00"])]:
            tap = run_vtpe(vtpe_bin, "tap", card, *args, "--wait", "--data-dir", data)
            assert tap.returncode == 0 and tap.stdout.startswith("APPROVED"), describe(tap)
        wrong = run_vtpe(vtpe_bin, "tap", "online_pin", "--mode", "insert", "--pin", "9999", "--amount", "80.00", "--wait", "--data-dir", data)
        assert wrong.returncode == 3 and "decline_code=incorrect_pin" in wrong.stdout, describe(wrong)
        status, readers = api(gateway, "GET", "/v1/terminal/readers?device_type=legacy-tdes")
        assert status == 200 and len(readers["data"]) == 1 and readers["data"][0]["status"] == "online", readers
    finally:
        stop(proc)
