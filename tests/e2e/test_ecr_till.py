"""`vtpe ecr`, the till side of Caisse-AP, against a stand-in terminal on loopback written here from the protocol's
rules (TAG, three-digit length, value; CZ first; one request and one answer per connection): the exact request it
sends, how it prints and exits for each answer (0 accepted, 3 refused, 4 not done), an answer written in slow
pieces, a terminal that never answers, one that is not there, and one that answers garbage."""
import json
import socket
import threading
import time

import pytest

from conftest import run_vtpe


def fields(text):
    out, i = {}, 0
    while i < len(text):
        tag, size = text[i:i + 2], int(text[i + 2:i + 5])
        out[tag] = text[i + 5:i + 5 + size]
        i += 5 + size
    return out


def message(pairs):
    return "".join(f"{tag}{len(value):03d}{value}" for tag, value in pairs)


class Terminal:
    """Accepts one connection at a time, reads one request, answers with `answer(request_fields)` (a string, sent in
    `pieces` with `pause` seconds between them), or says nothing when it returns None."""

    def __init__(self, answer, pieces=1, pause=0.0):
        self.answer, self.pieces, self.pause = answer, pieces, pause
        self.requests = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.server.settimeout(0.2)
        while not self.done.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while True:
                    data += conn.recv(4096)
                    try:
                        parsed = fields(data.decode("ascii"))
                        if {"CZ", "CB", "CD", "CE"} <= parsed.keys():
                            break
                    except (ValueError, UnicodeDecodeError):
                        pass
                self.requests.append(data.decode("ascii"))
                reply = self.answer(parsed)
                if reply is None:
                    self.done.wait(10)
                    continue
                raw = reply.encode("ascii")
                step = max(1, len(raw) // self.pieces)
                for start in range(0, len(raw), step):
                    conn.sendall(raw[start:start + step])
                    time.sleep(self.pause)

    def stop(self):
        self.done.set()
        self.server.close()


def echo(request, *extra):
    return message([("CZ", request["CZ"])] + [(t, request[t]) for t in ("CJ", "CA", "CE", "BA", "CD", "CB") if t in request] + list(extra))


APPROVED = [("AE", "10"), ("AC", "654321"), ("AA", "497010######0002"), ("AB", "2912"), ("AI", "A0000000421010"), ("CC", "00B"), ("CI", "2")]


@pytest.fixture
def terminal():
    made = []

    def make(answer, **kw):
        t = Terminal(answer, **kw)
        made.append(t)
        return t

    yield make
    for t in made:
        t.stop()


def test_a_sale_is_sent_as_a_till_sends_it_and_the_approval_printed(vtpe_bin, terminal):
    t = terminal(lambda r: echo(r, *APPROVED))
    p = run_vtpe(vtpe_bin, "ecr", "sale", "12.34", "--port", t.port)
    assert p.returncode == 0, p.stderr
    assert t.requests == ["CZ0040300CJ012012345678901CA00201CE003978BA0010CD0010CB0041234"]
    assert p.stdout.strip() == ("ACCEPTED amount=EUR 12.34 till=01 auth=654321 card=497010######0002 expiry=2912 "
                                "aid=A0000000421010 application=00B read=contactless")


def test_a_refund_with_json_and_an_answer_in_slow_pieces(vtpe_bin, terminal):
    t = terminal(lambda r: echo(r, *APPROVED), pieces=6, pause=0.15)
    p = run_vtpe(vtpe_bin, "ecr", "refund", "5,50", "--port", t.port, "--till", "3", "--json")
    assert p.returncode == 0, p.stderr
    sent = fields(t.requests[0])
    assert (sent["CD"], sent["CB"], sent["CA"]) == ("1", "550", "3")
    answer = json.loads(p.stdout)
    assert answer["status"] == "accepted" and answer["amount"] == 550 and answer["currency"] == "eur"
    assert answer["fields"]["AC"] == "654321" and answer["fields"]["CD"] == "1"


@pytest.mark.parametrize("code,exit_code,word,text", [("04", 3, "REFUSED", "refusé"), ("05", 3, "REFUSED", "interdit"),
                                                       ("11", 4, "NOT_DONE", "abandon opérateur"),
                                                       ("08", 4, "NOT_DONE", "délai de saisie dépassé"),
                                                       ("13", 4, "NOT_DONE", "devise non supportée")])
def test_failures_exit_refused_or_not_done(vtpe_bin, terminal, code, exit_code, word, text):
    t = terminal(lambda r: echo(r, ("AE", "01"), ("AF", code)))
    p = run_vtpe(vtpe_bin, "ecr", "sale", "20", "--port", t.port)
    assert p.returncode == exit_code, p.stdout + p.stderr
    assert p.stdout.strip() == f"{word} amount=EUR 20.00 till=01 code={code} ({text})"


def test_a_silent_terminal_an_absent_one_and_garbage_are_not_done(vtpe_bin, terminal):
    silent = terminal(lambda r: None)
    started = time.monotonic()
    p = run_vtpe(vtpe_bin, "ecr", "sale", "1", "--port", silent.port, "--timeout", "1")
    assert p.returncode == 4 and "no answer" in p.stdout and time.monotonic() - started < 8

    with socket.create_server(("127.0.0.1", 0)) as s:
        free = s.getsockname()[1]
    p = run_vtpe(vtpe_bin, "ecr", "sale", "1", "--port", free)
    assert p.returncode == 4 and "connection refused" in p.stdout, p.stdout

    garbage = terminal(lambda r: "HELLO\x00THERE")
    p = run_vtpe(vtpe_bin, "ecr", "sale", "1", "--port", garbage.port, "--timeout", "3")
    assert p.returncode == 4 and "malformed" in p.stdout, p.stdout


def test_bad_arguments_are_refused_before_anything_is_sent(vtpe_bin):
    for args in (["sale", "-3"], ["sale", "12.345"], ["sale", "abc"], ["sale", "1", "--till", "x1"], ["sale", "1", "--currency", "XXX"]):
        p = run_vtpe(vtpe_bin, "ecr", *args, "--port", "9")
        assert p.returncode not in (0, 3, 4), (args, p.returncode)
        assert p.stderr.strip(), args
