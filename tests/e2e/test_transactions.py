"""Every transaction type through the real binaries: `vtpe sale|preauth|complete|void|refund|reprint|batch` on a
headless countertop terminal against a separate `vtpe gateway`, each checked on the terminal's answer and on the
gateway's objects; a sale on every shipped profile; the end of day matching, then mismatching when the test changes
the gateway behind the terminal's back; and the refusals of bad input, with nothing half-done on either side."""
import json

import pytest

from conftest import api, describe, run_vtpe, start_terminal, stop, journal

PROFILES = ["countertop", "portable", "smartpos", "mpos", "softpos", "eu", "fr", "uk", "us"]


@pytest.fixture(scope="module")
def counter(vtpe_bin, gateway, tmp_path_factory):
    data = tmp_path_factory.mktemp("counter")
    proc = start_terminal(vtpe_bin, data, gateway)
    yield data
    stop(proc)


def vtpe(vtpe_bin, data, *args):
    return run_vtpe(vtpe_bin, *args, "--data-dir", data)


def result(proc):
    """The JSON result of a `--json` command."""
    assert proc.stdout.strip().startswith("{"), describe(proc)
    return json.loads(proc.stdout)


def test_sale_with_a_tip_then_void(vtpe_bin, gateway, counter):
    sale = vtpe(vtpe_bin, counter, "sale", "20.00", "--tip", "2.50", "--card", "visa", "--json")
    assert sale.returncode == 0, describe(sale)
    r = result(sale)
    assert r["result"] == "APPROVED" and r["kind"] == "sale" and r["amount"] == 2250, r
    assert r["line"] == f"APPROVED sale EUR 22.50 STAN {r['stan']:06d} auth_code={r['auth_code']} id={r['id']}", r
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{r['id']}")
    assert status == 200 and intent["amount_received"] == 2250 and intent["amount_details"]["tip"]["amount"] == 250, intent
    assert intent["metadata"]["vtpe_type"] == "sale" and intent["metadata"]["vtpe_batch"] == "1", intent
    # Both copies printed; the merchant copy carries the TVR.
    assert any(line.startswith("TVR ") for line in r["merchant_receipt"]["lines"]) and "CUSTOMER COPY" in " ".join(r["receipt"]["lines"])
    void = vtpe(vtpe_bin, counter, "void", f"{r['stan']:06d}", "--wait")
    assert void.returncode == 0 and void.stdout.startswith("APPROVED void EUR 22.50"), describe(void)
    refund_id = void.stdout.split("id=")[1].split()[0]
    status, refund = api(gateway, "GET", f"/v1/refunds/{refund_id}")
    assert status == 200 and refund["amount"] == 2250 and refund["payment_intent"] == r["id"] and refund["metadata"]["vtpe_type"] == "void", refund
    again = vtpe(vtpe_bin, counter, "void", f"{r['stan']:06d}", "--wait")
    assert again.returncode == 2 and "already voided" in again.stderr, describe(again)


def test_preauthorization_partial_and_incremental_completion(vtpe_bin, gateway, counter):
    pre = vtpe(vtpe_bin, counter, "preauth", "80.00", "--card", "visa", "--pin", "1234", "--json")
    assert pre.returncode == 0, describe(pre)
    p = result(pre)
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{p['id']}")
    assert status == 200 and intent["status"] == "requires_capture" and intent["capture_method"] == "manual", intent
    done = vtpe(vtpe_bin, counter, "complete", f"{p['stan']:06d}", "62.50", "--wait")
    assert done.returncode == 0 and done.stdout.startswith("APPROVED completion EUR 62.50"), describe(done)
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{p['id']}")
    assert intent["status"] == "succeeded" and intent["amount_received"] == 6250, intent
    # Above the authorization: an incremental authorization first (the countertop profile allows it).
    hotel = result(vtpe(vtpe_bin, counter, "preauth", "50.00", "--card", "mastercard", "--pin", "1234", "--json"))
    more = vtpe(vtpe_bin, counter, "complete", f"{hotel['stan']:06d}", "70.00", "--wait")
    assert more.returncode == 0 and more.stdout.startswith("APPROVED completion EUR 70.00"), describe(more)
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{hotel['id']}?expand[]=latest_charge")
    assert intent["amount_received"] == 7000, intent
    assert intent["latest_charge"]["payment_method_details"]["card_present"]["incremental_authorization_supported"] is True, intent
    # A pre-authorization voided before completion: the intent is cancelled.
    third = result(vtpe(vtpe_bin, counter, "preauth", "30.00", "--card", "visa", "--json"))
    void = vtpe(vtpe_bin, counter, "void", f"{third['stan']:06d}", "--wait")
    assert void.returncode == 0 and void.stdout.startswith("APPROVED void EUR 0.00"), describe(void)
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{third['id']}")
    assert intent["status"] == "canceled", intent


def test_refunds_referenced_and_unreferenced(vtpe_bin, gateway, counter):
    sale = result(vtpe(vtpe_bin, counter, "sale", "40.00", "--card", "visa", "--json"))
    over = vtpe(vtpe_bin, counter, "refund", "45.00", "--of", f"{sale['stan']:06d}", "--card", "visa", "--wait")
    assert over.returncode == 2 and "Refund over what is left" in over.stderr, describe(over)
    part = vtpe(vtpe_bin, counter, "refund", "15.00", "--of", f"{sale['stan']:06d}", "--card", "visa", "--json")
    assert part.returncode == 0, describe(part)
    refund = result(part)
    status, obj = api(gateway, "GET", f"/v1/refunds/{refund['id']}")
    assert status == 200 and obj["amount"] == 1500 and obj["payment_intent"] == sale["id"], obj
    assert obj["vtpe_card_present"]["last4"] == "4242", obj
    # Another card than the one paid with: the gateway refuses, nothing is refunded.
    wrong = vtpe(vtpe_bin, counter, "refund", "5.00", "--of", f"{sale['stan']:06d}", "--card", "mastercard", "--wait")
    assert wrong.returncode == 4 and wrong.stdout.startswith("FAILED refund"), describe(wrong)
    status, intent = api(gateway, "GET", f"/v1/payment_intents/{sale['id']}?expand[]=latest_charge")
    assert intent["latest_charge"]["amount_refunded"] == 1500, intent
    free = vtpe(vtpe_bin, counter, "refund", "7.50", "--card", "mastercard", "--json")
    assert free.returncode == 0, describe(free)
    status, obj = api(gateway, "GET", f"/v1/refunds/{result(free)['id']}")
    assert obj["charge"] is None and obj["amount"] == 750 and obj["vtpe_card_present"]["brand"] == "mastercard", obj


def test_reprint_both_copies(vtpe_bin, counter):
    sale = result(vtpe(vtpe_bin, counter, "sale", "3.20", "--card", "amex", "--json"))
    merchant = vtpe(vtpe_bin, counter, "reprint", f"{sale['stan']:06d}", "--copy", "merchant")
    assert merchant.returncode == 0 and "DUPLICATE" in merchant.stdout and "MERCHANT COPY" in merchant.stdout, describe(merchant)
    assert "TVR " in merchant.stdout and "EUR 3.20" in merchant.stdout
    last = vtpe(vtpe_bin, counter, "reprint")
    assert last.returncode == 0 and "CUSTOMER COPY" in last.stdout and "TVR " not in last.stdout, describe(last)
    assert all(len(line) <= 32 for line in last.stdout.splitlines())
    unknown = vtpe(vtpe_bin, counter, "reprint", "999999")
    assert unknown.returncode == 2 and "No transaction with STAN 999999" in unknown.stderr, describe(unknown)


def test_end_of_day_matches_then_mismatches(vtpe_bin, gateway, counter):
    report = vtpe(vtpe_bin, counter, "batch", "report", "--json")
    assert report.returncode == 0, describe(report)
    x = result(report)
    assert x["closed"] is False and x["reconciliation"]["result"] == "match", x
    assert {t["type"] for t in x["totals"]} >= {"sale", "preauthorization", "refund", "void"}, x
    close = result(vtpe(vtpe_bin, counter, "batch", "close", "--json"))
    assert close["closed"] is True and close["batch"] == 1 and close["reconciliation"]["result"] == "match", close
    status, batch = api(gateway, "GET", f"/v1/vtpe/terminal_batches/{terminal_id(counter)}/1")
    assert status == 200 and batch["status"] == "closed" and batch["reconciliation"]["result"] == "match", batch
    closed_void = vtpe(vtpe_bin, counter, "void", "000001", "--wait")
    assert closed_void.returncode == 2 and "closed batch" in closed_void.stderr, describe(closed_void)
    # Batch 2: a sale, then a refund made behind the terminal's back, tagged as the terminal's.
    sale = result(vtpe(vtpe_bin, counter, "sale", "10.00", "--card", "visa", "--json"))
    status, _ = api(gateway, "POST", "/v1/refunds", {"payment_intent": sale["id"], "amount": "400", "metadata[terminal_id]": terminal_id(counter),
                                                     "metadata[vtpe_batch]": "2", "metadata[vtpe_type]": "refund"})
    assert status == 200
    z = vtpe(vtpe_bin, counter, "batch", "close")
    assert z.returncode == 0 and "BATCH 2 CLOSED reconciliation=mismatch" in z.stdout, describe(z)
    assert "difference refund visa EUR: terminal 0/0, gateway 1/400" in z.stdout, describe(z)


def terminal_id(data):
    return journal(data)["terminal_id"]


@pytest.mark.parametrize("profile", PROFILES)
def test_a_sale_on_every_profile(vtpe_bin, gateway, tmp_path, profile):
    data = tmp_path / profile
    data.mkdir()
    proc = start_terminal(vtpe_bin, data, gateway, "--profile", profile)
    try:
        amount = "12.00"
        sale = vtpe(vtpe_bin, data, "sale", amount, "--tip", "0", "--card", "mastercard", "--json")
        assert sale.returncode == 0, describe(sale) + (data / "terminal.out").read_text()
        r = result(sale)
        assert r["result"] == "APPROVED" and r["card"]["entry_mode"] == "contactless_emv", r
        status, intent = api(gateway, "GET", f"/v1/payment_intents/{r['id']}")
        assert status == 200 and intent["status"] == "succeeded" and intent["currency"] == r["currency"], intent
        receipts = sorted((data / "receipts").glob("*.txt"))
        assert receipts, "no receipt file"
        for path in receipts:
            width = 32
            assert all(len(line) <= width for line in path.read_text().splitlines()), path
            assert "5555555555554444" not in path.read_text()
        if profile in ("mpos", "softpos"):
            # No printer: e-receipts in text and JSON.
            e = json.loads(sorted((data / "receipts").glob("*.json"))[0].read_text())
            assert e["profile"] == profile and e["transaction"]["last4"] == "4444", e
        if profile == "fr":
            text = "\n".join(p.read_text() for p in receipts)
            assert "MONTANT = 12,00 EUR" in text and "TICKET COMMERCANT" in text and "TICKET CLIENT" not in text, text
        if profile == "softpos":
            swipe = vtpe(vtpe_bin, data, "sale", "5.00", "--tip", "0", "--card", "visa", "--mode", "swipe", "--wait")
            assert swipe.returncode == 2 and "does not accept swipe" in swipe.stderr, describe(swipe)
        if profile == "mpos":
            pre = vtpe(vtpe_bin, data, "preauth", "5.00")
            assert pre.returncode == 2 and "Pre-authorization is not enabled on this terminal (mpos)" in pre.stderr, describe(pre)
            big = vtpe(vtpe_bin, data, "sale", "6000.00")
            assert big.returncode == 2 and "maximum of EUR 5000.00" in big.stderr, describe(big)
    finally:
        stop(proc)


def test_completion_above_without_incremental_support(vtpe_bin, gateway, tmp_path):
    profile = tmp_path / "no-increment.yaml"
    profile.write_text("id: no-increment\nextends: countertop\ntransactions:\n  incremental_authorization: false\n")
    data = tmp_path / "data"
    data.mkdir()
    proc = start_terminal(vtpe_bin, data, gateway, "--profile", profile)
    try:
        pre = result(vtpe(vtpe_bin, data, "preauth", "20.00", "--card", "visa", "--json"))
        above = vtpe(vtpe_bin, data, "complete", f"{pre['stan']:06d}", "25.00", "--wait")
        assert above.returncode == 2 and "cannot increase an authorization" in above.stderr, describe(above)
        status, intent = api(gateway, "GET", f"/v1/payment_intents/{pre['id']}")
        assert intent["status"] == "requires_capture" and intent["amount_capturable"] == 2000, intent
    finally:
        stop(proc)


def test_co_badged_card_lets_the_cardholder_choose(vtpe_bin, gateway, tmp_path):
    """On the French terminal a CB + Visa card asks which brand (EU Regulation 2015/751 art. 8): the terminal waits
    (exit 5), the cardholder picks on the keypad or ahead with --app, and the gateway sees the CB network."""
    data = tmp_path / "fr"
    data.mkdir()
    proc = start_terminal(vtpe_bin, data, gateway, "--profile", "fr")
    try:
        ask = vtpe(vtpe_bin, data, "sale", "20.00", "--card", "4000002500001001", "--mode", "insert", "--pin", "1234", "--wait")
        assert ask.returncode == 5 and "SELECT_APPLICATION" in ask.stdout and "CB" in ask.stdout, describe(ask)
        chosen = run_vtpe(vtpe_bin, "keypad", "2", "--wait", "--data-dir", data)   # the second: Visa
        assert chosen.returncode == 0 and chosen.stdout.startswith("APPROVED"), describe(chosen)
        cb = result(vtpe(vtpe_bin, data, "sale", "20.00", "--card", "4000002500001001", "--mode", "insert", "--pin", "1234",
                         "--app", "CB", "--json"))
        assert cb["result"] == "APPROVED", cb
        status, intent = api(gateway, "GET", f"/v1/payment_intents/{cb['id']}?expand[]=latest_charge")
        details = intent["latest_charge"]["payment_method_details"]["card_present"]
        assert details["network"] == "cartes_bancaires" and details["brand"] == "visa", details
        assert any("CARTE BANCAIRE" in line for line in cb["merchant_receipt"]["lines"]), cb
    finally:
        stop(proc)


def test_eu_card_counts_its_taps_without_a_pin(vtpe_bin, gateway, tmp_path):
    """PSD2 counted on the card (RTS art. 11): on the eu terminal five EUR 10 taps of a card with PSD2 counters go
    without a PIN; the sixth asks for it although it is under the EUR 50 no-CVM limit (the terminal waits, exit 5),
    the PIN approves it online and the next tap goes without one again."""
    data = tmp_path / "eu"
    data.mkdir()
    proc = start_terminal(vtpe_bin, data, gateway, "--profile", "eu")
    try:
        for count in range(5):
            free = vtpe(vtpe_bin, data, "sale", "10.00", "--card", "visa_contactless_sca", "--mode", "tap", "--wait")
            assert free.returncode == 0 and free.stdout.startswith("APPROVED sale EUR 10.00"), (count, describe(free))
        ask = vtpe(vtpe_bin, data, "sale", "10.00", "--card", "visa_contactless_sca", "--mode", "tap", "--wait")
        assert ask.returncode == 5 and "PIN_ENTRY" in ask.stdout, describe(ask)
        entered = run_vtpe(vtpe_bin, "keypad", "1234E", "--wait", "--data-dir", data)
        assert entered.returncode == 0 and entered.stdout.startswith("APPROVED amount=EUR 10.00"), describe(entered)
        intent_id = entered.stdout.split("payment_intent=")[1].split()[0]
        status, intent = api(gateway, "GET", f"/v1/payment_intents/{intent_id}?expand[]=latest_charge")
        present = intent["latest_charge"]["payment_method_details"]["card_present"]
        assert status == 200 and present["receipt"]["cardholder_verification_method"] == "online_pin", present
        again = vtpe(vtpe_bin, data, "sale", "10.00", "--card", "visa_contactless_sca", "--mode", "tap", "--wait")
        assert again.returncode == 0 and again.stdout.startswith("APPROVED"), describe(again)
    finally:
        stop(proc)
