"""Store-and-forward on a real headless portable terminal against a separate `vtpe gateway`: with the network down
a tap is approved OFFLINE (exit 0), kept in the terminal's SQLite store, shown by `vtpe status`, and forwarded once
the network is back — one payment on the gateway, with `card_present.offline`; a card the bank then declines stays
declined on the terminal; force_offline stores without trying; require_online and the limits refuse; the day's
totals match."""
import json

from conftest import api, describe, run_vtpe, start_terminal, stop, wait_until, journal


def vtpe(vtpe_bin, data, *args, timeout=15):
    return run_vtpe(vtpe_bin, *args, "--data-dir", data, timeout=timeout)


def status(vtpe_bin, data):
    return json.loads(vtpe(vtpe_bin, data, "status", "--json").stdout)


def test_offline_sales_are_stored_then_forwarded(vtpe_bin, gateway, tmp_path):
    proc = start_terminal(vtpe_bin, tmp_path, gateway, "--profile", "portable", "--gateway-timeout", "2")
    try:
        assert vtpe(vtpe_bin, tmp_path, "network", "down").returncode == 0
        sale = vtpe(vtpe_bin, tmp_path, "sale", "12.00", "--tip", "0", "--card", "visa", "--json")
        assert sale.returncode == 0, describe(sale)
        stored = json.loads(sale.stdout)
        assert stored["result"] == "APPROVED" and stored["offline"] is True and stored["line"].endswith("OFFLINE"), stored
        assert any("APPROVED OFFLINE" in line for line in stored["receipt"]["lines"]), stored["receipt"]
        broke = vtpe(vtpe_bin, tmp_path, "sale", "9.00", "--tip", "0", "--card", "visa_insufficient_funds", "--wait")
        assert broke.returncode == 0 and broke.stdout.rstrip().endswith("OFFLINE"), describe(broke)
        over = vtpe(vtpe_bin, tmp_path, "sale", "60.00", "--tip", "0", "--card", "visa", "--pin", "1234", "--wait")
        assert over.returncode == 4 and "network down — not taken offline: a PIN checked by the bank cannot be taken offline" in over.stdout, describe(over)
        strict = vtpe(vtpe_bin, tmp_path, "sale", "5.00", "--tip", "0", "--card", "visa", "--offline-behavior", "require_online", "--wait")
        assert strict.returncode == 4 and strict.stdout.startswith("FAILED"), describe(strict)
        state = status(vtpe_bin, tmp_path)
        assert state["offline"]["pending"] == 2 and state["offline"]["totals"] == [{"currency": "EUR", "amount": 2100}], state
        assert [p["status"] for p in journal(tmp_path, "portable")["offline"]] == ["pending", "pending"]
        for name in ("journal-portable.sqlite", "journal-portable.sqlite-wal"):
            if (tmp_path / name).exists():
                assert b"4242424242424242" not in (tmp_path / name).read_bytes(), "no clear PAN on disk"

        assert vtpe(vtpe_bin, tmp_path, "network", "up").returncode == 0
        assert wait_until(lambda: status(vtpe_bin, tmp_path)["offline"]["pending"] == 0, 15), status(vtpe_bin, tmp_path)
        entries = {e["stan"]: e for e in journal(tmp_path, "portable")["batch"]["entries"]}
        ok = entries[stored["stan"]]
        assert ok["offline"] == "forwarded" and ok["gatewayID"].startswith("pi_"), ok
        status_code, intent = api(gateway, "GET", f"/v1/payment_intents/{ok['gatewayID']}?expand[]=latest_charge")
        present = intent["latest_charge"]["payment_method_details"]["card_present"]
        assert intent["status"] == "succeeded" and intent["amount"] == 1200 and present["offline"]["type"] == "deferred", present
        declined = [e for e in entries.values() if e.get("offline") == "declined"]
        assert len(declined) == 1 and declined[0]["status"] == "declined", entries

        # force_offline with the network up: stored without trying, forwarded on the next pass.
        forced = vtpe(vtpe_bin, tmp_path, "sale", "7.00", "--tip", "0", "--card", "mastercard", "--offline-behavior", "force_offline", "--wait")
        assert forced.returncode == 0 and forced.stdout.rstrip().endswith("OFFLINE"), describe(forced)
        assert wait_until(lambda: status(vtpe_bin, tmp_path)["offline"]["pending"] == 0, 15)
        report = vtpe(vtpe_bin, tmp_path, "batch", "report", "--json")
        x = json.loads(report.stdout)
        assert x["reconciliation"]["result"] == "match", x
        assert [(d["amount"], d["last4"]) for d in x["declined_offline"]] == [(900, "9995")], x
        assert {(t["brand"], t["type"], t["count"], t["amount"]) for t in x["totals"]} == {("visa", "sale", 1, 1200), ("mastercard", "sale", 1, 700)}, x
    finally:
        stop(proc)


def test_countertop_takes_nothing_offline(vtpe_bin, gateway, tmp_path):
    proc = start_terminal(vtpe_bin, tmp_path, gateway, "--gateway-timeout", "2")
    try:
        vtpe(vtpe_bin, tmp_path, "network", "down")
        sale = vtpe(vtpe_bin, tmp_path, "sale", "12.00", "--card", "visa", "--wait")
        assert sale.returncode == 4 and sale.stdout.startswith("FAILED"), describe(sale)
        forced = vtpe(vtpe_bin, tmp_path, "sale", "12.00", "--card", "visa", "--offline-behavior", "force_offline", "--wait")
        assert forced.returncode == 4 and "does not take payments offline" in forced.stdout, describe(forced)
        assert journal(tmp_path)["offline"] == []
    finally:
        stop(proc)


def test_vtpe_tap_says_offline_and_exits_zero(vtpe_bin, gateway, tmp_path):
    """`vtpe tap … --wait` on a portable (tip prompt off) with the network down: an offline approval is an approval."""
    profile = tmp_path / "field.yaml"
    profile.write_text("id: field\nextends: portable\nname: Field handheld\ntipping:\n  mode: \"off\"\n")
    proc = start_terminal(vtpe_bin, tmp_path, gateway, "--profile", profile, "--gateway-timeout", "2")
    try:
        vtpe(vtpe_bin, tmp_path, "network", "down")
        tap = vtpe(vtpe_bin, tmp_path, "tap", "visa", "--amount", "8.00", "--wait")
        assert tap.returncode == 0 and tap.stdout.startswith("APPROVED amount=EUR 8.00") and tap.stdout.rstrip().endswith("OFFLINE"), describe(tap)
        assert status(vtpe_bin, tmp_path)["offline"]["pending"] == 1
    finally:
        stop(proc)
