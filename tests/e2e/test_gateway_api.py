"""`vtpe gateway`: the Stripe-compatible HTTP API, over real HTTP with urllib."""

import json
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

from conftest import free_port

PANS = ("4000000000009995", "4242424242424242")


def call(base, method, path, key, form=None, body=None):
    """Returns (status, headers, parsed JSON) for any HTTP status."""
    data = body if body is not None else (urllib.parse.urlencode(form).encode() if form is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, headers, raw = e.code, e.headers, e.read()
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = {"_raw": raw.decode(errors="replace")}
    return status, headers, payload


def card_form(number, amount=1000):
    return {
        "amount": str(amount),
        "currency": "usd",
        "confirm": "true",
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": number,
        "payment_method_data[card][exp_month]": "12",
        "payment_method_data[card][exp_year]": "2030",
        "payment_method_data[card][cvc]": "123",
    }


def test_gateway_startup_prints_key_before_listening(background, vtpe_bin, data_dir):
    port = free_port()
    gw = background([vtpe_bin, "gateway", "--port", port, "--data-dir", data_dir], "gateway")
    gw.wait_for_output("listening on", timeout=10)
    out = gw.wait_for_output("Created secret key", timeout=5)
    lines = out.splitlines()
    key_at = next(i for i, l in enumerate(lines) if "Created secret key sk_test_" in l)
    listen_at = next(i for i, l in enumerate(lines) if f"vtpe gateway listening on http://127.0.0.1:{port}" in l)
    assert key_at < listen_at, f"expected the key line before the listening line:\n{out}"


def test_gateway_payment_intents(background, vtpe_bin, data_dir):
    # The key is given explicitly so these API checks do not depend on the startup
    # output (covered by test_gateway_startup_prints_key_before_listening).
    key = "sk_test_e2eKey" + "0123456789abcdef"
    port = free_port()
    gw = background([vtpe_bin, "gateway", "--port", port, "--data-dir", data_dir, "--api-key", key], "gateway")
    out = gw.wait_for_output("listening on", timeout=10)
    assert f"http://127.0.0.1:{port}" in out, out
    base = f"http://127.0.0.1:{port}"

    # Approve with a test payment method.
    st, hdr, pi = call(base, "POST", "/v1/payment_intents", key,
                       {"amount": "1000", "currency": "usd", "confirm": "true", "payment_method": "pm_card_visa"})
    assert st == 200, (st, pi)
    assert hdr.get("Request-Id"), dict(hdr)
    assert pi.get("status") == "succeeded", pi
    assert pi.get("object") == "payment_intent", pi
    assert pi.get("amount") == 1000 and pi.get("currency") == "usd", pi
    pi_id = pi.get("id", "")
    assert pi_id.startswith("pi_"), pi

    # Approve with raw card data (so the PAN check below is meaningful for 4242).
    st, hdr, pi2 = call(base, "POST", "/v1/payment_intents", key, card_form("4242424242424242"))
    assert st == 200, (st, pi2)
    assert pi2.get("status") == "succeeded", pi2
    assert "4242424242424242" not in json.dumps(pi2), pi2

    # Decline: insufficient funds.
    st, hdr, err = call(base, "POST", "/v1/payment_intents", key, card_form("4000000000009995"))
    assert st == 402, (st, err)
    assert hdr.get("Request-Id"), dict(hdr)
    e = err.get("error", {})
    assert e.get("type") == "card_error", err
    assert e.get("decline_code") == "insufficient_funds", err
    assert e.get("payment_intent", {}).get("status") == "requires_payment_method", err
    assert "4000000000009995" not in json.dumps(err), err

    # Wrong key.
    st, hdr, err = call(base, "POST", "/v1/payment_intents", "sk_test_wrongwrongwrongwrong",
                        {"amount": "1000", "currency": "usd"})
    assert st == 401, (st, err)
    assert hdr.get("Request-Id"), dict(hdr)
    assert err.get("error", {}).get("type") == "invalid_request_error", err

    # Malformed amount.
    st, hdr, err = call(base, "POST", "/v1/payment_intents", key, body=b"amount=abc&currency=usd")
    assert st == 400, (st, err)
    assert hdr.get("Request-Id"), dict(hdr)
    assert err.get("error", {}).get("param") == "amount", err

    # Unknown parameter.
    st, hdr, err = call(base, "POST", "/v1/payment_intents", key,
                        {"amount": "1000", "currency": "usd", "foo": "1"})
    assert st == 400, (st, err)
    assert err.get("error", {}).get("param") == "foo", err

    # Retrieve.
    st, hdr, got = call(base, "GET", f"/v1/payment_intents/{pi_id}", key)
    assert st == 200, (st, got)
    assert hdr.get("Request-Id"), dict(hdr)
    assert got.get("id") == pi_id, got
    assert got.get("status") == pi["status"], got

    # No full card number at rest: every table's content, then the raw bytes.
    db = data_dir / "gateway.sqlite"
    assert db.is_file(), f"no database at {db}: {sorted(p.name for p in data_dir.iterdir())}"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert tables, "gateway.sqlite has no tables"
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
                    for pan in PANS:
                        assert pan not in text, f"full card number {pan} in table {table}: {row!r}"
    finally:
        conn.close()
    for suffix in ("", "-wal", "-journal"):
        f = data_dir / f"gateway.sqlite{suffix}"
        if f.exists():
            raw = f.read_bytes()
            for pan in PANS:
                assert pan.encode() not in raw, f"full card number {pan} in bytes of {f.name}"
                assert pan.encode("utf-16-le") not in raw, f"full card number {pan} (utf-16) in {f.name}"

    assert gw.proc.poll() is None, f"gateway exited; stderr:\n{gw.stderr()}"
