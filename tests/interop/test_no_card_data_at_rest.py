"""No full card number and no CVC anywhere at rest: the database and the gateway's logs are scanned for them.

docs/api.md ("Storage"): the database holds brand, last 4, expiry, a keyed fingerprint and the card number sealed
with AES-256-GCM — never a clear number, never a CVC; track 2 is never stored. Per storage engine, a gateway runs
with the chattiest log level (`--log-level trace`; the gateway keeps PostgreSQL statements and their binds out of
its log even then, which the scan checks), stdout and stderr captured to
`<data-dir>/gateway.log`. stripe-python drives a realistic mix with raw card numbers and CVCs: payment methods
created and attached to a customer, approvals and declines, a card sent inline with the intent, manual capture and
refunds, 3-D Secure, and refused requests (bad CVC, Luhn-invalid numbers); a headless `vtpe terminal` on the same
gateway makes card-present payments (a tap, and an insert with online PIN: DE55, track 2 and PIN block enciphered
under DUKPT). Then the gateway stops and the scan reads:

- sqlite: every file of the data directory, both while the gateway runs (gateway.sqlite, -wal, -shm, the log) and
  after it stopped;
- postgres: every row of every table of the database as text (`SELECT t::text FROM <table> t`), and the data
  directory (the log);
- the terminal's data directory (its log, receipts, keys and counters).

A scan that reads nothing would find nothing: `test_the_scan_reads_what_was_stored` checks it sees the last 4
digits and the ids of what was created.
"""
import base64
import datetime
import hashlib
import re
import struct
import urllib.parse
from dataclasses import dataclass, field

import pytest
import stripe

from conftest import fresh_data_dir, fresh_database, launch_gateway, launch_terminal, psql, stop_gateway

EXP_YEAR = datetime.date.today().year + 5
LOG_LEVEL = "trace"  # the chattiest level (a superset of debug)

# (number, cvc) stored as payment methods with stripe-python, each with its own CVC.
STORED_CARDS = {
    "visa": ("4242424242424242", "987"),
    "mastercard": ("5555555555554444", "876"),
    "insufficient_funds": ("4000000000009995", "765"),
    "three_d_secure": ("4000002760003184", "654"),
}
INLINE_CARD = ("378282246310005", "7531")           # Amex sent inline with the intent (payment_method_data[card])
BAD_CVC_CARD = ("6011111111111117", "12a")          # refused: invalid_cvc
LUHN_INVALID_CARDS = [("4242424242424241", "543"),  # refused at PaymentMethod.create: incorrect_number
                      ("5555555555554443", "432")]  # refused inline at PaymentIntent.create
# Card-present payments through a real terminal: (simulator card, tap arguments, PAN, read method). The virtual
# cards' track 2 equivalents start with the PAN, a separator (= on a stripe, D in tag 57) and the expiry 3012.
TERMINAL_SALES = [
    ("visa", ["--amount", "15.00"], "4242424242424242", "contactless_emv"),
    ("visa_debit", ["--amount", "60.00", "--mode", "insert", "--pin", "1234"], "4000056655665556", "contact_emv"),
]

ALL_NUMBERS = sorted({n for n, _ in STORED_CARDS.values()} | {INLINE_CARD[0], BAD_CVC_CARD[0]}
                     | {n for n, _ in LUHN_INVALID_CARDS} | {pan for _, _, pan, _ in TERMINAL_SALES})
ALL_CVCS = sorted({c for _, c in STORED_CARDS.values()} | {INLINE_CARD[1], BAD_CVC_CARD[1]} | {c for _, c in LUHN_INVALID_CARDS})
ALL_TRACKS = [f"{pan}{separator}3012" for _, _, pan, _ in TERMINAL_SALES for separator in "=D"]


class RecordingClient(stripe.RequestsClient):
    """stripe-python's default HTTP client, keeping every request's method, path and exact body."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def request(self, method, url, headers, post_data=None):
        body = post_data.encode() if isinstance(post_data, str) else (post_data or b"")
        self.sent.append((method.upper(), urllib.parse.urlsplit(url).path, body))
        return super().request(method, url, headers, post_data)


@dataclass
class Scan:
    engine: str
    sources: dict = field(default_factory=dict)  # name → bytes; names start with "db:" or "log:" or "file:"
    created: dict = field(default_factory=dict)  # what the traffic created, for the reading check
    bodies: list = field(default_factory=list)   # (method, path, body) of every request stripe-python sent

    def database(self):
        return {n: b for n, b in self.sources.items() if n.startswith("db:")}

    def logs(self):
        return {n: b for n, b in self.sources.items() if n.startswith("log:")}

    def find(self, needle, sources=None):
        """Every occurrence of `needle` (bytes, or a compiled bytes regex) as "source @offset: …context…"."""
        hits = []
        for name, data in (self.sources if sources is None else sources).items():
            if isinstance(needle, re.Pattern):
                spans = [m.span() for m in needle.finditer(data)]
            else:
                spans, start = [], data.find(needle)
                while start >= 0 and len(spans) < 5:
                    spans.append((start, start + len(needle)))
                    start = data.find(needle, start + 1)
            for a, b in spans[:5]:
                context = data[max(0, a - 80):b + 80].decode("utf-8", errors="replace").replace("\n", "⏎")
                hits.append(f"{name} @{a}: …{context}…")
        return hits


def report(title, hits, shown=8):
    """An assertion message: the title, then the first `shown` findings and how many more there are."""
    more = f"\n… and {len(hits) - shown} more" if len(hits) > shown else ""
    return f"{title} ({len(hits)} findings):\n" + "\n".join(hits[:shown]) + more


def pan_forms(number):
    """The ways a card number could sit in a file: digits, grouped with spaces or dashes, ASCII hex, base64 (at any
    alignment), and as a big-endian 64-bit integer (an INTEGER column)."""
    raw = number.encode()
    groups = [number[:4], number[4:10], number[10:]] if len(number) == 15 else [number[i:i + 4] for i in range(0, len(number), 4)]
    forms = {"digits": raw, "spaced": " ".join(groups).encode(), "dashed": "-".join(groups).encode(),
             "hex": raw.hex().encode(), "HEX": raw.hex().upper().encode(), "int64": struct.pack(">q", int(number))}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        first = -(-shift // 3)               # the first 3-byte group lying wholly inside the number
        last = (shift + len(raw)) // 3       # one past the last such group
        forms[f"base64+{shift}"] = encoded[4 * first:4 * last]
    return forms


# A CVC value next to its key, in any encoding the key and value could be written with: form bodies
# (`card[cvc]=987`, `card%5Bcvc%5D=987`), JSON (`"cvc":"987"`, `"cvc": 987`), JSON inside a log line or a
# PostgreSQL row text (`\"cvc\": \"987\"`, `""cvc"":""987""`), `cvc=987` in log metadata.
CVC_KEY_VALUE = re.compile(
    rb"(?i)(?:(?<=%5b)|(?<![a-z0-9_]))(?:cvc|cvv|cvc2|cvv2|security_code)(?:%5d|%22|%3a|%3d|%20|[\]\"':=\s\\]){1,12}"
    rb"(?P<value>[0-9]{3,4}|" + "|".join(re.escape(c) for c in ALL_CVCS).encode() + rb")(?![0-9a-z])")


def drive(created, terminal):
    """A shop's traffic through stripe-python, with raw card numbers and CVCs, and a terminal's card-present sales."""
    customer = stripe.Customer.create(email="at-rest@example.com", name="At Rest")
    created["customer"] = [customer.id]
    created["payment_method"], created["payment_intent"], created["charge"], created["refund"] = [], [], [], []

    def card_method(key):
        number, cvc = STORED_CARDS[key]
        pm = stripe.PaymentMethod.create(type="card", card={"number": number, "exp_month": 12, "exp_year": EXP_YEAR, "cvc": cvc})
        assert pm.card.last4 == number[-4:]
        created["payment_method"].append(pm.id)
        return pm

    def keep(intent):
        created["payment_intent"].append(intent.id)
        if intent.latest_charge:
            created["charge"].append(intent.latest_charge)
        return intent

    # A saved card, attached to a customer and charged.
    visa = card_method("visa")
    stripe.PaymentMethod.attach(visa.id, customer=customer.id)
    intent = keep(stripe.PaymentIntent.create(amount=1800, currency="usd", customer=customer.id, payment_method=visa.id, confirm=True))
    assert intent.status == "succeeded"
    assert [m.id for m in stripe.PaymentMethod.list(customer=customer.id, type="card").data] == [visa.id]

    # Manual capture (partial), then a refund.
    mastercard = card_method("mastercard")
    intent = keep(stripe.PaymentIntent.create(amount=1000, currency="usd", payment_method=mastercard.id, confirm=True, capture_method="manual"))
    assert intent.status == "requires_capture"
    assert stripe.PaymentIntent.capture(intent.id, amount_to_capture=600).status == "succeeded"
    created["refund"].append(stripe.Refund.create(payment_intent=intent.id, amount=200).id)

    # A decline.
    declined = card_method("insufficient_funds")
    with pytest.raises(stripe.CardError) as err:
        stripe.PaymentIntent.create(amount=1234, currency="usd", payment_method=declined.id, confirm=True)
    assert err.value.error.decline_code == "insufficient_funds"
    keep(err.value.error.payment_intent)

    # 3-D Secure: the intent waits in requires_action.
    tds = card_method("three_d_secure")
    assert keep(stripe.PaymentIntent.create(amount=900, currency="usd", payment_method=tds.id, confirm=True)).status == "requires_action"

    # A card sent inline with the intent, captured, then refunded in full.
    number, cvc = INLINE_CARD
    intent = keep(stripe.PaymentIntent.create(amount=2500, currency="usd", confirm=True, capture_method="manual", payment_method_data={
        "type": "card", "card": {"number": number, "exp_month": 12, "exp_year": EXP_YEAR, "cvc": cvc}}))
    assert intent.status == "requires_capture"
    stripe.PaymentIntent.capture(intent.id)
    created["refund"].append(stripe.Refund.create(payment_intent=intent.id).id)
    assert stripe.Charge.retrieve(intent.latest_charge).payment_method_details.card.last4 == number[-4:]

    # Card-present payments from the terminal; the first refunded.
    for n, (card, args, pan, read_method) in enumerate(TERMINAL_SALES):
        code, line = terminal.tap(card, *args)
        assert code == 0 and line.startswith("APPROVED"), line
        intent = keep(stripe.PaymentIntent.retrieve(line.split("payment_intent=")[1].split()[0]))
        assert intent.status == "succeeded", intent
        charge = stripe.Charge.retrieve(intent.latest_charge)
        assert (charge.payment_method_details.card_present.last4, charge.payment_method_details.card_present.read_method) \
            == (pan[-4:], read_method)
        if n == 0:
            created["refund"].append(stripe.Refund.create(charge=charge.id, amount=500).id)

    # Refused requests: a bad CVC, Luhn-invalid numbers (as a payment method, inline, and in a track).
    number, cvc = BAD_CVC_CARD
    with pytest.raises(stripe.CardError) as err:
        stripe.PaymentMethod.create(type="card", card={"number": number, "exp_month": 12, "exp_year": EXP_YEAR, "cvc": cvc})
    assert err.value.code == "invalid_cvc"
    number, cvc = LUHN_INVALID_CARDS[0]
    with pytest.raises(stripe.CardError) as err:
        stripe.PaymentMethod.create(type="card", card={"number": number, "exp_month": 12, "exp_year": EXP_YEAR, "cvc": cvc})
    assert err.value.code == "incorrect_number"
    number, cvc = LUHN_INVALID_CARDS[1]
    with pytest.raises(stripe.CardError) as err:
        stripe.PaymentIntent.create(amount=1000, currency="usd", confirm=True, payment_method_data={
            "type": "card", "card": {"number": number, "exp_month": 12, "exp_year": EXP_YEAR, "cvc": cvc}})
    assert err.value.code == "incorrect_number"

    # Reads, as a shop's back office makes them.
    stripe.PaymentIntent.list(limit=100, expand=["data.latest_charge", "data.payment_method"])
    stripe.Charge.list(limit=100)


def read_directory(scan, data_dir, when):
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        kind = "log" if path.suffix == ".log" else ("db" if path.name.startswith("gateway.sqlite") else "file")
        scan.sources[f"{kind}:{when}:{path.relative_to(data_dir)}"] = path.read_bytes()


def read_postgres(scan, url):
    tables = psql(url, "SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1").split()
    assert {"payment_methods", "payment_intents", "charges", "refunds", "customers", "idempotency_keys"} <= set(tables), tables
    for table in tables:
        scan.sources[f"db:table:{table}"] = psql(url, f'SELECT t::text FROM public."{table}" t', binary=True)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def scan(request):
    engine = request.param
    database = fresh_database(request) if engine == "postgres" else None
    data_dir = fresh_data_dir(request, f"vtpe-at-rest-{engine}-")
    gw = launch_gateway(request, engine, database=database.url if database else None, data_dir=data_dir,
                        extra_args=["--log-level", LOG_LEVEL])
    recorder = RecordingClient()
    saved = (stripe.api_key, stripe.api_base, stripe.max_network_retries, stripe.default_http_client)
    stripe.api_key, stripe.api_base, stripe.max_network_retries, stripe.default_http_client = gw.api_key, gw.url, 0, recorder
    terminal = launch_terminal(request, gw)
    result = Scan(engine)
    try:
        drive(result.created, terminal)
    finally:
        stripe.api_key, stripe.api_base, stripe.max_network_retries, stripe.default_http_client = saved
    result.bodies = recorder.sent
    assert gw.proc.poll() is None, "the gateway exited during the traffic"
    read_directory(result, data_dir, "running")
    stop_gateway(gw.proc)
    assert gw.proc.returncode is not None
    read_directory(result, data_dir, "stopped")
    stop_gateway(terminal.proc)
    read_directory(result, terminal.data_dir, "terminal")
    if database is not None:
        read_postgres(result, database.url)
    return result


# --------------------------------------------------------------------------- the scan sees the data


def test_the_scan_reads_what_was_stored(scan):
    db, logs = scan.database(), scan.logs()
    assert db and logs, f"nothing to scan: {sorted(scan.sources)}"
    last4s = {n[-4:] for n, _ in STORED_CARDS.values()} | {INLINE_CARD[0][-4:]} | {pan[-4:] for _, _, pan, _ in TERMINAL_SALES}
    for last4 in sorted(last4s):
        assert scan.find(f'"last4":"{last4}"'.encode(), db) or scan.find(last4.encode(), db), f"last4 {last4} not found in {sorted(db)}"
    for kind, ids in scan.created.items():
        for object_id in ids:
            assert scan.find(object_id.encode(), db), f"{kind} {object_id} not found in {sorted(db)}"
    assert scan.find(b"listening on", logs), "the gateway's output was not captured in its log"
    if scan.engine == "sqlite":
        assert any(n.startswith("db:running:gateway.sqlite-wal") and b for n, b in db.items()), \
            f"no write-ahead log was read while the gateway ran: {sorted(db)}"
        stopped = {n: b for n, b in db.items() if n == "db:stopped:gateway.sqlite"}
        assert all(scan.find(i.encode(), stopped) for i in scan.created["payment_method"]), "gateway.sqlite lacks the payment methods"
    else:
        # The gateway turns PostgresKit's statement logging off: its binds would put sealed card numbers,
        # fingerprints and client secrets into the log even at debug level.
        assert not scan.find(b"Executing query", logs), "PostgreSQL statements (with their binds) were logged"


# --------------------------------------------------------------------------- no card data


@pytest.mark.parametrize("number", ALL_NUMBERS)
def test_no_full_card_number(scan, number):
    hits = [f"[{form}] {hit}" for form, needle in pan_forms(number).items() for hit in scan.find(needle)]
    assert not hits, report(f"card number {number} found at rest", hits)


def test_no_track2(scan):
    hits = [hit for track in ALL_TRACKS for needle in {track.encode(), urllib.parse.quote(track, safe="").encode()}
            for hit in scan.find(needle)]
    assert not hits, report("track 2 data found at rest", hits)


def test_no_cvc(scan):
    hits = scan.find(CVC_KEY_VALUE)
    assert not hits, report("a CVC value found at rest", hits)


def test_no_request_body_logged(scan):
    """Not a single request body (nor any form field carrying card data) reaches the log."""
    logs = scan.logs()
    with_card_data = [(m, p, b) for m, p, b in scan.bodies if b"number" in b or b"cvc" in b]
    assert len(with_card_data) >= 8, f"the traffic sent fewer card-bearing requests than planned: {with_card_data}"
    hits = [hit for _, _, body in scan.bodies if len(body) > 20 for hit in scan.find(body, logs)]
    fragments = [b"%5Bnumber%5D", b"[number]=", b"%5Bcvc%5D", b"[cvc]=", b"%5Bvtpe_track2%5D", b"[vtpe_track2]=",
                 b"%5Bexp_month%5D", b"[exp_month]=", b"%5Bcard%5D", b"[card]["]
    hits += [hit for fragment in fragments for hit in scan.find(fragment, logs)]
    assert not hits, report("request bodies found in the log", hits)


def test_no_plain_digest_of_a_request_carrying_card_data(scan):
    """A plain (unkeyed) hash of a request body that carries a card number and a CVC gives both away: the body's
    layout is fixed by the SDK, the last 4, brand and expiry are stored next to it, so guessing the CVC takes at most
    10,000 hashes and the hidden digits of the number about 10^6 more. Whatever the gateway keeps about a request
    (e.g. its idempotency fingerprint) must not be such a digest."""
    hits = []
    for method, path, body in scan.bodies:
        if not (b"number" in body or b"cvc" in body):
            continue
        for label, message in [("sha256(method path\\nbody)", f"{method} {path}\n".encode() + body), ("sha256(body)", body)]:
            digest = hashlib.sha256(message).hexdigest()
            for needle in (digest.encode(), digest.upper().encode()):
                hits += [f"{label} of {method} {path} {body[:90]!r}…: {hit}" for hit in scan.find(needle)]
    assert not hits, report("plain digests of requests carrying card data found at rest", hits)
