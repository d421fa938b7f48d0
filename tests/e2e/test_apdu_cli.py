"""`vtpe apdu`: a simulator card on a pipe, one hex line in, one hex line out."""

import subprocess

from conftest import CMD_TIMEOUT, REPO_ROOT, describe, run_vtpe

SELECT_PPSE = "00A404000E325041592E5359532E444446303100"
PPSE_NAME = "840E325041592E5359532E4444463031"  # DF name 2PAY.SYS.DDF01 in the FCI


def talk(vtpe_bin, *args, lines):
    return subprocess.run([str(vtpe_bin), "apdu", *args], cwd=str(REPO_ROOT), input="".join(l + "\n" for l in lines),
                          capture_output=True, text=True, timeout=CMD_TIMEOUT)


def test_a_tapped_card_answers_select_ppse_and_keeps_going_after_bad_lines(vtpe_bin):
    done = talk(vtpe_bin, "visa", lines=["# a comment", SELECT_PPSE, "00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00",
                                          "zz", "00A4", "reset", "0084000008"])
    assert done.returncode == 0, describe(done)
    out = done.stdout.splitlines()
    assert len(out) == 6, describe(done)
    assert out[0].startswith("6F") and PPSE_NAME in out[0] and out[0].endswith("9000"), out[0]
    assert out[1] == out[0], "spaces are allowed"
    assert out[2] == "error: not hex"
    assert out[3].startswith("error: "), out[3]
    assert out[4] == "ok"
    # GET CHALLENGE is not something our cards do: a status word, not an error.
    assert len(out[5]) == 4 and out[5] != "9000", out[5]


def test_an_inserted_card_has_no_ppse_and_unknown_cards_are_usage_errors(vtpe_bin):
    contact = talk(vtpe_bin, "visa", "--mode", "insert", lines=[SELECT_PPSE])
    assert contact.returncode == 0 and contact.stdout.strip() == "6A82", describe(contact)
    unknown = run_vtpe(vtpe_bin, "apdu", "nosuchcard")
    assert unknown.returncode == 2 and "unknown card" in unknown.stderr, describe(unknown)
    swipe = run_vtpe(vtpe_bin, "apdu", "visa", "--mode", "swipe")
    assert swipe.returncode != 0 and "--mode must be tap or insert" in swipe.stderr, describe(swipe)
