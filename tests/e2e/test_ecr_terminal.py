"""The terminal side of Caisse-AP: `vtpe terminal --headless --ecr caisse-ap:127.0.0.1:PORT` takes a till's request
(`vtpe ecr`, or raw bytes on a socket) and runs it as a sale or refund waiting for the card; the answer says how it
ended: accepted with the card's details, refused (04), operator abandon (Cancel, 11), input time-out (08), currency
not supported (13), format error (09), a second request while one runs (05, the running one untouched), and a till
that hangs up before the answer (the sale goes on and the terminal says so)."""
import re
import socket
import subprocess
import time

import pytest

from conftest import REPO_ROOT, free_port, run_vtpe, wait_until


@pytest.fixture
def ecr_terminal(background, vtpe_bin, data_dir, monkeypatch):
    monkeypatch.setenv("VTPE_ECR_INPUT_TIMEOUT", "4")
    port = free_port()
    term = background([vtpe_bin, "terminal", "--headless", "--data-dir", data_dir, "--ecr", f"caisse-ap:127.0.0.1:{port}"], "ecr")
    term.wait_for_output("READY", timeout=10)
    assert wait_until((data_dir / "terminal.sock").exists, 5)
    term.port = port
    return term


def till(vtpe_bin, port, *args):
    """`vtpe ecr …` started in the background; .communicate() for its output."""
    return subprocess.Popen([str(vtpe_bin), "ecr", *map(str, args), "--port", str(port)], cwd=str(REPO_ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finished(proc, timeout=10):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.strip(), err


def test_a_sale_from_the_till_waits_for_the_card_and_answers_its_details(ecr_terminal, vtpe_bin, data_dir):
    sale = till(vtpe_bin, ecr_terminal.port, "sale", "12.34")
    ecr_terminal.wait_for_output("WAITING_FOR_CARD amount=EUR 12.34")
    tapped = run_vtpe(vtpe_bin, "tap", "visa", "--data-dir", data_dir, "--wait")
    assert tapped.returncode == 0, tapped.stdout + tapped.stderr
    code, out, err = finished(sale)
    assert code == 0, out + err
    assert re.fullmatch(r"ACCEPTED amount=EUR 12\.34 till=01 auth=\d{6} card=424242######4242 expiry=\d{4} aid=A0000000031010 "
                        r"application=00B read=contactless", out), out
    assert "4242424242424242" not in out + ecr_terminal.stdout() + ecr_terminal.stderr()


def test_refused_cancelled_and_timed_out(ecr_terminal, vtpe_bin, data_dir):
    declined = till(vtpe_bin, ecr_terminal.port, "sale", "44")
    ecr_terminal.wait_for_output("WAITING_FOR_CARD amount=EUR 44.00")
    run_vtpe(vtpe_bin, "tap", "visa_insufficient_funds", "--data-dir", data_dir, "--wait")
    code, out, _ = finished(declined)
    assert (code, out) == (3, "REFUSED amount=EUR 44.00 till=01 code=04 (refusé)")

    refund = till(vtpe_bin, ecr_terminal.port, "refund", "2")
    ecr_terminal.wait_for_output("WAITING_FOR_CARD amount=EUR 2.00 kind=refund")
    run_vtpe(vtpe_bin, "keypad", "C", "--data-dir", data_dir)
    code, out, _ = finished(refund)
    assert (code, out) == (4, "NOT_DONE amount=EUR 2.00 till=01 code=11 (abandon opérateur)")

    started = time.monotonic()
    nobody = till(vtpe_bin, ecr_terminal.port, "sale", "3")
    code, out, _ = finished(nobody, timeout=15)
    assert (code, out) == (4, "NOT_DONE amount=EUR 3.00 till=01 code=08 (délai de saisie dépassé)")
    assert 3.5 < time.monotonic() - started < 12

    foreign = run_vtpe(vtpe_bin, "ecr", "sale", "5", "--currency", "USD", "--port", ecr_terminal.port)
    assert (foreign.returncode, foreign.stdout.strip()) == (4, "NOT_DONE amount=USD 5.00 till=01 code=13 (devise non supportée)")


def test_a_second_request_is_refused_and_the_running_one_goes_on(ecr_terminal, vtpe_bin, data_dir):
    first = till(vtpe_bin, ecr_terminal.port, "sale", "7")
    ecr_terminal.wait_for_output("WAITING_FOR_CARD amount=EUR 7.00")
    second = run_vtpe(vtpe_bin, "ecr", "sale", "9", "--port", ecr_terminal.port, "--till", "02")
    assert (second.returncode, second.stdout.strip()) == (3, "REFUSED amount=EUR 9.00 till=02 code=05 (interdit)")
    run_vtpe(vtpe_bin, "tap", "mastercard", "--data-dir", data_dir, "--wait")
    code, out, _ = finished(first)
    assert code == 0 and out.startswith("ACCEPTED amount=EUR 7.00 till=01") and "card=555555######4444" in out, out


def raw(port, chunks, pause=0.0, read=True):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        for chunk in chunks:
            s.sendall(chunk)
            time.sleep(pause)
        if not read:
            return b""
        data = b""
        while True:
            got = s.recv(4096)
            if not got:
                return data
            data += got


REQUEST = b"CZ0040300CJ012012345678901CA00201CE003978BA0010CD0010CB0041500"


def test_malformed_requests_get_a_format_error_and_slow_ones_are_read_whole(ecr_terminal, vtpe_bin, data_dir):
    for junk in (b"HELLO", b"CZ004\xc3\xa9300", b"CZ0040300CB00A12"):
        answer = raw(ecr_terminal.port, [junk])
        assert b"AE00201" in answer and b"AF00209" in answer, (junk, answer)
    missing = raw(ecr_terminal.port, [b"CZ0040300CJ012012345678901CA00201CE003978CD0010"])
    assert missing.startswith(b"CZ0040300CJ012012345678901CA00201CE003978CD0010") and missing.endswith(b"AE00201AF00209"), missing

    # The same request a few bytes at a time.
    pieces = [REQUEST[i:i + 7] for i in range(0, len(REQUEST), 7)]
    import threading
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("answer", raw(ecr_terminal.port, pieces, pause=0.05)))
    t.start()
    ecr_terminal.wait_for_output("WAITING_FOR_CARD amount=EUR 15.00")
    run_vtpe(vtpe_bin, "tap", "visa", "--data-dir", data_dir, "--wait")
    t.join(10)
    assert result["answer"].startswith(REQUEST) and b"AE00210" in result["answer"], result


def test_a_till_that_hangs_up_does_not_lose_the_sale(ecr_terminal, vtpe_bin, data_dir):
    raw(ecr_terminal.port, [REQUEST], read=False)
    ecr_terminal.wait_for_output("WAITING_FOR_CARD amount=EUR 15.00")
    tapped = run_vtpe(vtpe_bin, "tap", "visa", "--data-dir", data_dir, "--wait")
    assert tapped.returncode == 0 and tapped.stdout.startswith("APPROVED amount=EUR 15.00"), tapped.stdout
    assert wait_until(lambda: "hung up before the answer" in ecr_terminal.stderr(), 5), ecr_terminal.stderr()
    # The terminal takes the next request as usual.
    again = till(vtpe_bin, ecr_terminal.port, "sale", "1")
    ecr_terminal.wait_for_output("WAITING_FOR_CARD amount=EUR 1.00")
    run_vtpe(vtpe_bin, "tap", "visa", "--data-dir", data_dir, "--wait")
    assert finished(again)[0] == 0
