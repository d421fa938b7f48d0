"""Fixtures for the vtpe end-to-end tests.

The terminal is driven in a detached tmux session (80x24, its own tmux server so
nothing leaks into the user's tmux); the other commands are plain subprocesses.
Standard library only. Every wait has a timeout and every test is bounded by an
alarm, so the suite never hangs.
"""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
import os
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import sys

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures import vtpe_bin, workdir  # noqa: E402,F401  (pytest fixtures)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_TIMEOUT = 20  # seconds, hard limit per test (setup + call + teardown)
CMD_TIMEOUT = 15  # seconds, limit for one vtpe CLI invocation


# --------------------------------------------------------------------------- helpers


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_vtpe(vtpe_bin, *args, timeout=CMD_TIMEOUT):
    """Run one vtpe command to completion; returns CompletedProcess (text)."""
    return subprocess.run(
        [str(vtpe_bin), *map(str, args)],
        cwd=str(REPO_ROOT),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def describe(proc):
    return f"exit={proc.returncode}\nstdout={proc.stdout!r}\nstderr={proc.stderr!r}"


def journal(data, profile="countertop"):
    """The terminal's journal database (docs/offline.md, "Crash safety"): terminal id, next STAN, the open batch,
    reversals owed and offline payments, read as the terminal left them (read-only, WAL readers do not block it)."""
    db = sqlite3.connect(f"file:{Path(data) / f'journal-{profile}.sqlite'}?mode=ro", uri=True, timeout=5)
    try:
        row = db.execute("SELECT terminal_id, next_stan FROM terminal WHERE id = 1").fetchone()
        header = db.execute("SELECT number, closed_stans FROM batch WHERE id = 1").fetchone()
        entries = [json.loads(r[0]) for r in db.execute("SELECT document FROM batch_entries ORDER BY position")]
        reversals = [dict(zip(("key", "payment_intent", "reason"), r)) for r in db.execute("SELECT key, payment_intent, reason FROM reversals")]
        offline = [dict(zip(("stan", "idempotency_key", "amount", "status", "payment_intent"), r))
                   for r in db.execute("SELECT stan, idempotency_key, amount, status, payment_intent FROM offline_payments ORDER BY id")]
        open_steps = db.execute("SELECT COUNT(*) FROM steps WHERE open = 1").fetchone()[0]
    finally:
        db.close()
    return {
        "terminal_id": row[0] if row else None, "next_stan": row[1] if row else None,
        "batch": {"number": header[0] if header else 1, "closedSTANs": json.loads(header[1]) if header else [], "entries": entries},
        "reversals": reversals, "offline": offline, "open_steps": open_steps,
    }


def wait_until(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _TestTimeout(Exception):
    pass


# --------------------------------------------------------------------------- tmux driver


class TmuxTerminal:
    """A program running in a detached 80x24 tmux session on a private tmux server."""

    def __init__(self, workdir):
        tag = uuid.uuid4().hex[:10]
        self.server = f"vtpe-e2e-{os.getpid()}-{tag}"
        self.session = f"vtpe-{tag}"
        self.pane_pid = None
        self.started = False
        # Status bar off so the pane is the full 80x24; keep the pane after the
        # program exits so a crash message stays visible in screen().
        self.config = Path(workdir) / f"tmux-{tag}.conf"
        self.config.write_text("set -g status off\nset -g remain-on-exit on\n")

    def _tmux(self, *args, check=True):
        return subprocess.run(
            ["tmux", "-L", self.server, "-f", str(self.config), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
            check=check,
        )

    def start(self, argv, cwd=None):
        cmd = ["env", "TERM=xterm-256color", "LANG=C.UTF-8", *map(str, argv)]
        self._tmux(
            "new-session", "-d", "-x", "80", "-y", "24",
            "-s", self.session, "-c", str(cwd or REPO_ROOT),
            shlex.join(cmd),
        )
        self.started = True
        out = self._tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").stdout.strip()
        self.pane_pid = int(out) if out.isdigit() else None
        return self

    def screen(self):
        res = self._tmux("capture-pane", "-p", "-t", self.session, check=False)
        return res.stdout

    def wait_for(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            last = self.screen()
            if text in last:
                return last
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {text!r} on the screen; last screen:\n{last}"
                )
            time.sleep(0.1)

    def wait_for_gone(self, text, timeout=10.0):
        """Waits until `text` is no longer on the screen; returns that screen."""
        deadline = time.monotonic() + timeout
        while True:
            last = self.screen()
            if text not in last:
                return last
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {text!r} to leave the screen; last screen:\n{last}")
            time.sleep(0.1)

    def resize(self, columns, rows):
        """Resizes the window (the program gets SIGWINCH)."""
        self._tmux("resize-window", "-t", self.session, "-x", str(columns), "-y", str(rows))

    def send_keys(self, *keys):
        """tmux key names (Enter, Escape, BSpace) or single characters."""
        for key in keys:
            self._tmux("send-keys", "-t", self.session, key)

    def paste_text(self, text):
        """The text in one burst (one tmux call), as a keyboard-emulation reader types it."""
        self._tmux("send-keys", "-t", self.session, "-l", text)

    def type_text(self, text):
        for ch in text:
            self._tmux("send-keys", "-t", self.session, "-l", ch)

    def close(self):
        if not self.started:
            return
        self._tmux("kill-session", "-t", self.session, check=False)
        self._tmux("kill-server", check=False)
        if self.pane_pid and _pid_alive(self.pane_pid):
            if not wait_until(lambda: not _pid_alive(self.pane_pid), 3):
                try:
                    os.kill(self.pane_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.started = False


# --------------------------------------------------------------------------- background processes


class Background:
    """A vtpe process whose stdout/stderr go to files we can poll."""

    def __init__(self, argv, workdir, name):
        self.out_path = Path(workdir) / f"{name}.stdout"
        self.err_path = Path(workdir) / f"{name}.stderr"
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(
            [str(a) for a in argv],
            cwd=str(REPO_ROOT),
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,
        )

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def wait_for_output(self, text, timeout=10.0):
        found = wait_until(lambda: text in self.stdout() or self.proc.poll() is not None, timeout)
        out = self.stdout()
        if text not in out:
            raise AssertionError(
                f"timed out / exited (rc={self.proc.poll()}) waiting for {text!r} on stdout;\n"
                f"stdout:\n{out}\nstderr:\n{self.stderr()}"
            )
        return found and out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._out.close()
        self._err.close()


# --------------------------------------------------------------------------- fixtures


def pytest_configure(config):
    config.addinivalue_line("markers", "time_limit(seconds): a longer hard limit than TEST_TIMEOUT for a soak test")


@pytest.fixture(autouse=True)
def _hard_timeout(request):
    """Fail (never hang) a test that runs longer than TEST_TIMEOUT seconds (or its `time_limit` mark)."""
    mark = request.node.get_closest_marker("time_limit")
    limit = mark.args[0] if mark else TEST_TIMEOUT

    def on_alarm(signum, frame):
        raise _TestTimeout(f"test exceeded {limit}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# vtpe_bin and workdir come from tests/fixtures.py (shared with tests/usb).


@pytest.fixture
def data_dir(workdir):
    d = workdir / "data"
    d.mkdir()
    return d


@pytest.fixture
def tmux_terminal(workdir):
    """Factory: tmux_terminal(argv) starts argv in a fresh 80x24 tmux session."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the end-to-end tests")
    sessions = []

    def start(argv):
        t = TmuxTerminal(workdir)
        sessions.append(t)
        return t.start(argv)

    yield start
    for t in sessions:
        t.close()


@pytest.fixture
def terminal(tmux_terminal, vtpe_bin, data_dir):
    """The countertop terminal on the embedded gateway, at amount entry."""
    t = tmux_terminal([vtpe_bin, "--data-dir", data_dir])
    t.wait_for("QA ·", timeout=10)
    return t


@pytest.fixture
def background(workdir):
    """Factory: background(argv, name) starts a process with stdout/stderr to files."""
    procs = []

    def start(argv, name):
        p = Background(argv, workdir, name)
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.stop()


# --------------------------------------------------------------------------- a separate gateway and headless terminals

KEY = "sk_test_matrixKey0123456789abcdef"


def api(url, method, path, params=None):
    body = urllib.parse.urlencode(params or {}).encode() if params else None
    req = urllib.request.Request(url + path, data=body if method == "POST" else None, method=method, headers={
        "Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode(),
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def start(argv, log):
    out = open(log, "wb")
    return subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except Exception:
        proc.kill()


def healthy(url):
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url + "/healthz", timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def gateway(vtpe_bin, tmp_path_factory):
    data = tmp_path_factory.mktemp("gw")
    port = free_port()
    proc = start([vtpe_bin, "gateway", "--port", port, "--data-dir", data, "--api-key", KEY], data / "gateway.out")
    url = f"http://127.0.0.1:{port}"
    assert wait_until(lambda: healthy(url), 15), (data / "gateway.out").read_text()
    yield url
    stop(proc)


def start_terminal(vtpe_bin, data, gateway_url, *extra):
    """A headless terminal on `gateway_url`, once it has its DUKPT keys (registered as a reader) and listens."""
    extra = [str(a) for a in extra]
    profile = extra[extra.index("--profile") + 1] if "--profile" in extra else "countertop"
    profile = Path(profile).stem
    proc = start([vtpe_bin, "terminal", "--headless", "--data-dir", data, "--gateway", gateway_url, "--api-key", KEY, *extra],
                 data / "terminal.out")
    ready = wait_until(lambda: (data / f"keys-{profile}.json").exists() and (data / "terminal.sock").exists(), 15)
    assert ready, (data / "terminal.out").read_text()
    return proc


