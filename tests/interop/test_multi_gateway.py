"""Several `vtpe gateway` processes sharing one PostgreSQL database (docs/api.md, "Idempotency" and "Storage").

Concurrent requests with one Idempotency-Key never both execute — also across processes — and the guarded state
changes hold across processes too: an authorization is captured once, and concurrent refunds never exceed the charge.

Three gateways run on their own loopback ports and data directories, with the same API key and the same database.
They share the card-data key (the first gateway creates `<data-dir>/card-data-key`, the others get a copy before
they start), as an operator running several processes must: without it a card stored by one process cannot be
charged by another (Sources/Gateway/Model/CardVault.swift). Requests go out as raw HTTP from threads released
together by a barrier, so every process has several of them in flight at once.

PostgreSQL only: needs VTPE_TEST_POSTGRES_URL (see conftest.py); `make test` sets it.
"""
import datetime
import os
import shutil
import threading
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest

from conftest import POSTGRES_URL_VAR, api_request, fresh_data_dir, fresh_database, launch_gateway, new_api_key, psql

GATEWAYS = 3
IDEMPOTENCY_ROUNDS = 20
REQUESTS_PER_GATEWAY = 4
CAPTURE_ROUNDS = 8
REFUND_ROUNDS = 4
EXP_YEAR = datetime.date.today().year + 5


@dataclass
class Cluster:
    gateways: list
    api_key: str
    database_url: str

    def post(self, index, path, params=None, **kwargs):
        gw = self.gateways[index % len(self.gateways)]
        return api_request(gw.url, self.api_key, "POST", path, params, **kwargs)

    def get(self, index, path, params=None):
        gw = self.gateways[index % len(self.gateways)]
        return api_request(gw.url, self.api_key, "GET", path, params)

    def count(self, sql):
        return int(psql(self.database_url, sql).strip())

    def assert_running(self):
        for i, gw in enumerate(self.gateways):
            assert gw.proc.poll() is None, f"gateway {i + 1} exited:\n{gw.log.read_text(errors='replace')[-3000:]}"


@pytest.fixture(scope="module")
def cluster(request):
    if not os.environ.get(POSTGRES_URL_VAR):
        pytest.skip(f"gateway processes share a database only on PostgreSQL, and {POSTGRES_URL_VAR} is not set "
                    "(e.g. postgres://vtpe@127.0.0.1:5433/vtpe, a server where that user may CREATE DATABASE)")
    database = fresh_database(request)  # skips without VTPE_TEST_POSTGRES_URL; dropped after the gateways stop
    api_key = new_api_key()
    data_dirs = [fresh_data_dir(request, f"vtpe-multi-{i + 1}-") for i in range(GATEWAYS)]
    first = launch_gateway(request, "postgres", database=database.url, data_dir=data_dirs[0], api_key=api_key)
    vault_key = data_dirs[0] / "card-data-key"
    assert vault_key.is_file() and len(vault_key.read_bytes()) == 32, "the first gateway did not create its card-data-key"
    gateways = [first]
    for data_dir in data_dirs[1:]:
        shutil.copyfile(vault_key, data_dir / "card-data-key")
        os.chmod(data_dir / "card-data-key", 0o600)
        gateways.append(launch_gateway(request, "postgres", database=database.url, data_dir=data_dir, api_key=api_key))
    assert len({gw.url for gw in gateways}) == GATEWAYS
    return Cluster(gateways, api_key, database.url)


@pytest.fixture
def gateways(cluster):
    cluster.assert_running()
    yield cluster
    cluster.assert_running()


def fire_together(calls):
    """Runs every zero-argument callable of `calls` on its own thread, all released at once; returns their results in
    order (an exception is returned in place of its result)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as e:  # noqa: BLE001 — reported by the caller with the others
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stuck = [i for i, t in enumerate(threads) if t.is_alive()]
    assert not stuck, f"requests {stuck} did not finish within 120 s"
    failed = [r for r in results if isinstance(r, BaseException)]
    assert not failed, f"requests raised: {failed!r}"
    return results


def describe(results):
    return "\n".join(f"  {status} replayed={headers.get('Idempotent-Replayed')} "
                     f"{(body or {}).get('id') or (body or {}).get('error')}" for status, headers, body in results)


def error_of(body):
    return (body or {}).get("error") or {}


def all_payment_intent_ids(cluster, via):
    """Every payment intent, by following the list's pages through gateway `via`."""
    ids, after = [], None
    while True:
        params = {"limit": 100, **({"starting_after": after} if after else {})}
        status, _, page = cluster.get(via, "/v1/payment_intents", params)
        assert status == 200, page
        ids += [p["id"] for p in page["data"]]
        if not page["has_more"]:
            return ids
        after = page["data"][-1]["id"]


# --------------------------------------------------------------------------- idempotency across processes


def test_one_idempotency_key_executes_once_across_processes(gateways):
    """20 rounds: one fresh key, the same payment sent 4 times to each of the 3 gateways at once. Exactly one
    request executes (200, not replayed); the others are replays of its response (200, `Idempotent-Replayed: true`,
    the same body) or 409 idempotency_error while it runs. Afterwards the database holds one intent, one charge and
    one balance transaction per round."""
    payment = {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}
    counts_before = {t: gateways.count(f"SELECT count(*) FROM {t}") for t in ("payment_intents", "charges", "balance_transactions")}
    intents, outcomes = [], Counter()
    for round_no in range(IDEMPOTENCY_ROUNDS):
        key = f"multi-{round_no}-{uuid.uuid4()}"
        calls = [lambda i=i: gateways.post(i, "/v1/payment_intents", payment, idempotency_key=key,
                                           auth="bearer" if i % 2 else "basic")
                 for i in range(GATEWAYS * REQUESTS_PER_GATEWAY)]
        results = fire_together(calls)
        outcomes.update(f"{s}{' replayed' if h.get('Idempotent-Replayed') else ''}" for s, h, _ in results)
        context = f"round {round_no}, key {key}:\n{describe(results)}"

        assert {s for s, _, _ in results} <= {200, 409}, context
        for status, _, body in results:
            if status == 409:
                assert error_of(body).get("type") == "idempotency_error", context
        executed = [(h, b) for s, h, b in results if s == 200 and h.get("Idempotent-Replayed") is None]
        replays = [(h, b) for s, h, b in results if s == 200 and h.get("Idempotent-Replayed") is not None]
        assert len(executed) == 1, f"{len(executed)} requests executed (200 without Idempotent-Replayed), not 1; {context}"
        original = executed[0][1]
        assert (original["object"], original["status"], original["amount"]) == ("payment_intent", "succeeded", 1000), context
        for headers, body in replays:
            assert headers.get("Idempotent-Replayed") == "true", context
            assert body == original, f"a replay differs from the original response; {context}"
        assert len({b["id"] for s, _, b in results if s == 200}) == 1, context

        # Once the first request has answered, every gateway replays it.
        for i in range(GATEWAYS):
            status, headers, body = gateways.post(i, "/v1/payment_intents", payment, idempotency_key=key)
            assert (status, headers.get("Idempotent-Replayed")) == (200, "true"), f"retry on gateway {i + 1}: {status} {body}"
            assert body == original, f"retry on gateway {i + 1} differs from the original response"
        intents.append(original["id"])

    print(f"\nresponses over {IDEMPOTENCY_ROUNDS} rounds of {GATEWAYS * REQUESTS_PER_GATEWAY}: {dict(outcomes)}")
    assert len(set(intents)) == IDEMPOTENCY_ROUNDS
    for table, before in counts_before.items():
        after = gateways.count(f"SELECT count(*) FROM {table}")
        assert after - before == IDEMPOTENCY_ROUNDS, f"{table}: {after - before} new rows for {IDEMPOTENCY_ROUNDS} rounds"
    listed = all_payment_intent_ids(gateways, via=GATEWAYS - 1)
    assert len(listed) == len(set(listed)) == counts_before["payment_intents"] + IDEMPOTENCY_ROUNDS
    assert set(intents) <= set(listed)
    in_list = ",".join(f"'{i}'" for i in intents)
    assert gateways.count(f"SELECT count(*) FROM charges WHERE payment_intent IN ({in_list})") == IDEMPOTENCY_ROUNDS


# --------------------------------------------------------------------------- guarded state changes across processes


def test_capture_race_across_processes(gateways):
    """An authorization captured from all three gateways at once (each gateway twice: once with its own idempotency
    key, once without): exactly one capture succeeds, the others are refused; one charge, captured once, with one
    balance transaction."""
    for round_no in range(CAPTURE_ROUNDS):
        status, _, intent = gateways.post(0, "/v1/payment_intents", {
            "amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true", "capture_method": "manual"})
        assert (status, intent["status"]) == (200, "requires_capture"), intent
        path = f"/v1/payment_intents/{intent['id']}/capture"
        calls = []
        for i in range(GATEWAYS):
            calls.append(lambda i=i: gateways.post(i, path, idempotency_key=f"capture-{uuid.uuid4()}"))
            calls.append(lambda i=i: gateways.post(i, path))
        results = fire_together(calls)
        context = f"round {round_no}, {intent['id']}:\n{describe(results)}"

        succeeded = [b for s, _, b in results if s == 200]
        assert len(succeeded) == 1, f"{len(succeeded)} captures succeeded, not 1; {context}"
        assert (succeeded[0]["status"], succeeded[0]["amount_received"]) == ("succeeded", 1000), context
        for status, _, body in results:
            if status != 200:
                assert status in (400, 409), context
                if status == 400:
                    assert error_of(body).get("code") == "payment_intent_unexpected_state", context

        status, _, final = gateways.get(2, f"/v1/payment_intents/{intent['id']}")
        assert (final["status"], final["amount_received"], final["amount_capturable"]) == ("succeeded", 1000, 0), final
        status, _, charges = gateways.get(1, "/v1/charges", {"payment_intent": intent["id"]})
        assert [c["id"] for c in charges["data"]] == [intent["latest_charge"]], context
        charge = charges["data"][0]
        assert (charge["captured"], charge["amount_captured"]) == (True, 1000), context
        status, _, txns = gateways.get(0, "/v1/balance_transactions", {"source": charge["id"]})
        assert [t["amount"] for t in txns["data"]] == [1000], f"balance transactions of {charge['id']}: {txns['data']}"
        assert gateways.count(f"SELECT count(*) FROM balance_transactions WHERE source = '{charge['id']}'") == 1


def test_concurrent_refunds_across_processes(gateways):
    """A charge of 1000 refunded 300 at a time by 8 concurrent requests spread over the three gateways: exactly three
    succeed (900), the rest are refused; the charge, its refunds and their balance transactions agree."""
    for round_no in range(REFUND_ROUNDS):
        status, _, intent = gateways.post(1, "/v1/payment_intents", {
            "amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"})
        assert (status, intent["status"]) == (200, "succeeded"), intent
        charge_id = intent["latest_charge"]
        calls = [lambda i=i: gateways.post(i, "/v1/refunds", {"charge": charge_id, "amount": 300},
                                           idempotency_key=None if i % 2 else f"refund-{uuid.uuid4()}")
                 for i in range(8)]
        results = fire_together(calls)
        context = f"round {round_no}, {charge_id}:\n{describe(results)}"

        refunds = [b for s, _, b in results if s == 200]
        assert len(refunds) == 3, f"{len(refunds)} refunds of 300 succeeded on a charge of 1000, not 3; {context}"
        assert {(r["amount"], r["status"], r["charge"]) for r in refunds} == {(300, "succeeded", charge_id)}, context
        for status, _, body in results:
            if status != 200:
                assert status == 400, context
                assert error_of(body).get("code") in ("amount_too_large", "charge_already_refunded"), context

        status, _, charge = gateways.get(2, f"/v1/charges/{charge_id}")
        assert (charge["amount_refunded"], charge["refunded"]) == (900, False), charge
        status, _, listed = gateways.get(0, "/v1/refunds", {"charge": charge_id, "limit": 100})
        assert sorted(r["id"] for r in listed["data"]) == sorted(r["id"] for r in refunds), context
        assert gateways.count(f"SELECT coalesce(sum(amount), 0) FROM refunds WHERE charge = '{charge_id}'") == 900
        refund_ids = ",".join(f"'{r['id']}'" for r in refunds)
        assert gateways.count(f"SELECT count(*) FROM balance_transactions WHERE type = 'refund' AND source IN ({refund_ids})") == 3


def test_a_card_stored_by_one_process_is_charged_by_the_others(gateways):
    """The shared card-data key at work: a card sent to gateway 1 is sealed there and opened by gateways 2 and 3."""
    status, _, customer = gateways.post(0, "/v1/customers", {"email": "multi@example.com"})
    assert status == 200, customer
    status, _, pm = gateways.post(0, "/v1/payment_methods", {
        "type": "card", "card[number]": "5555555555554444", "card[exp_month]": 12, "card[exp_year]": EXP_YEAR, "card[cvc]": "123"})
    assert status == 200, pm
    status, _, attached = gateways.post(1, f"/v1/payment_methods/{pm['id']}/attach", {"customer": customer["id"]})
    assert (status, attached["customer"]) == (200, customer["id"]), attached
    for i in range(1, GATEWAYS):
        status, _, intent = gateways.post(i, "/v1/payment_intents", {
            "amount": 700 + i, "currency": "usd", "customer": customer["id"], "payment_method": pm["id"], "confirm": "true"})
        assert (status, intent.get("status")) == (200, "succeeded"), f"gateway {i + 1}: {status} {intent}"
        status, _, charge = gateways.get(i, f"/v1/charges/{intent['latest_charge']}")
        assert charge["payment_method_details"]["card"]["last4"] == "4444"
        assert charge["payment_method_details"]["card"]["fingerprint"] == pm["card"]["fingerprint"]
