"""`vtpe tap` errors, and the headless terminal driven by `vtpe tap --wait`."""

import re

from conftest import describe, run_vtpe, wait_until


def test_tap_unknown_card(terminal, vtpe_bin, data_dir):
    # The terminal is running (at amount entry); a bad card name is a usage error.
    unknown = run_vtpe(vtpe_bin, "tap", "nosuchcard", "--data-dir", data_dir)
    assert unknown.returncode == 2, describe(unknown)
    assert unknown.stderr.startswith("vtpe: "), describe(unknown)
    assert "unknown card" in unknown.stderr, describe(unknown)


def test_tap_unknown_card_while_waiting_for_card(terminal, vtpe_bin, data_dir):
    terminal.send_keys(*"1234")
    terminal.send_keys("Enter")
    terminal.wait_for("PRESENT CARD", timeout=5)
    unknown = run_vtpe(vtpe_bin, "tap", "nosuchcard", "--data-dir", data_dir)
    assert unknown.returncode == 2, describe(unknown)
    assert unknown.stderr.startswith("vtpe: "), describe(unknown)
    assert "unknown card" in unknown.stderr, describe(unknown)
    screen = terminal.screen()
    assert "PRESENT CARD" in screen and "PROCESSING" not in screen, screen


def test_tap_when_not_waiting_for_card(terminal, vtpe_bin, data_dir):
    # The terminal is at amount entry, not waiting for a card.
    early = run_vtpe(vtpe_bin, "tap", "visa", "--data-dir", data_dir)
    assert early.returncode == 2, describe(early)
    assert early.stderr.startswith("vtpe: "), describe(early)
    assert "not waiting for a card" in early.stderr, describe(early)
    screen = terminal.screen()
    assert "APPROVED" not in screen and "PROCESSING" not in screen, screen
    assert "EUR 0.00" in screen, screen


def test_tap_without_terminal(vtpe_bin, workdir):
    empty = workdir / "empty"
    empty.mkdir()
    nobody = run_vtpe(vtpe_bin, "tap", "visa", "--data-dir", empty)
    assert nobody.returncode == 1, describe(nobody)
    assert nobody.stderr.startswith("vtpe: "), describe(nobody)
    assert "no terminal is listening" in nobody.stderr, describe(nobody)


def test_headless_tap_wait(background, vtpe_bin, data_dir):
    term = background([vtpe_bin, "terminal", "--headless", "--data-dir", data_dir], "headless")
    term.wait_for_output("READY", timeout=10)
    sock = data_dir / "terminal.sock"
    assert wait_until(sock.exists, 5), f"no control socket at {sock}; stdout:\n{term.stdout()}"

    ok = run_vtpe(vtpe_bin, "tap", "visa", "--amount", "12.34", "--wait", "--data-dir", data_dir)
    assert ok.returncode == 0, describe(ok)
    line = ok.stdout.strip()
    assert len(line.splitlines()) == 1, describe(ok)
    assert line.startswith("APPROVED"), describe(ok)
    assert "amount=EUR 12.34" in line, describe(ok)
    assert "card=visa/4242" in line, describe(ok)
    assert re.search(r"\bpayment_intent=pi_\w+", line), describe(ok)
    assert re.search(r"\bauth_code=\w+", line), describe(ok)
    assert "4242424242424242" not in ok.stdout + ok.stderr, describe(ok)
    stan1 = re.search(r"\bstan=(\d+)", line)
    assert stan1 and int(stan1.group(1)) == 1, describe(ok)

    ko = run_vtpe(vtpe_bin, "tap", "4000000000009995", "--amount", "12.34", "--wait", "--data-dir", data_dir)
    assert ko.returncode == 3, describe(ko)
    line = ko.stdout.strip()
    assert line.startswith("DECLINED"), describe(ko)
    assert "decline_code=insufficient_funds" in line, describe(ko)
    assert "amount=EUR 12.34" in line, describe(ko)
    stan2 = re.search(r"\bstan=(\d+)", line)
    assert stan2 and int(stan2.group(1)) == 2, describe(ko)

    out = term.wait_for_output("DECLINED", timeout=5)
    assert "WAITING_FOR_CARD" in out, out
    assert "WAITING_FOR_CARD amount=EUR 12.34" in out, out
    assert "APPROVED" in out, out
    assert "4000000000009995" not in out and "4242424242424242" not in out, out
    assert term.proc.poll() is None, f"headless terminal exited early; stderr:\n{term.stderr()}"
