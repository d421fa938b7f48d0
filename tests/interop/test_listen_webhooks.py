"""`vtpe listen --forward-to` and `vtpe trigger` against stripe-python: the events a shop's webhook handler gets are
signed exactly as Stripe signs them, and `stripe.Webhook.construct_event` — the SDK's own check — accepts them."""
import http.server
import json
import queue
import subprocess
import threading
import time

import pytest
import stripe

from conftest import vtpe_binary

SECRET = "whsec_interopListen0123456789abcdefgh"
WAIT = 30  # seconds, for one event to come through


class Receiver:
    """A webhook handler on 127.0.0.1: verifies each POST with stripe-python, keeps the events it accepted."""

    def __init__(self, secret):
        self.events = queue.Queue()
        self.refused = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                payload = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    event = stripe.Webhook.construct_event(payload, self.headers["Stripe-Signature"], secret)
                except (stripe.error.SignatureVerificationError, ValueError) as error:
                    outer.refused.put(str(error))
                    self.send_response(400)
                else:
                    outer.events.put(event)
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, types):
        """The next events until every type in `types` has come, or fails after WAIT seconds."""
        seen, wanted = [], set(types)
        deadline = time.monotonic() + WAIT
        while wanted:
            try:
                event = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"still waiting for {sorted(wanted)}; got {[e.type for e in seen]}")
            seen.append(event)
            wanted.discard(event.type)
        return seen

    def close(self):
        self.server.shutdown()


def start_listen(gateway, tmp_path, forward_to, *extra):
    out, err = tmp_path / "listen.out", tmp_path / "listen.err"
    proc = subprocess.Popen([vtpe_binary(), "listen", "--gateway", gateway.url, "--api-key", gateway.api_key,
                             "--forward-to", forward_to, "--secret", SECRET, "--interval", "0.1", *extra],
                            stdout=open(out, "w"), stderr=open(err, "w"), stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT
    while "Ready!" not in err.read_text():
        assert proc.poll() is None, err.read_text()
        assert time.monotonic() < deadline, "vtpe listen never said it was ready"
        time.sleep(0.05)
    return proc, out


@pytest.fixture
def listening(gateway, tmp_path):
    receiver = Receiver(SECRET)
    proc, printed = start_listen(gateway, tmp_path, receiver.url)
    yield receiver, printed
    proc.terminate()
    proc.wait(10)
    receiver.close()


def test_a_payment_reaches_the_handler_signed(gateway, listening):
    receiver, printed = listening
    intent = stripe.PaymentIntent.create(amount=1234, currency="eur", payment_method="pm_card_visa", confirm=True)
    events = receiver.take(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"])
    assert [e.type for e in events] == ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]
    succeeded = events[-1]
    assert isinstance(succeeded.data.object, stripe.PaymentIntent)
    assert succeeded.data.object.id == intent.id and succeeded.data.object.status == "succeeded"
    assert receiver.refused.empty()
    # The handler may answer before `vtpe listen` has printed its answer line.
    answered = f"<-- [200] POST {receiver.url} [{succeeded.id}]"
    deadline = time.monotonic() + WAIT
    while answered not in printed.read_text():
        assert time.monotonic() < deadline, printed.read_text()
        time.sleep(0.05)
    lines = printed.read_text().splitlines()
    assert any(line.endswith(f"--> payment_intent.succeeded [{succeeded.id}]") for line in lines), lines


def test_a_handler_with_another_secret_refuses_and_filters_apply(gateway, tmp_path):
    receiver = Receiver("whsec_notTheListenersSecret0123456789")
    proc, printed = start_listen(gateway, tmp_path, receiver.url, "--events", "charge.*")
    try:
        stripe.PaymentIntent.create(amount=990, currency="eur", payment_method="pm_card_visa", confirm=True)
        refusal = receiver.refused.get(timeout=WAIT)
        assert "signature" in refusal.lower()
        deadline = time.monotonic() + WAIT
        while "<-- [400]" not in printed.read_text():
            assert time.monotonic() < deadline, printed.read_text()
            time.sleep(0.05)
        lines = printed.read_text().splitlines()
        assert all(" charge." in line or "<--" in line for line in lines), lines  # --events charge.* only
        assert receiver.events.empty()
    finally:
        proc.terminate()
        proc.wait(10)
        receiver.close()


def test_trigger_produces_the_event(gateway, listening):
    receiver, _ = listening
    done = subprocess.run([vtpe_binary(), "trigger", "charge.refunded", "--gateway", gateway.url, "--api-key", gateway.api_key],
                          capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr
    assert "Trigger succeeded" in done.stdout
    events = receiver.take(["refund.created", "charge.refunded"])
    refunded = next(e for e in events if e.type == "charge.refunded")
    assert refunded.data.object.refunded is True and refunded.data.object.amount_refunded == 2000

    unknown = subprocess.run([vtpe_binary(), "trigger", "no.such", "--gateway", gateway.url, "--api-key", gateway.api_key],
                             capture_output=True, text=True, timeout=WAIT)
    assert unknown.returncode != 0 and "cannot trigger 'no.such'" in unknown.stderr


def test_every_trigger_makes_its_event(gateway):
    """Each event `vtpe trigger` offers (it lists them when asked for an unknown one) appears in the event stream
    after its trigger, with stripe-python's Event.list."""
    unknown = subprocess.run([vtpe_binary(), "trigger", "no.such", "--gateway", gateway.url, "--api-key", gateway.api_key],
                             capture_output=True, text=True, timeout=WAIT)
    offered = unknown.stderr.split("events: ", 1)[1].splitlines()[0].split(", ")
    assert len(offered) >= 22 and "setup_intent.succeeded" in offered
    for event_type in offered:
        before = stripe.Event.list(type=event_type, limit=1).data
        done = subprocess.run([vtpe_binary(), "trigger", event_type, "--gateway", gateway.url, "--api-key", gateway.api_key],
                              capture_output=True, text=True, timeout=WAIT)
        assert done.returncode == 0, f"{event_type}: {done.stdout}{done.stderr}"
        after = stripe.Event.list(type=event_type, limit=1).data
        assert after and (not before or after[0].id != before[0].id), f"vtpe trigger {event_type} made no {event_type} event"
