"""Crash safety (docs/offline.md, "Crash safety"): a portable terminal SIGKILLed at random moments — typing,
reading the card, waiting for the gateway, after the approval, while forwarding offline payments — over 200
transactions, then the same with the gateway SIGKILLed and restarted instead. After each restart the terminal
resolves what it left unfinished (reversal of an authorization it never completed, the offline store's payments
taken into the batch, forwarding under the same idempotency keys), and the test reconciles its journal with the
gateway: every approval the cashier saw is in the gateway once, every payment the gateway holds is one the terminal
approved, none is there twice, and the end-of-day report matches."""
import json
import os
import random
import signal
import subprocess
from collections import Counter

import pytest

from conftest import KEY, api, describe, free_port, healthy, journal, run_vtpe, start, stop, wait_until

TRANSACTIONS = 200
SEED = int(os.environ.get("VTPE_CRASH_SEED", "20261201"))


class Terminal:
    """A headless portable terminal that can be killed and restarted on the same data directory."""

    def __init__(self, vtpe_bin, data, gateway):
        self.vtpe_bin, self.data, self.gateway = vtpe_bin, data, gateway
        self.proc = None
        self.starts = 0

    def start(self):
        sock = self.data / "terminal.sock"
        if sock.exists():
            sock.unlink()  # left by a killed terminal
        self.starts += 1
        self.proc = start([self.vtpe_bin, "terminal", "--headless", "--profile", "portable", "--data-dir", self.data,
                           "--gateway", self.gateway, "--api-key", KEY, "--gateway-timeout", "2"], self.data / f"terminal-{self.starts}.out")
        assert wait_until(lambda: self.answers(), 15), (self.data / f"terminal-{self.starts}.out").read_text()

    def answers(self):
        if self.proc.poll() is not None:
            raise AssertionError((self.data / f"terminal-{self.starts}.out").read_text())
        if not (self.data / "terminal.sock").exists() or not (self.data / "keys-portable.json").exists():
            return False
        return self.vtpe("status", "--json").returncode == 0

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def vtpe(self, *args, timeout=15):
        return run_vtpe(self.vtpe_bin, *args, "--data-dir", self.data, timeout=timeout)

    def sale(self, amount, offline):
        argv = [str(self.vtpe_bin), "sale", f"{amount / 100:.2f}", "--tip", "0", "--card", "visa", "--json", "--data-dir", str(self.data)]
        if offline:
            argv += ["--offline-behavior", "force_offline"]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


def our_intents(gateway, terminal_id):
    """Every payment intent the gateway holds for this terminal (paged through)."""
    found, after = [], None
    while True:
        path = "/v1/payment_intents?limit=100" + (f"&starting_after={after}" if after else "")
        status, page = api(gateway, "GET", path)
        assert status == 200, page
        found += [i for i in page["data"] if i["metadata"].get("terminal_id") == terminal_id]
        if not page["has_more"]:
            return found
        after = page["data"][-1]["id"]


def reconcile(gateway, data, seen):
    """0 lost, 0 doubled: the journal, the gateway and what the cashier saw agree. Returns what it found."""
    state = journal(data, "portable")
    entries = state["batch"]["entries"]
    by_stan = {e["stan"]: e for e in entries}
    intents = our_intents(gateway, state["terminal_id"])
    live = [i for i in intents if i["status"] in ("succeeded", "requires_capture") and i["metadata"].get("vtpe_reversal") != "true"]
    stans = Counter(int(i["metadata"]["stan"]) for i in intents)
    doubled = [s for s, n in stans.items() if n > 1]
    approved = {e["stan"]: e for e in entries if e["status"] == "approved"}
    # Every payment the gateway keeps is one the terminal approved (a stray one is a customer charged twice).
    stray = [i["id"] for i in live if int(i["metadata"]["stan"]) not in approved]
    # Every approval the cashier saw is in the journal, approved, and (once forwarded) in the gateway.
    # (An offline approval the bank declines when forwarded stays in the journal as the merchant's loss.)
    lost = [s for s, result in seen.items() if result == "APPROVED" and s not in approved and by_stan.get(s, {}).get("offline") != "declined"]
    unpaid = [s for s, e in approved.items() if e.get("offline") != "stored" and e.get("gatewayID") not in {i["id"] for i in live}]
    return {"doubled": doubled, "stray": stray, "lost": lost, "unpaid": unpaid, "open_steps": state["open_steps"],
            "pending_offline": [p["stan"] for p in state["offline"] if p["status"] == "pending"], "by_stan": by_stan, "live": live}


def soak(terminal, gateway, kill, rng, restart_gateway=None):
    """TRANSACTIONS sales, a quarter of them forced offline; after a random share of them, `kill` at a random moment."""
    seen, kills = {}, 0
    for n in range(TRANSACTIONS):
        amount = rng.randint(1, 48) * 100 + rng.choice([0, 10, 20, 30, 40, 50, 60, 80, 90])  # no test-decline cents (.01 .05 .55 .65 .75)
        sale = terminal.sale(amount, offline=rng.random() < 0.25)
        if rng.random() < 0.2:
            # Anywhere from before the request reaches the terminal to after the approval shows.
            try:
                sale.wait(timeout=rng.uniform(0.0, 0.6))
            except subprocess.TimeoutExpired:
                pass
            kill()
            kills += 1
        out, err = sale.communicate(timeout=30)
        if sale.returncode in (0, 3, 4):
            result = json.loads(out)
            seen[result["stan"]] = result["result"]
        if terminal.proc.poll() is not None:
            terminal.start()
    return seen, kills


def settle(terminal, gateway, seen, timeout=60):
    """Waits until the terminal has forwarded and reversed what it owes, then reconciles."""
    terminal.vtpe("network", "up")
    found = {}

    def settled():
        found.update(reconcile(gateway, terminal.data, seen))
        return not (found["stray"] or found["pending_offline"] or found["unpaid"])

    wait_until(settled, timeout, interval=1)
    return found


def check(found, seen, kills):
    assert kills >= 20, f"only {kills} kills"
    assert len(seen) + kills >= TRANSACTIONS
    assert found["doubled"] == [], f"doubled: {found['doubled']}"
    assert found["lost"] == [], f"approved on screen, not in the journal: {found['lost']}"
    assert found["stray"] == [], f"in the gateway, not approved by the terminal: {found['stray']}"
    assert found["unpaid"] == [], f"approved by the terminal, not in the gateway: {found['unpaid']}"
    assert found["pending_offline"] == [], "every offline payment forwarded"
    assert found["open_steps"] == 0


@pytest.mark.time_limit(600)
def test_terminal_killed_at_random_loses_and_doubles_nothing(vtpe_bin, gateway, tmp_path):
    rng = random.Random(SEED)
    terminal = Terminal(vtpe_bin, tmp_path, gateway)
    terminal.start()
    try:
        seen, kills = soak(terminal, gateway, terminal.kill, rng)
        found = settle(terminal, gateway, seen)
        check(found, seen, kills)
        assert sum(1 for r in seen.values() if r == "APPROVED") > 100
        report = terminal.vtpe("batch", "report", "--json", timeout=30)
        assert report.returncode == 0, describe(report)
        assert json.loads(report.stdout)["reconciliation"]["result"] == "match", report.stdout
        interrupted = [e for e in found["by_stan"].values() if (e.get("outcomeText") or "").startswith("interrupted")]
        assert interrupted, "some kills landed mid-transaction and were resolved at restart"
    finally:
        if terminal.proc.poll() is None:
            stop(terminal.proc)


@pytest.mark.time_limit(600)
def test_gateway_killed_at_random_loses_and_doubles_nothing(vtpe_bin, tmp_path):
    rng = random.Random(SEED + 1)
    gw_data = tmp_path / "gateway"
    gw_data.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    gw = {"proc": None, "starts": 0}

    def start_gateway():
        gw["starts"] += 1
        gw["proc"] = start([vtpe_bin, "gateway", "--port", port, "--data-dir", gw_data, "--api-key", KEY], gw_data / f"gateway-{gw['starts']}.out")
        assert wait_until(lambda: healthy(url), 15), (gw_data / f"gateway-{gw['starts']}.out").read_text()

    def kill_and_restart_gateway():
        gw["proc"].send_signal(signal.SIGKILL)
        gw["proc"].wait(timeout=10)
        start_gateway()

    start_gateway()
    data = tmp_path / "terminal"
    data.mkdir()
    terminal = Terminal(vtpe_bin, data, url)
    terminal.start()
    try:
        seen, kills = soak(terminal, url, kill_and_restart_gateway, rng)
        found = settle(terminal, url, seen, timeout=150)
        check(found, seen, kills)
        report = terminal.vtpe("batch", "report", "--json", timeout=30)
        assert json.loads(report.stdout)["reconciliation"]["result"] == "match", report.stdout
    finally:
        if terminal.proc.poll() is None:
            stop(terminal.proc)
        stop(gw["proc"])


def test_a_damaged_journal_stops_the_terminal_and_says_how_to_recover(vtpe_bin, gateway, tmp_path):
    damaged = tmp_path / "journal-countertop.sqlite"
    damaged.write_bytes(b"this is not a database, and it holds the day's payments")
    run = subprocess.run([str(vtpe_bin), "terminal", "--headless", "--data-dir", str(tmp_path), "--gateway", gateway, "--api-key", KEY],
                         capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)
    assert run.returncode != 0, describe(run)
    assert "journal-countertop.sqlite is damaged" in run.stderr and "the terminal will not start on it" in run.stderr, run.stderr
    assert f"sqlite3 {damaged} .recover" in run.stderr, run.stderr
    assert damaged.read_bytes() == b"this is not a database, and it holds the day's payments", "never replaced"
    assert not (tmp_path / "terminal.sock").exists()
