#!/usr/bin/env python3
"""Fills a vtpe gateway SQLite database with N succeeded card payments (payment method, intent, charge and balance
transaction each), spread over the last days, so benchmarks can measure the gateway with a full store.

usage: bench/seed_intents.py DATABASE [--count 1000000]
The database must have been created (migrated) by `vtpe gateway` first; stop the gateway while seeding.
"""
import argparse, sqlite3, time

ap = argparse.ArgumentParser()
ap.add_argument("database")
ap.add_argument("--count", type=int, default=1_000_000)
args = ap.parse_args()

db = sqlite3.connect(args.database)
db.execute("PRAGMA journal_mode=WAL")
now = int(time.time())
n = args.count
start = time.time()
seq = f"WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) "
with db:
    db.execute(seq + """
        INSERT INTO payment_methods (id, type, brand, last4, exp_month, exp_year, funding, read_method, customer, created,
                                     metadata, fingerprint, encrypted_pan)
        SELECT printf('pm_seed%017d', x), 'card', 'visa', '4242', 12, 2031, 'credit', NULL, NULL, ? - (? - x) / 4, '{}',
               'seedfingerprint0', NULL FROM s""", (now, n))
    db.execute(seq + """
        INSERT INTO payment_intents (id, amount, currency, status, capture_method, confirmation_method, client_secret,
                                     created, description, customer, payment_method, payment_method_types, metadata,
                                     latest_charge, last_payment_error, amount_capturable, amount_received, canceled_at,
                                     cancellation_reason, statement_descriptor, receipt_email, return_url,
                                     setup_future_usage, next_action)
        SELECT printf('pi_seed%017d', x), 1000 + x % 5000, 'usd', 'succeeded', 'automatic', 'automatic',
               printf('pi_seed%017d_secret_seed', x), ? - (? - x) / 4, NULL, NULL, printf('pm_seed%017d', x), 'card', '{}',
               printf('ch_seed%017d', x), NULL, 0, 1000 + x % 5000, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM s""", (now, n))
    db.execute(seq + """
        INSERT INTO charges (id, payment_intent, amount, amount_captured, amount_refunded, currency, status, paid, captured,
                             failure_code, failure_message, outcome, payment_method, payment_method_details,
                             authorization_code, created, description, metadata, customer, balance_transaction, fingerprint)
        SELECT printf('ch_seed%017d', x), printf('pi_seed%017d', x), 1000 + x % 5000, 1000 + x % 5000, 0, 'usd',
               'succeeded', 1, 1, NULL, NULL, '{"type":"authorized"}', printf('pm_seed%017d', x),
               '{"card":{"brand":"visa","last4":"4242"},"type":"card"}', '123456', ? - (? - x) / 4, NULL, '{}', NULL,
               printf('txn_seed%016d', x), 'seedfingerprint0' FROM s""", (now, n))
    db.execute(seq + """
        INSERT INTO balance_transactions (id, type, source, amount, fee, net, currency, created, available_on, description,
                                          reporting_category)
        SELECT printf('txn_seed%016d', x), 'charge', printf('ch_seed%017d', x), 1000 + x % 5000, 59,
               1000 + x % 5000 - 59, 'usd', ? - (? - x) / 4, ? - (? - x) / 4 + 172800, NULL, 'charge' FROM s""",
               (now, n, now, n))
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
print(f"seeded {n} payments in {time.time() - start:.1f} s")
