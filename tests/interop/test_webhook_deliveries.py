"""The gateway's own webhook deliveries, checked by stripe-python: `stripe.WebhookEndpoint` creates, changes, lists
and deletes endpoints, and every POST the gateway makes is verified by `stripe.Webhook.construct_event` — the SDK's own
signature check — on a receiver the test runs on 127.0.0.1 (docs/api.md "Webhooks").

Reliability, with the retry schedule compressed (`--webhook-retries 200ms`):
- a receiver that is down for a while gets every event once it is back;
- a gateway killed (SIGKILL) while 200 deliveries are pending and some are in flight loses none: after the restart
  every event arrives at least once;
- three gateway processes on one PostgreSQL database deliver each event once (one process holds the delivery lease),
  and when the holder is killed another one takes over.
"""
import http.server
import os
import shutil
import signal
import threading
import time
from collections import Counter

import pytest
import stripe

from conftest import (api_request, fresh_data_dir, fresh_database, launch_gateway, new_api_key, psql,
                      start_gateway, stop_gateway)

WAIT = 60  # seconds, for a batch of events to come through
FAST = ["--webhook-retries", "200ms", "--webhook-timeout", "2s", "--webhook-poll", "200ms"]


class Receiver:
    """A webhook handler on 127.0.0.1: verifies each POST with stripe-python and keeps the events it accepted (with
    duplicates). `status` is what it answers while it is up; `delay` slows every answer."""

    def __init__(self, secret=None, port=0):
        self.secret = secret
        self.status = 200
        self.delay = 0.0
        self.accepted = []
        self.refused = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                payload = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.delay:
                    time.sleep(outer.delay)
                try:
                    event = stripe.Webhook.construct_event(payload, self.headers["Stripe-Signature"], outer.secret)
                except (stripe.error.SignatureVerificationError, ValueError) as error:
                    with outer.lock:
                        outer.refused.append(str(error))
                    self.send_response(400)
                else:
                    status = outer.status
                    if status == 200:
                        with outer.lock:
                            outer.accepted.append(event)
                    self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def ids(self):
        with self.lock:
            return [e.id for e in self.accepted]

    def wait_for(self, ids, seconds=WAIT):
        """Waits until every id in `ids` was accepted; fails naming how many are missing."""
        wanted = set(ids)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            missing = wanted - set(self.ids())
            if not missing:
                return
            time.sleep(0.05)
        pytest.fail(f"{len(missing)} of {len(wanted)} events never arrived (e.g. {sorted(missing)[:3]}); "
                    f"refused: {self.refused[:3]}")


def all_event_ids(gw_url, api_key):
    ids, after = [], None
    while True:
        params = {"limit": 100, **({"starting_after": after} if after else {})}
        status, _, page = api_request(gw_url, api_key, "GET", "/v1/events", params)
        assert status == 200, page
        ids += [e["id"] for e in page["data"]]
        if not page["has_more"]:
            return ids
        after = page["data"][-1]["id"]


def pay(gw_url, api_key, n, amount=1000):
    for i in range(n):
        status, _, body = api_request(gw_url, api_key, "POST", "/v1/payment_intents",
                                      {"amount": amount + i, "currency": "eur", "payment_method": "pm_card_visa", "confirm": "true"})
        assert status == 200 and body["status"] == "succeeded", body


def create_endpoint(gw_url, api_key, url):
    status, _, endpoint = api_request(gw_url, api_key, "POST", "/v1/webhook_endpoints", {"url": url, "enabled_events[]": "*"})
    assert status == 200, endpoint
    return endpoint


# --------------------------------------------------------------------------- stripe-python against the gateway


def test_stripe_python_manages_webhook_endpoints(gateway):
    endpoint = stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/hooks", enabled_events=["charge.succeeded", "charge.refunded"],
                                             description="caisse 1", metadata={"shop": "lyon"})
    assert endpoint.id.startswith("we_") and endpoint.object == "webhook_endpoint"
    assert endpoint.secret.startswith("whsec_") and endpoint.status == "enabled"
    assert endpoint.enabled_events == ["charge.succeeded", "charge.refunded"] and endpoint.metadata.to_dict() == {"shop": "lyon"}

    again = stripe.WebhookEndpoint.retrieve(endpoint.id)
    assert again.url == "http://127.0.0.1:9/hooks" and "secret" not in again

    changed = stripe.WebhookEndpoint.modify(endpoint.id, enabled_events=["*"], disabled=True, url="https://shop.example/wh")
    assert changed.enabled_events == ["*"] and changed.status == "disabled" and changed.url == "https://shop.example/wh"
    assert endpoint.id in [e.id for e in stripe.WebhookEndpoint.list(limit=100).auto_paging_iter()]

    with pytest.raises(stripe.error.InvalidRequestError) as refused:
        stripe.WebhookEndpoint.create(url="http://127.0.0.1:9/hooks", enabled_events=["payment_intent.succeded"])
    assert refused.value.param == "enabled_events[0]" and refused.value.http_status == 400

    deleted = stripe.WebhookEndpoint.delete(endpoint.id)
    assert deleted.deleted is True and deleted.id == endpoint.id
    with pytest.raises(stripe.error.InvalidRequestError) as missing:
        stripe.WebhookEndpoint.retrieve(endpoint.id)
    assert missing.value.http_status == 404


def test_deliveries_are_signed_as_stripe_python_verifies(gateway):
    receiver = Receiver()
    try:
        endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=["payment_intent.succeeded", "charge.refunded"])
        receiver.secret = endpoint.secret
        intent = stripe.PaymentIntent.create(amount=4200, currency="eur", payment_method="pm_card_visa", confirm=True)
        stripe.Refund.create(payment_intent=intent.id, amount=200)
        deadline = time.monotonic() + WAIT
        while len(receiver.accepted) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        events = {e.type: e for e in receiver.accepted}
        assert set(events) == {"payment_intent.succeeded", "charge.refunded"}, receiver.refused
        assert events["payment_intent.succeeded"].data.object.id == intent.id
        assert events["charge.refunded"].data.object.amount_refunded == 200
        assert receiver.refused == []
        # Each accepted event is the one the API lists.
        assert stripe.Event.retrieve(events["payment_intent.succeeded"].id).type == "payment_intent.succeeded"
        stripe.WebhookEndpoint.delete(endpoint.id)
    finally:
        receiver.stop()


# --------------------------------------------------------------------------- reliability


@pytest.fixture(params=["sqlite", "postgres"])
def engine_database(request):
    return request.param, (fresh_database(request).url if request.param == "postgres" else None)


def test_a_receiver_that_was_down_gets_every_event(request, engine_database):
    engine, database = engine_database
    gw = launch_gateway(request, engine, database=database, extra_args=FAST)
    probe = Receiver()
    port = probe.port
    probe.stop()  # nothing listens on the port: connections are refused
    endpoint = create_endpoint(gw.url, gw.api_key, f"http://127.0.0.1:{port}/webhook")
    pay(gw.url, gw.api_key, 10)
    ids = all_event_ids(gw.url, gw.api_key)
    assert len(ids) == 30

    deadline = time.monotonic() + WAIT
    while True:
        _, _, attempts = api_request(gw.url, gw.api_key, "GET", f"/v1/webhook_endpoints/{endpoint['id']}/vtpe_attempts", {"limit": 100})
        if sum(1 for a in attempts["data"] if a["attempt"] >= 2) >= 5 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert attempts["data"] and all(a["error"] == "connection refused" and not a["succeeded"] for a in attempts["data"])

    receiver = Receiver(endpoint["secret"], port=port)
    try:
        receiver.wait_for(ids)
        assert receiver.refused == []
    finally:
        receiver.stop()


def test_a_killed_gateway_loses_no_pending_webhook(request, engine_database):
    engine, database = engine_database
    data_dir = fresh_data_dir(request, f"vtpe-webhooks-kill-{engine}-")
    api_key = new_api_key()
    receiver = Receiver()
    receiver.status = 503  # the events pile up
    request.addfinalizer(receiver.stop)
    gw = start_gateway(engine, data_dir, api_key, database, FAST)
    try:
        endpoint = create_endpoint(gw.url, api_key, receiver.url)
        receiver.secret = endpoint["secret"]
        pay(gw.url, api_key, 70)
        ids = all_event_ids(gw.url, api_key)
        assert len(ids) == 210
        # Up again, but slow: deliveries are in flight when the gateway is killed.
        receiver.delay = 0.05
        receiver.status = 200
        deadline = time.monotonic() + WAIT
        while len(receiver.ids()) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        gw.proc.send_signal(signal.SIGKILL)
        gw.proc.wait(timeout=10)
        delivered_before = len(set(receiver.ids()))
        assert 0 < delivered_before < len(ids), f"{delivered_before} delivered before the kill"
    finally:
        stop_gateway(gw.proc)

    receiver.delay = 0
    again = start_gateway(engine, data_dir, api_key, database, FAST)
    try:
        receiver.wait_for(ids)
        counts = Counter(receiver.ids())
        assert set(counts) == set(ids)
        # At least once: only what was in flight at the kill may come twice — at most one wave, 4 deliveries for
        # each of the endpoint's 16 connections, posted before their attempts are committed.
        assert sum(counts.values()) - len(ids) <= 64, counts.most_common(3)
        log = again.log.read_text(errors="replace")
        assert "webhook deliveries taken over from" in log, log[-2000:]
    finally:
        stop_gateway(again.proc)


def test_three_gateways_on_one_database_deliver_each_event_once(request):
    database = fresh_database(request)  # skips without VTPE_TEST_POSTGRES_URL
    api_key = new_api_key()
    data_dirs = [fresh_data_dir(request, f"vtpe-webhooks-{i + 1}-") for i in range(3)]
    gateways = [launch_gateway(request, "postgres", database=database.url, data_dir=data_dirs[0], api_key=api_key, extra_args=FAST)]
    for data_dir in data_dirs[1:]:
        # One card-data key for all: it seals the endpoints' secrets too.
        shutil.copyfile(data_dirs[0] / "card-data-key", data_dir / "card-data-key")
        os.chmod(data_dir / "card-data-key", 0o600)
        gateways.append(launch_gateway(request, "postgres", database=database.url, data_dir=data_dir, api_key=api_key, extra_args=FAST))
    receiver = Receiver()
    request.addfinalizer(receiver.stop)
    endpoint = create_endpoint(gateways[1].url, api_key, receiver.url)
    receiver.secret = endpoint["secret"]

    threads = [threading.Thread(target=pay, args=(gw.url, api_key, 15, 100 * (i + 1))) for i, gw in enumerate(gateways)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    ids = all_event_ids(gateways[0].url, api_key)
    assert len(ids) == 135
    receiver.wait_for(ids)
    time.sleep(1)  # time for a second process to send one again, if it would
    counts = Counter(receiver.ids())
    assert set(counts) == set(ids) and max(counts.values()) == 1, counts.most_common(3)
    holder = psql(database.url, "SELECT holder FROM leases WHERE name = 'webhook_deliveries'").strip()
    senders = [gw for gw in gateways if "this process delivers the webhooks" in gw.log.read_text(errors="replace")]
    assert len(senders) == 1 and f" {senders[0].proc.pid} " in holder, holder

    # The holder dies: another process takes the deliveries over and nothing is lost.
    senders[0].proc.send_signal(signal.SIGKILL)
    senders[0].proc.wait(timeout=10)
    survivor = next(gw for gw in gateways if gw is not senders[0])
    pay(survivor.url, api_key, 5, 5000)
    ids = all_event_ids(survivor.url, api_key)
    receiver.wait_for(ids)
    counts = Counter(receiver.ids())
    assert max(counts.values()) == 1, counts.most_common(3)
    # The receiver sees a POST before its attempt is committed: wait for the last ones to settle.
    deadline = time.monotonic() + WAIT
    while True:
        _, _, pending = api_request(survivor.url, api_key, "GET", f"/v1/webhook_endpoints/{endpoint['id']}/vtpe_deliveries",
                                    {"status": "pending"})
        if pending["data"] == [] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert pending["data"] == []
