"""The terminals driven through their ncurses screens (tmux): the countertop in depth, a sale on every profile."""

import pytest

from conftest import describe, free_port, run_vtpe

VISA = "4242424242424242"
VISA_INSUFFICIENT = "4000000000009995"


def enter_amount(term, digits):
    term.send_keys(*digits)
    term.send_keys("Enter")
    return term.wait_for("PRESENT CARD", timeout=5)


def test_approve_with_tapped_visa(terminal, vtpe_bin, data_dir):
    enter_amount(terminal, "1234")

    tap = run_vtpe(vtpe_bin, "tap", VISA, "--data-dir", data_dir)
    assert tap.returncode == 0, describe(tap)
    assert tap.stdout.startswith("presented TAP"), describe(tap)
    assert VISA not in tap.stdout + tap.stderr, describe(tap)

    screen = terminal.wait_for("APPROVED", timeout=10)
    screen = terminal.wait_for("CUSTOMER COPY", timeout=5)  # the paper strip, once the printer is done
    assert "EUR 12.34" in screen, screen
    assert "**** **** **** 4242" in screen, screen
    assert VISA not in screen, screen

    log = data_dir / "vtpe.log"
    assert log.is_file(), f"no log at {log}"
    assert VISA not in log.read_text(errors="replace"), "full card number written to vtpe.log"

    receipts = sorted((data_dir / "receipts").glob("*"))
    receipts = [r for r in receipts if r.is_file()]
    assert receipts, f"no receipt file in {data_dir / 'receipts'}"
    texts = [r.read_text(errors="replace") for r in receipts]
    assert any("APPROVED" in t for t in texts), texts
    for r, t in zip(receipts, texts):
        assert VISA not in t, f"full card number in receipt {r}:\n{t}"


def test_decline_insufficient_funds(terminal, vtpe_bin, data_dir):
    enter_amount(terminal, "1234")

    tap = run_vtpe(vtpe_bin, "tap", VISA_INSUFFICIENT, "--data-dir", data_dir)
    assert tap.returncode == 0, describe(tap)

    screen = terminal.wait_for("DECLINED", timeout=10)
    screen = terminal.wait_for("INSUFFICIENT FUNDS", timeout=5)
    assert "APPROVED" not in screen, screen
    assert VISA_INSUFFICIENT not in screen, screen


def test_generic_decline_with_simulator_key(terminal):
    enter_amount(terminal, "500")
    terminal.send_keys("3")
    screen = terminal.wait_for("DECLINED", timeout=10)
    assert "EUR 5.00" in screen, screen
    assert "APPROVED" not in screen, screen


def test_bad_input_notices(terminal):
    # A letter is refused with a notice; the amount does not change.
    terminal.type_text("x")
    screen = terminal.wait_for("! Key", timeout=5)
    assert "EUR 0.00" in screen, screen

    # Enter with no amount.
    terminal.send_keys("Enter")
    screen = terminal.wait_for("! Enter an amount first", timeout=5)
    assert "PRESENT CARD" not in screen, screen

    # 100000 = EUR 1000.00; one more digit would be EUR 10000.00 > max 9999.99.
    terminal.send_keys(*"100000")
    screen = terminal.wait_for("EUR 1000.00", timeout=5)
    terminal.send_keys("0")
    screen = terminal.wait_for("! Maximum amount is EUR 9999.99", timeout=5)
    assert "EUR 10000.00" not in screen, screen
    assert "EUR 1000.00" in screen, screen


def test_gateway_down_not_completed(tmux_terminal, vtpe_bin, data_dir):
    closed_port = free_port()  # bound then released: nothing listens there
    term = tmux_terminal([
        vtpe_bin, "terminal", "--data-dir", data_dir,
        "--gateway", f"http://127.0.0.1:{closed_port}",
        "--api-key", "sk_test_abcdefghijklmnop",
    ])
    term.wait_for("QA ·", timeout=10)
    enter_amount(term, "1234")

    tap = run_vtpe(vtpe_bin, "tap", "visa", "--data-dir", data_dir)
    assert tap.returncode == 0, describe(tap)

    screen = term.wait_for("NOT COMPLETED", timeout=15)
    screen = term.wait_for("NO CONNECTION", timeout=5)
    assert "APPROVED" not in screen, screen


def test_terminal_on_a_remote_gateway_and_a_wrong_key(tmux_terminal, background, vtpe_bin, data_dir, workdir):
    """The same terminal code against a separate `vtpe gateway` process: a good key approves, a wrong one is refused."""
    key = "sk_test_remoteKey0123456789abcdef"
    port = free_port()
    gw_dir = workdir / "gw"
    gw = background([vtpe_bin, "gateway", "--port", port, "--data-dir", gw_dir, "--api-key", key], "gateway")
    gw.wait_for_output("listening on", timeout=10)

    term = tmux_terminal([vtpe_bin, "terminal", "--data-dir", data_dir,
                          "--gateway", f"http://127.0.0.1:{port}", "--api-key", key])
    screen = term.wait_for("QA ·", timeout=10)
    assert f"127.0.0.1:{port}" in screen, screen
    enter_amount(term, "250")
    term.send_keys("1")
    screen = term.wait_for("APPROVED", timeout=10)
    assert "EUR 2.50" in screen, screen
    term.close()

    wrong = tmux_terminal([vtpe_bin, "terminal", "--data-dir", workdir / "t2",
                           "--gateway", f"http://127.0.0.1:{port}", "--api-key", "sk_test_wrongWrongWrong0000"])
    wrong.wait_for("QA ·", timeout=10)
    enter_amount(wrong, "250")
    wrong.send_keys("1")
    screen = wrong.wait_for("NOT COMPLETED", timeout=10)
    assert "TERMINAL NOT AUTHORIZED" in screen, screen
    assert "APPROVED" not in screen, screen


def test_every_transaction_type_from_the_menu(terminal):
    """The menu (f) offers every type the countertop enables; a pre-authorization, its completion by STAN, a void,
    a reprint and the X report, all from the keypad."""
    terminal.send_keys("f")
    screen = terminal.wait_for("8 End of day (Z)", timeout=5)  # the last item: the whole menu is drawn (MENU alone is also a key)
    for item in ("1 Sale", "2 Pre-authorization", "3 Completion", "4 Void", "5 Refund", "6 Reprint", "7 Batch report (X)", "8 End of day (Z)"):
        assert item in screen, screen
    terminal.send_keys("2")
    terminal.wait_for("PRE-AUTH", timeout=5)
    terminal.send_keys(*"3000", "Enter")
    terminal.wait_for("PRESENT CARD", timeout=5)
    terminal.send_keys("1")  # the Visa test card, tapped
    terminal.wait_for("APPROVED", timeout=10)
    terminal.wait_for("PRE-AUTHORIZATION", timeout=5)  # on the receipt, once the paper strip has printed it
    terminal.send_keys("Enter", "f", "3")
    terminal.wait_for("COMPLETION", timeout=5)
    terminal.send_keys(*"1", "Enter")       # STAN 1; the amount shows the authorized one
    terminal.wait_for("EUR 30.00", timeout=5)
    terminal.send_keys("BSpace", "BSpace", "BSpace", "BSpace", *"2500", "Enter")
    screen = terminal.wait_for("APPROVED", timeout=10)
    assert "COMPLETION" in screen and "EUR 25.00" in screen, screen
    terminal.send_keys("Enter", "f", "4", "2", "Enter")  # void the completion's own STAN: refused, it is not a sale
    screen = terminal.wait_for("! ", timeout=5)
    terminal.send_keys("Escape", "Escape", "f", "4", "1", "Enter")  # void the pre-authorization
    screen = terminal.wait_for("APPROVED", timeout=10)
    assert "VOID" in screen, screen
    terminal.send_keys("Enter", "f", "7")
    screen = terminal.wait_for("BATCH REPORT (X)", timeout=10)
    assert "MATCH" in screen, screen


# What each profile shows once a sale is approved (its language), and how its tip prompt is passed.
PROFILE_SCREENS = {
    "countertop": ("APPROVED", []), "portable": ("APPROVED", ["0"]), "smartpos": ("APPROVED", ["Enter"]),
    "mpos": ("APPROVED", []), "softpos": ("APPROVED", ["Enter"]), "eu": ("APPROVED", []),
    "fr": ("PAIEMENT ACCEPTE", []), "uk": ("APPROVED", []), "us": ("APPROVED", ["0"]),
}


@pytest.mark.parametrize("profile", sorted(PROFILE_SCREENS))
def test_a_sale_on_every_profile_screen(tmux_terminal, vtpe_bin, data_dir, profile):
    """Each shipped profile in its own window: type 12.00, pass the tip prompt where the profile has one, tap the
    Mastercard test card (key 4), see the approval in the profile's language."""
    approved, tip_keys = PROFILE_SCREENS[profile]
    t = tmux_terminal([vtpe_bin, "--profile", profile, "--data-dir", data_dir])
    t.wait_for("QA ·", timeout=10)
    t.send_keys(*"1200", "Enter")
    for key in tip_keys:
        t.send_keys(key)
    t.wait_for("(((", timeout=5)
    t.send_keys("4")
    screen = t.wait_for(approved, timeout=10)
    assert "4444" in screen, screen
    assert all(len(line) <= 80 for line in screen.splitlines())
