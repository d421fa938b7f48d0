"""The emulated network from a script: `vtpe network up|down|flaky` on a running headless terminal against a
separate `vtpe gateway`. Down: the sale fails at once and nothing reaches the gateway. Up with latency: approved.
Flaky with every request lost: the sale fails, the payment that did arrive is reversed once the link is back, and
the day's totals still match. Bad usage exits 64, a refusal by the terminal 2."""
import json

from conftest import api, describe, run_vtpe, start_terminal, stop, wait_until, journal


def vtpe(vtpe_bin, data, *args, timeout=15):
    return run_vtpe(vtpe_bin, *args, "--data-dir", data, timeout=timeout)


def our_intents(gateway, data, stan):
    terminal_id = journal(data)["terminal_id"]
    status, listed = api(gateway, "GET", "/v1/payment_intents?limit=100&expand[]=data.latest_charge")
    return [i for i in listed["data"] if i["metadata"].get("terminal_id") == terminal_id and i["metadata"].get("stan") == str(stan)]


def test_network_down_then_up(vtpe_bin, gateway, tmp_path):
    proc = start_terminal(vtpe_bin, tmp_path, gateway, "--gateway-timeout", "2")
    try:
        shown = vtpe(vtpe_bin, tmp_path, "network")
        assert shown.returncode == 0 and shown.stdout.startswith("network up latency=0ms jitter=0ms loss=0% requests="), describe(shown)
        down = vtpe(vtpe_bin, tmp_path, "network", "down")
        assert down.returncode == 0 and down.stdout.startswith("network down "), describe(down)
        cut = vtpe(vtpe_bin, tmp_path, "sale", "12.00", "--card", "visa", "--json")
        assert cut.returncode == 4, describe(cut)
        failed = json.loads(cut.stdout)
        assert failed["result"] == "FAILED" and "network down" in failed["line"], failed
        assert our_intents(gateway, tmp_path, failed["stan"]) == [], "nothing reached the gateway"
        # Nothing to ask about either: the request provably never left.
        assert journal(tmp_path)["reversals"] == []

        up = vtpe(vtpe_bin, tmp_path, "network", "up", "--latency", "150", "--jitter", "50")
        assert up.returncode == 0 and up.stdout.startswith("network up latency=150ms jitter=50ms loss=0%"), describe(up)
        sale = vtpe(vtpe_bin, tmp_path, "sale", "12.00", "--card", "visa", "--wait")
        assert sale.returncode == 0 and sale.stdout.startswith("APPROVED sale EUR 12.00"), describe(sale)
        # `vtpe status`: the same link, the batch with the sale, nothing owed.
        status = vtpe(vtpe_bin, tmp_path, "status", "--json")
        assert status.returncode == 0, describe(status)
        state = json.loads(status.stdout)
        assert state["network"]["state"] == "up" and state["network"]["latency_ms"] == 150 and state["network"]["lost"] >= 1, state
        assert state["profile"]["id"] == "countertop" and state["printer"] == {"columns": 32, "state": "ready", "held_receipts": 0} and state["battery"] is None, state
        assert state["batch"]["number"] == 1 and state["batch"]["transactions"] == 2 and state["reversals_pending"] == 0, state
        assert state["batch"]["totals"] == [{"currency": "EUR", "brand": "visa", "type": "sale", "count": 1, "amount": 1200}], state
        human = vtpe(vtpe_bin, tmp_path, "status")
        assert human.returncode == 0 and "network   up latency=150ms jitter=50ms" in human.stdout, describe(human)
        assert "sale visa: 1 for EUR 12.00" in human.stdout and "battery   mains" in human.stdout, describe(human)
    finally:
        stop(proc)


def test_flaky_network_loses_nothing(vtpe_bin, gateway, tmp_path):
    proc = start_terminal(vtpe_bin, tmp_path, gateway, "--gateway-timeout", "1")
    try:
        flaky = vtpe(vtpe_bin, tmp_path, "network", "flaky", "--latency", "20", "--loss", "100")
        assert flaky.returncode == 0 and flaky.stdout.startswith("network flaky latency=20ms jitter=0ms loss=100%"), describe(flaky)
        lost = vtpe(vtpe_bin, tmp_path, "sale", "14.00", "--card", "mastercard", "--json", timeout=30)
        assert lost.returncode == 4, describe(lost)
        stan = json.loads(lost.stdout)["stan"]
        counts = vtpe(vtpe_bin, tmp_path, "network")
        assert "lost=0" not in counts.stdout, describe(counts)
        vtpe(vtpe_bin, tmp_path, "network", "up")

        # Whatever reached the gateway is undone: no payment stays captured for a sale the terminal failed.
        def settled():
            ours = our_intents(gateway, tmp_path, stan)
            return all(i["status"] != "succeeded" or i["latest_charge"]["refunded"] for i in ours)
        assert wait_until(settled, 12), our_intents(gateway, tmp_path, stan)
        report = vtpe(vtpe_bin, tmp_path, "batch", "report", "--json")
        assert json.loads(report.stdout)["reconciliation"]["result"] == "match", report.stdout
    finally:
        stop(proc)


def test_bad_network_requests_are_refused(vtpe_bin, tmp_path):
    for args, message in [(["sideways"], "up, down or flaky"), (["up", "--loss", "5"], "--loss applies to a flaky network"),
                          (["--latency", "5"], "give a state")]:
        res = vtpe(vtpe_bin, tmp_path, "network", *args)
        assert res.returncode == 64 and message in res.stderr, describe(res)   # a usage error, as every vtpe command
    # No terminal listening: said so, exit 1 (as `vtpe tap`).
    res = vtpe(vtpe_bin, tmp_path, "network", "down")
    assert res.returncode == 1 and "no terminal is listening" in res.stderr, describe(res)
