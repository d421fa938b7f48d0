"""Each form factor's device screen in tmux, as staff use it: a sale approved (and its customer receipt chosen where
the profile asks), a decline, a PIN typed on the device's keypad (on the glass for the SoftPOS phone), a refund of
the first sale, the end of day; an offline sale forwarded later on the portable; an inserted card removed and the
settings screen; a window resized in the middle of a sale. The captured screens are checked."""

import re

import pytest

from conftest import describe, run_vtpe, wait_until

# Words per language, as the device shows them.
WORDS = {
    "en": {"approved": "APPROVED", "declined": "DECLINED", "pin": "ENTER PIN", "present": "PRESENT CARD",
           "refund": "Refund", "close": "End of day (Z)", "closed": "END OF DAY (Z)", "reference": "STAN",
           "receipt": "CUSTOMER RECEIPT?", "print": "Print", "email": "E-mail", "none": "No receipt",
           "address": "E-MAIL ADDRESS", "remove": "REMOVE CARD", "settings": "Settings", "settings_title": "SETTINGS"},
    "fr": {"approved": "PAIEMENT ACCEPTE", "declined": "PAIEMENT REFUSE", "pin": "SAISIR CODE", "present": "PRESENTER CARTE",
           "refund": "Credit", "close": "Telecollecte (Z)", "closed": "TELECOLLECTE (Z)", "reference": "NO TRANSACTION",
           "receipt": "TICKET CLIENT ?", "print": "Imprimer", "email": "E-mail", "none": "Pas de ticket",
           "address": "ADRESSE E-MAIL", "remove": "RETIRER LA CARTE", "settings": "Parametres", "settings_title": "PARAMETRES"},
}

# How each profile passes its tip prompt (prompt of percentages: 0; typed tip: Enter alone).
TIP_KEYS = {"countertop": [], "portable": ["0"], "smartpos": ["Enter"], "mpos": [], "softpos": ["Enter"]}

# The customer receipt question after an approval (profiles whose customer copy prints on request), in key order
# before "none"; None: the profile prints both copies at once.
RECEIPT_OFFER = {"countertop": None, "portable": None, "smartpos": ["print", "email"], "mpos": ["email"], "softpos": ["email"]}


def no_receipt(t, words, profile):
    """Answers the receipt question, where the profile asks it, with Esc (none)."""
    if RECEIPT_OFFER[profile] is not None:
        t.wait_for(words["receipt"], timeout=5)
        t.send_keys("Escape")
        t.wait_for_gone(words["receipt"], timeout=5)


def sale(t, words, profile, amount, card, pin=None):
    t.send_keys(*amount, "Enter", *TIP_KEYS[profile])
    t.wait_for(words["present"], timeout=5)
    t.send_keys(card)
    if pin is not None:
        t.wait_for(words["pin"], timeout=10)
        t.send_keys(*pin, "Enter")


def menu_item(screen, label):
    """The digit of a menu entry on the device's screen."""
    match = re.search(r"(\d) " + re.escape(label), screen)
    assert match, f"no {label!r} in the menu:\n{screen}"
    return match.group(1)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("profile", sorted(TIP_KEYS))
def test_a_day_on_the_device(tmux_terminal, vtpe_bin, data_dir, profile, language):
    words = WORDS[language]
    t = tmux_terminal([vtpe_bin, "--profile", profile, "--lang", language, "--data-dir", data_dir])
    t.wait_for("QA ·", timeout=10)

    sale(t, words, profile, "1200", "4")                     # Mastercard 4444, approves
    screen = t.wait_for(words["approved"], timeout=10)
    assert "4444" in screen and all(len(line) <= 80 for line in screen.splitlines()), screen
    offer = RECEIPT_OFFER[profile]
    if offer is not None:
        # The question, with the device's choices numbered, then "none".
        screen = t.wait_for(words["receipt"], timeout=5)
        for i, choice in enumerate(offer + ["none"]):
            assert f"{i + 1} {words[choice]}" in screen, screen
        if offer[0] == "print":
            t.send_keys("1")                                 # the customer copy comes out after the merchant's
            t.wait_for_gone(words["receipt"], timeout=5)
            assert wait_until(lambda: list(data_dir.glob("receipts/receipt-*-000001-customer-*.txt")), 5), list(data_dir.glob("receipts/*"))
        else:
            t.send_keys("1")                                 # e-mail: the address is typed on the keyboard
            t.wait_for(words["address"], timeout=5)
            t.send_keys(*"qa.fm@example.fr", "Enter")
            t.wait_for_gone(words["address"], timeout=5)
            assert wait_until(lambda: list(data_dir.glob("outbox/*.eml")), 5), list(data_dir.iterdir())
            mail = next(data_dir.glob("outbox/*.eml")).read_text()
            assert "To: <qa.fm@example.fr>" in mail and "5555555555554444" not in mail and "4444" in mail, mail

    t.send_keys("Enter")
    sale(t, words, profile, "1000", "2")                     # Visa 9995, insufficient funds
    screen = t.wait_for(words["declined"], timeout=10)
    assert "(insufficient_funds)" in screen, screen

    t.send_keys("Enter")
    sale(t, words, profile, "8000", "9", pin="1234")         # online PIN card, above the CVM limit
    screen = t.wait_for(words["approved"], timeout=10)
    assert "1234" not in screen.split("TID")[0], "PIN digits on the screen"
    no_receipt(t, words, profile)

    t.send_keys("Enter", "f")
    screen = t.wait_for(words["close"], timeout=5)           # the menu's last item: the whole menu is drawn
    t.send_keys(menu_item(screen, words["refund"]))
    t.wait_for(words["reference"], timeout=5)
    t.send_keys("1", "Enter")                                # the first sale's STAN
    t.send_keys(*"500", "Enter")
    t.wait_for(words["present"], timeout=5)
    t.send_keys("4")
    screen = t.wait_for(words["approved"], timeout=10)
    assert "5.00" in screen, screen
    no_receipt(t, words, profile)

    t.send_keys("Enter", "f")
    screen = t.wait_for(words["close"], timeout=5)
    t.send_keys(menu_item(screen, words["close"]))
    screen = t.wait_for(words["closed"], timeout=15)
    assert "MATCH" in screen or "CONFORME" in screen, screen


def test_offline_sale_forwarded_later_on_the_portable(tmux_terminal, vtpe_bin, data_dir):
    t = tmux_terminal([vtpe_bin, "--profile", "portable", "--data-dir", data_dir])
    t.wait_for("QA ·", timeout=10)
    # The terminal has its DUKPT keys from the gateway before the network goes (a stored payment is enciphered too).
    assert wait_until(lambda: (data_dir / "keys-portable.json").exists(), 15)
    down = run_vtpe(vtpe_bin, "network", "down", "--data-dir", data_dir)
    assert down.returncode == 0, describe(down)
    t.wait_for("4G✕", timeout=5)                             # the status bar's link, within its tick
    sale(t, WORDS["en"], "portable", "2000", "1")
    screen = t.wait_for("APPROVED OFFLINE", timeout=10)
    assert "↑1" in t.wait_for("↑1", timeout=5), screen      # one payment waiting to be forwarded
    up = run_vtpe(vtpe_bin, "network", "up", "--data-dir", data_dir)
    assert up.returncode == 0, describe(up)
    t.wait_for("4G▂▄▆", timeout=5)
    t.wait_for_gone("↑1", timeout=15)                       # forwarded: the queue is empty again


@pytest.mark.parametrize("language", ["en", "fr"])
def test_inserted_card_is_removed_and_the_settings_are_shown(tmux_terminal, vtpe_bin, data_dir, language):
    words = WORDS[language]
    t = tmux_terminal([vtpe_bin, "--profile", "countertop", "--lang", language, "--data-dir", data_dir])
    t.wait_for("QA ·", timeout=10)
    t.send_keys("m")                                         # tap -> insert
    sale(t, words, "countertop", "1200", "1", pin="1234")    # an inserted card asks for its PIN
    screen = t.wait_for(words["approved"], timeout=10)
    # ("DO NOT REMOVE CARD" / "NE PAS RETIRER LA CARTE" was on the screen while the chip was read.)
    assert any(words["remove"] in line and "DO NOT" not in line and "NE PAS" not in line for line in screen.splitlines()), screen
    t.send_keys("r")                                         # the card comes out of the slot
    t.wait_for_gone(words["remove"], timeout=5)
    status = run_vtpe(vtpe_bin, "status", "--json", "--data-dir", data_dir)
    assert status.returncode == 0 and '"card_in_slot" : false' in status.stdout.replace('": ', '" : '), describe(status)

    t.send_keys("Enter", "f")
    screen = t.wait_for(words["close"], timeout=5)
    t.send_keys(menu_item(screen, words["settings"]))
    t.wait_for(words["settings_title"], timeout=5)
    # tmux may capture a frame while it is drawn (the menu's lines still under the new title): wait for the profile.
    def settings_drawn():
        current = t.screen()
        return current if "countertop" in current.split("TID")[1] else None

    screen = wait_until(settings_drawn, timeout=5) or t.screen()
    assert "countertop" in screen.split("TID")[1] and "Simulator" in screen and "127.0.0.1" in screen, screen
    t.send_keys("Enter")
    t.wait_for_gone(words["settings_title"], timeout=5)


def test_window_resized_in_the_middle_of_a_sale(terminal, vtpe_bin, data_dir):
    terminal.send_keys(*"1234", "Enter")
    terminal.wait_for("PRESENT CARD", timeout=5)
    terminal.resize(60, 24)                                  # no room for the panel: the device stays whole
    screen = terminal.wait_for_gone("QA ·", timeout=5)
    assert "PRESENT CARD" in screen and "EUR 12.34" in screen, screen
    terminal.resize(30, 10)                                  # smaller than the device's screen
    screen = terminal.wait_for("Window too small", timeout=5)
    assert "32x22" in screen, screen
    terminal.resize(100, 30)
    terminal.wait_for("QA ·", timeout=5)
    terminal.send_keys("1")
    screen = terminal.wait_for("APPROVED", timeout=10)
    assert "EUR 12.34" in screen, screen


def test_a_keyboard_swipe_reader_typing_into_the_window_is_a_swipe(terminal):
    """A keyboard-emulation swipe reader types the tracks into the terminal's window (in one burst, then Enter): a
    swipe, not keys. A person typing a lone '%' gets it back as a key a moment later."""
    terminal.send_keys(*"1200", "Enter")
    terminal.wait_for("PRESENT CARD", timeout=5)
    terminal.paste_text("%B4242424242424242^DOE/JANE^3412101000000000000?;4242424242424242=3412101000000000?")
    terminal.send_keys("Enter")
    terminal.wait_for("APPROVED", timeout=10)
    screen = terminal.wait_for("SWIPED", timeout=5)          # the receipt's entry mode, as it comes out
    assert "VISA •••• 4242" in screen, screen
    assert "4242424242424242" not in screen and "DOE/JANE" not in screen, screen
    terminal.send_keys("Enter", "%")                         # (tmux reads a lone ';' as its own separator)
    screen = terminal.wait_for("not used here", timeout=5)   # the engine's word for a key it has no use for
    assert "'%'" in screen, screen
