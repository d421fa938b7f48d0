"""Interop suite: vtpe against independent implementations.

- `vtpe crypto` against PyPI oracles (pyemv, psec, pydukpt): fixtures `vtpe`, `rng`.
- `vtpe gateway` against the official stripe-python SDK: fixture `gateway`, parametrized over the storage engines
  (`sqlite`, and `postgres` when VTPE_TEST_POSTGRES_URL names a server where the user may CREATE DATABASE).
- Building blocks for modules that start their own gateways (several processes on one database, extra options):
  `fresh_database`, `fresh_data_dir`, `launch_gateway`, `api_request` (raw HTTP), `psql`.
"""
import base64
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

warnings.filterwarnings("ignore")  # the oracles use TDES through cryptography's deprecated paths

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES = int(os.environ.get("VTPE_INTEROP_CASES", "120"))
POSTGRES_URL_VAR = "VTPE_TEST_POSTGRES_URL"
GATEWAY_START_TIMEOUT = 20  # seconds

# The gateway tests talk to 127.0.0.1 only: never through a proxy named in the environment (requests honours it).
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1", "localhost"]))


def vtpe_binary():
    binary = os.environ.get("VTPE_BIN") or str(REPO_ROOT / ".build" / "debug" / "vtpe")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"vtpe binary not found at {binary}; run `swift build` first")
    return binary


@pytest.fixture(scope="session")
def vtpe():
    binary = vtpe_binary()

    def run(*args, expect_ok=True):
        p = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=20)
        if expect_ok:
            assert p.returncode == 0, f"vtpe {' '.join(map(str, args))} → {p.returncode}\n{p.stderr}"
            return p.stdout.strip()
        return p

    return run


@pytest.fixture
def rng(request):
    # A fixed seed per test: a failure names a reproducible case.
    return random.Random(request.node.name)


def rand_hex(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n)).hex().upper()


def luhn_pan(rng, length):
    digits = [rng.choice("3456")] + [str(rng.randrange(10)) for _ in range(length - 2)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        v = int(d)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return "".join(digits) + str((10 - total % 10) % 10)


# --------------------------------------------------------------------------- vtpe gateway


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql, *, binary=False):
    """Runs one statement through psql against `url` (a postgres:// URL) and returns its rows, unaligned and without
    headers (`-At`: one row a line, columns separated by `|`), as text or, with `binary`, as bytes; fails the test
    with psql's message."""
    if shutil.which("psql") is None:
        pytest.fail(f"{POSTGRES_URL_VAR} is set but psql is not on PATH")
    p = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql],
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        pytest.fail(f"psql {sql!r} failed ({p.returncode}): {p.stderr.decode(errors='replace').strip()}")
    return p.stdout if binary else p.stdout.decode()


def postgres_server_url():
    """VTPE_TEST_POSTGRES_URL, or skips the test when it is not set."""
    server_url = os.environ.get(POSTGRES_URL_VAR)
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_VAR} is not set (e.g. postgres://vtpe@127.0.0.1:5433/vtpe, "
                    "a server where that user may CREATE DATABASE)")
    return server_url


def with_database(url, name):
    """`url` with its database (the path) replaced by `name`; user, password, host, port and query stay."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


class PostgresDatabase:
    """A fresh database `vtpe_interop_<random>` on the server of VTPE_TEST_POSTGRES_URL, dropped by `drop()`."""

    def __init__(self, server_url):
        if urllib.parse.urlsplit(server_url).hostname not in ("127.0.0.1", "localhost", "::1"):
            pytest.fail(f"{POSTGRES_URL_VAR} must name a server on 127.0.0.1, not {server_url!r}")
        self.server_url = server_url
        self.name = "vtpe_interop_" + secrets.token_hex(6)
        psql(server_url, f'CREATE DATABASE "{self.name}"')
        self.url = with_database(server_url, self.name)

    def drop(self):
        # WITH (FORCE) (PostgreSQL 13+) ends any session the gateway left behind.
        psql(self.server_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass
class Gateway:
    engine: str
    url: str
    api_key: str
    data_dir: Path
    database: str | None
    log: Path
    proc: subprocess.Popen


def healthy(url):
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url + "/healthz", timeout=1) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def log_excerpt(log):
    """The part of the gateway's output that explains a failure: from a Swift crash report's crashed thread, or the end."""
    text = log.read_text(errors="replace")
    crash = text.rfind("crashed:")  # "Thread N ... crashed:" follows "*** Program crashed: ..."
    return text[crash:crash + 3000] if crash >= 0 else text[-3000:]


def start_gateway(engine, data_dir, api_key, database, extra_args=()):
    """Starts `vtpe gateway` on a free loopback port and waits until it answers /healthz. Its stdout and stderr go to
    `<data_dir>/gateway.log`; `extra_args` are appended to the command line (e.g. `--log-level debug`)."""
    port = free_port()
    log = data_dir / "gateway.log"
    args = [vtpe_binary(), "gateway", "--host", "127.0.0.1", "--port", str(port),
            "--data-dir", str(data_dir), "--api-key", api_key]
    if database is not None:
        args += ["--database", database]
    args += list(extra_args)
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + GATEWAY_START_TIMEOUT
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_gateway(proc)
            pytest.fail(f"vtpe gateway ({engine}) did not start: {' '.join(args)}\n"
                        f"exit={proc.returncode}\n{log_excerpt(log)}")
        time.sleep(0.05)
    return Gateway(engine, url, api_key, data_dir, database, log, proc)


def stop_gateway(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def new_api_key():
    return "sk_test_interop" + secrets.token_hex(12)


def fresh_database(request):
    """A fresh PostgreSQL database for this fixture's scope (skips without VTPE_TEST_POSTGRES_URL), dropped at its
    end. Ask for it before starting the gateways that use it: finalizers run in reverse, so they stop first."""
    database = PostgresDatabase(postgres_server_url())
    request.addfinalizer(database.drop)
    return database


def fresh_data_dir(request, prefix):
    """An empty directory for this fixture's scope, removed at its end."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    request.addfinalizer(lambda: shutil.rmtree(data_dir, ignore_errors=True))
    return data_dir


def launch_gateway(request, engine, *, database=None, data_dir=None, api_key=None, extra_args=()):
    """`start_gateway` stopped at the end of this fixture's scope: `database` is a postgres:// URL (or None for the
    default SQLite file in the data directory); the data directory and the key are fresh unless given."""
    data_dir = data_dir or fresh_data_dir(request, f"vtpe-stripe-{engine}-")
    gw = start_gateway(engine, data_dir, api_key or new_api_key(), database, extra_args)
    request.addfinalizer(lambda: stop_gateway(gw.proc))
    return gw


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def gateway_server(request):
    """One `vtpe gateway` per test module and storage engine, on 127.0.0.1, with a fresh data directory (and, for
    postgres, a fresh database). pytest runs a module's tests engine by engine, so one gateway runs at a time."""
    engine = request.param
    database = fresh_database(request).url if engine == "postgres" else None
    return launch_gateway(request, engine, database=database)


@pytest.fixture
def gateway(gateway_server):
    """Points stripe-python's global configuration at this module's gateway: only the base URL and the key differ
    from a shop's production code. Set before every test, so the engines' gateways can never be mixed up."""
    import stripe

    stripe.api_key = gateway_server.api_key
    stripe.api_base = gateway_server.url
    stripe.max_network_retries = 0
    assert gateway_server.proc.poll() is None, f"the gateway exited:\n{log_excerpt(gateway_server.log)}"
    return gateway_server


def api_request(gw_url, api_key, method, path, params=None, *, idempotency_key=None, auth="basic", timeout=60):
    """One raw HTTP request to a gateway, without stripe-python: `params` form-encoded (a dict or a list of pairs),
    the key by HTTP Basic (`auth="basic"`) or `Authorization: Bearer` (`auth="bearer"`). Returns
    (status, headers as a case-insensitive Message, parsed JSON body or None)."""
    body = urllib.parse.urlencode(params or {}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if auth == "bearer":
        headers["Authorization"] = f"Bearer {api_key}"
    else:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    data = body if method == "POST" else None
    url = gw_url + path + ("" if method == "POST" or not body else "?" + body.decode())
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as r:
            status, resp_headers, text = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, resp_headers, text = e.code, e.headers, e.read()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = {"unparsed_body": text.decode(errors="replace")}
    return status, resp_headers, payload


@dataclass
class Terminal:
    """A headless `vtpe terminal` registered as a reader on a gateway."""
    data_dir: Path
    socket: Path
    reader_id: str
    log: Path
    proc: subprocess.Popen

    def tap(self, card, *args, expect_exit=None):
        """`vtpe tap CARD ARGS --wait` against this terminal; returns (exit code, output line)."""
        p = subprocess.run([vtpe_binary(), "tap", card, "--terminal", str(self.socket), "--wait", *map(str, args)],
                           capture_output=True, text=True, timeout=60)
        if expect_exit is not None:
            assert p.returncode == expect_exit, f"exit {p.returncode}: {p.stdout}{p.stderr}\n{self.log.read_text(errors='replace')[-2000:]}"
        return p.returncode, p.stdout.strip()


def launch_terminal(request, gw, *, profile="countertop", location=None, extra_args=()):
    """A headless terminal on `gw` (stopped at the end of the fixture's scope), once its reader is registered and
    has its DUKPT keys (the first heartbeat)."""
    data_dir = fresh_data_dir(request, "vtpe-terminal-")
    log = data_dir / "terminal.out"
    args = [vtpe_binary(), "terminal", "--headless", "--profile", profile, "--gateway", gw.url, "--api-key", gw.api_key,
            "--data-dir", str(data_dir)]
    if location:
        args += ["--location", location]
    args += list(extra_args)
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    request.addfinalizer(lambda: stop_gateway(proc))
    deadline = time.monotonic() + 20
    keys = data_dir / f"keys-{profile}.json"
    reader_file = data_dir / f"reader-{profile}.json"
    while not (keys.exists() and reader_file.exists()):
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"vtpe terminal did not register: exit={proc.poll()}\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)
    reader_id = json.loads(reader_file.read_text())["reader_id"]
    return Terminal(data_dir, data_dir / "terminal.sock", reader_id, log, proc)
