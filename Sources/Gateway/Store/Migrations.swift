/// Versioned schema migrations, applied in order and recorded by name. Never edit one that has shipped:
/// add a new one.
enum Migrations {
    static let all: [(name: String, statements: [String])] = [
        ("2026-11-26-001-payments", [
            """
            CREATE TABLE payment_methods (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                brand TEXT NOT NULL,
                last4 TEXT NOT NULL CHECK (length(last4) = 4),
                exp_month BIGINT NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
                exp_year BIGINT NOT NULL,
                funding TEXT NOT NULL,
                read_method TEXT,
                customer TEXT,
                created BIGINT NOT NULL,
                metadata TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE payment_intents (
                id TEXT PRIMARY KEY,
                amount BIGINT NOT NULL CHECK (amount > 0),
                currency TEXT NOT NULL,
                status TEXT NOT NULL,
                capture_method TEXT NOT NULL,
                confirmation_method TEXT NOT NULL,
                client_secret TEXT NOT NULL,
                created BIGINT NOT NULL,
                description TEXT,
                customer TEXT,
                payment_method TEXT REFERENCES payment_methods(id),
                payment_method_types TEXT NOT NULL,
                metadata TEXT NOT NULL,
                latest_charge TEXT,
                last_payment_error TEXT,
                amount_capturable BIGINT NOT NULL,
                amount_received BIGINT NOT NULL,
                canceled_at BIGINT,
                cancellation_reason TEXT,
                statement_descriptor TEXT,
                receipt_email TEXT
            )
            """,
            "CREATE INDEX payment_intents_created ON payment_intents (created, id)",
            """
            CREATE TABLE charges (
                id TEXT PRIMARY KEY,
                payment_intent TEXT REFERENCES payment_intents(id),
                amount BIGINT NOT NULL CHECK (amount > 0),
                amount_captured BIGINT NOT NULL,
                amount_refunded BIGINT NOT NULL CHECK (amount_refunded <= amount),
                currency TEXT NOT NULL,
                status TEXT NOT NULL,
                paid BOOLEAN NOT NULL,
                captured BOOLEAN NOT NULL,
                failure_code TEXT,
                failure_message TEXT,
                outcome TEXT NOT NULL,
                payment_method TEXT REFERENCES payment_methods(id),
                payment_method_details TEXT NOT NULL,
                authorization_code TEXT,
                created BIGINT NOT NULL,
                description TEXT,
                metadata TEXT NOT NULL
            )
            """,
            "CREATE INDEX charges_payment_intent ON charges (payment_intent)",
        ]),
        ("2026-11-26-002-idempotency-keys", [
            """
            CREATE TABLE idempotency_keys (
                key TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                claim_token TEXT NOT NULL,
                status_code BIGINT,
                response_body TEXT,
                created BIGINT NOT NULL
            )
            """,
            "CREATE INDEX idempotency_keys_created ON idempotency_keys (created)",
        ]),
        ("2026-11-26-003-customers", [
            """
            CREATE TABLE customers (
                id TEXT PRIMARY KEY,
                email TEXT,
                name TEXT,
                description TEXT,
                phone TEXT,
                metadata TEXT NOT NULL,
                default_payment_method TEXT,
                invoice_prefix TEXT NOT NULL,
                created BIGINT NOT NULL,
                deleted BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX customers_created ON customers (created, id)",
            "CREATE INDEX customers_email ON customers (email)",
        ]),
        ("2026-11-26-004-payment-method-vault", [
            "ALTER TABLE payment_methods ADD COLUMN fingerprint TEXT",
            "ALTER TABLE payment_methods ADD COLUMN encrypted_pan TEXT",
            "CREATE INDEX payment_methods_customer ON payment_methods (customer, created)",
        ]),
        ("2026-11-26-005-refunds-and-balance", [
            "ALTER TABLE charges ADD COLUMN customer TEXT",
            "ALTER TABLE charges ADD COLUMN balance_transaction TEXT",
            "ALTER TABLE charges ADD COLUMN fingerprint TEXT",
            "CREATE INDEX charges_created ON charges (created, id)",
            "CREATE INDEX charges_customer ON charges (customer, created)",
            "CREATE INDEX payment_intents_customer ON payment_intents (customer, created)",
            "ALTER TABLE payment_intents ADD COLUMN return_url TEXT",
            "ALTER TABLE payment_intents ADD COLUMN setup_future_usage TEXT",
            "ALTER TABLE payment_intents ADD COLUMN next_action TEXT",
            """
            CREATE TABLE refunds (
                id TEXT PRIMARY KEY,
                amount BIGINT NOT NULL CHECK (amount > 0),
                charge TEXT NOT NULL REFERENCES charges(id),
                payment_intent TEXT REFERENCES payment_intents(id),
                currency TEXT NOT NULL,
                status TEXT NOT NULL,
                reason TEXT,
                balance_transaction TEXT,
                created BIGINT NOT NULL,
                metadata TEXT NOT NULL
            )
            """,
            "CREATE INDEX refunds_created ON refunds (created, id)",
            "CREATE INDEX refunds_charge ON refunds (charge, created)",
            "CREATE INDEX refunds_payment_intent ON refunds (payment_intent, created)",
            """
            CREATE TABLE balance_transactions (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                source TEXT NOT NULL,
                amount BIGINT NOT NULL,
                fee BIGINT NOT NULL CHECK (fee >= 0),
                net BIGINT NOT NULL CHECK (net = amount - fee),
                currency TEXT NOT NULL,
                created BIGINT NOT NULL,
                available_on BIGINT NOT NULL,
                description TEXT,
                reporting_category TEXT NOT NULL
            )
            """,
            "CREATE INDEX balance_transactions_created ON balance_transactions (created, id)",
            "CREATE INDEX balance_transactions_type ON balance_transactions (type, created)",
            "CREATE INDEX balance_transactions_source ON balance_transactions (source)",
            """
            CREATE TABLE issuer_holds (
                fingerprint TEXT PRIMARY KEY,
                held BIGINT NOT NULL
            )
            """,
        ]),
        ("2026-11-26-006-partial-customer-indexes", [
            // Most payments have no customer: index only those that do (fewer pages written per payment).
            "DROP INDEX charges_customer",
            "DROP INDEX payment_intents_customer",
            "DROP INDEX payment_methods_customer",
            "CREATE INDEX charges_customer ON charges (customer, created) WHERE customer IS NOT NULL",
            "CREATE INDEX payment_intents_customer ON payment_intents (customer, created) WHERE customer IS NOT NULL",
            "CREATE INDEX payment_methods_customer ON payment_methods (customer, created) WHERE customer IS NOT NULL",
        ]),
        ("2026-11-26-007-terminal-objects", [
            """
            CREATE TABLE terminal_locations (
                id TEXT PRIMARY KEY,
                display_name TEXT NOT NULL,
                address TEXT NOT NULL,
                metadata TEXT NOT NULL,
                created BIGINT NOT NULL,
                deleted BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX terminal_locations_created ON terminal_locations (created, id)",
            """
            CREATE TABLE terminal_readers (
                id TEXT PRIMARY KEY,
                label TEXT NOT NULL,
                location TEXT NOT NULL REFERENCES terminal_locations(id),
                device_type TEXT NOT NULL,
                serial_number TEXT NOT NULL,
                device_sw_version TEXT,
                ip_address TEXT,
                last_seen_at BIGINT,
                action TEXT,
                metadata TEXT NOT NULL,
                created BIGINT NOT NULL,
                deleted BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX terminal_readers_created ON terminal_readers (created, id)",
            "CREATE INDEX terminal_readers_location ON terminal_readers (location, created)",
        ]),
        ("2026-11-26-008-reader-actions", [
            "ALTER TABLE terminal_readers ADD COLUMN action_version BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE terminal_readers ADD COLUMN presented_card TEXT",
        ]),
        ("2026-11-27-009-card-present-keys", [
            // One BDK per location and DUKPT scheme, sealed under the vault key; `id` is the BDK ID of the KSNs.
            """
            CREATE TABLE terminal_keys (
                id TEXT PRIMARY KEY,
                location TEXT NOT NULL REFERENCES terminal_locations(id),
                scheme TEXT NOT NULL,
                sealed_bdk TEXT NOT NULL,
                created BIGINT NOT NULL,
                UNIQUE (location, scheme)
            )
            """,
            // Every card cryptogram the issuer has seen (card fingerprint, PSN, ATC, cryptogram): a second use is a replay.
            """
            CREATE TABLE issuer_cryptograms (
                id TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                atc BIGINT NOT NULL,
                created BIGINT NOT NULL
            )
            """,
        ]),
        ("2026-11-27-010-tips", [
            "ALTER TABLE payment_intents ADD COLUMN amount_tip BIGINT",
        ]),
        ("2026-11-28-011-incremental-authorization", [
            "ALTER TABLE payment_intents ADD COLUMN request_incremental_authorization_support BOOLEAN NOT NULL DEFAULT FALSE",
            "ALTER TABLE payment_intents ADD COLUMN increment_attempts BIGINT NOT NULL DEFAULT 0",
        ]),
        ("2026-11-28-012-card-present-and-unreferenced-refunds", [
            // An unreferenced refund has no charge: `charge` loses NOT NULL. SQLite cannot drop a column constraint,
            // so the table is rebuilt (the same statements on both engines).
            """
            CREATE TABLE refunds_012 (
                id TEXT PRIMARY KEY,
                amount BIGINT NOT NULL CHECK (amount > 0),
                charge TEXT REFERENCES charges(id),
                payment_intent TEXT REFERENCES payment_intents(id),
                currency TEXT NOT NULL,
                status TEXT NOT NULL,
                reason TEXT,
                balance_transaction TEXT,
                created BIGINT NOT NULL,
                metadata TEXT NOT NULL,
                description TEXT,
                vtpe_card_present TEXT,
                vtpe_terminal_id TEXT,
                vtpe_batch BIGINT,
                CHECK (charge IS NOT NULL OR vtpe_card_present IS NOT NULL)
            )
            """,
            """
            INSERT INTO refunds_012 (id, amount, charge, payment_intent, currency, status, reason, balance_transaction, created, metadata)
            SELECT id, amount, charge, payment_intent, currency, status, reason, balance_transaction, created, metadata FROM refunds
            """,
            "DROP TABLE refunds",
            "ALTER TABLE refunds_012 RENAME TO refunds",
            "CREATE INDEX refunds_created ON refunds (created, id)",
            "CREATE INDEX refunds_charge ON refunds (charge, created)",
            "CREATE INDEX refunds_payment_intent ON refunds (payment_intent, created)",
            "CREATE INDEX refunds_terminal_batch ON refunds (vtpe_terminal_id, vtpe_batch) WHERE vtpe_terminal_id IS NOT NULL",
        ]),
        ("2026-11-28-013-terminal-batches", [
            "ALTER TABLE payment_intents ADD COLUMN vtpe_terminal_id TEXT",
            "ALTER TABLE payment_intents ADD COLUMN vtpe_batch BIGINT",
            // Only terminal payments carry a batch: index those alone.
            "CREATE INDEX payment_intents_terminal_batch ON payment_intents (vtpe_terminal_id, vtpe_batch) WHERE vtpe_terminal_id IS NOT NULL",
            // A closed batch: the document answered at closing (totals, reconciliation), kept as it was.
            """
            CREATE TABLE terminal_batches (
                id TEXT PRIMARY KEY,
                terminal_id TEXT NOT NULL,
                number BIGINT NOT NULL CHECK (number >= 1),
                closed_at BIGINT NOT NULL,
                document TEXT NOT NULL,
                UNIQUE (terminal_id, number)
            )
            """,
        ]),
        // The object a request's writes made, committed with them: a gateway killed before storing the response
        // still knows what the request did (`InterruptedRequests`).
        ("2026-12-01-014-idempotency-effects", [
            "ALTER TABLE idempotency_keys ADD COLUMN effect_table TEXT",
            "ALTER TABLE idempotency_keys ADD COLUMN effect_id TEXT",
        ]),
        // The event outbox (issue 14): each state change's event, written in the change's transaction.
        ("2026-12-03-015-events", [
            """
            CREATE TABLE events (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                created BIGINT NOT NULL,
                object_id TEXT NOT NULL,
                data TEXT NOT NULL,
                request_id TEXT,
                idempotency_key TEXT
            )
            """,
            "CREATE INDEX events_created ON events (created, id)",
            "CREATE INDEX events_type ON events (type, created, id)",
            "CREATE INDEX events_object ON events (object_id, created, id)",
        ]),
        // Webhook endpoints and their deliveries (issue 14). The deliverer fans each undispatched event out to the
        // endpoints that take it, in one transaction with marking it dispatched; `leases` names the one process
        // that delivers when several share a database.
        ("2026-12-03-016-webhooks", [
            """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                enabled_events TEXT NOT NULL,
                description TEXT,
                metadata TEXT NOT NULL,
                api_version TEXT,
                status TEXT NOT NULL,
                sealed_secret TEXT NOT NULL,
                created BIGINT NOT NULL,
                deleted BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX webhook_endpoints_created ON webhook_endpoints (created, id)",
            "ALTER TABLE events ADD COLUMN dispatched SMALLINT NOT NULL DEFAULT 0",
            // No endpoint existed before: the events so far go nowhere.
            "UPDATE events SET dispatched = 1",
            "CREATE INDEX events_undispatched ON events (id) WHERE dispatched = 0",
            """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY,
                endpoint_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                object_id TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                last_response_status BIGINT,
                last_error TEXT,
                created BIGINT NOT NULL,
                UNIQUE (endpoint_id, event_id)
            )
            """,
            "CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, event_id) WHERE status = 'pending'",
            "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created, id)",
            """
            CREATE TABLE webhook_attempts (
                id TEXT PRIMARY KEY,
                delivery_id TEXT NOT NULL,
                endpoint_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                event_type TEXT NOT NULL,
                attempt BIGINT NOT NULL,
                created BIGINT NOT NULL,
                duration_ms BIGINT NOT NULL,
                response_status BIGINT,
                error TEXT,
                succeeded BOOLEAN NOT NULL,
                next_attempt_at BIGINT
            )
            """,
            "CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, created, id)",
            "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)",
        ]),
        // SetupIntents (issue 14): cards saved for later payments.
        ("2026-12-03-017-setup-intents", [
            """
            CREATE TABLE setup_intents (
                id TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                client_secret TEXT NOT NULL,
                customer TEXT,
                payment_method TEXT,
                payment_method_types TEXT NOT NULL,
                usage TEXT NOT NULL,
                description TEXT,
                metadata TEXT NOT NULL,
                cancellation_reason TEXT,
                last_setup_error TEXT,
                next_action TEXT,
                return_url TEXT,
                created BIGINT NOT NULL
            )
            """,
            "CREATE INDEX setup_intents_created ON setup_intents (created, id)",
            "CREATE INDEX setup_intents_customer ON setup_intents (customer, created)",
            "CREATE INDEX setup_intents_payment_method ON setup_intents (payment_method, status)",
        ]),
        // Payouts (issue 14): the daily settlement of the available balance.
        ("2026-12-03-018-payouts", [
            """
            CREATE TABLE payouts (
                id TEXT PRIMARY KEY,
                amount BIGINT NOT NULL CHECK (amount > 0),
                currency TEXT NOT NULL,
                status TEXT NOT NULL,
                arrival_date BIGINT NOT NULL,
                created BIGINT NOT NULL,
                balance_transaction TEXT NOT NULL,
                description TEXT NOT NULL,
                metadata TEXT NOT NULL
            )
            """,
            "CREATE INDEX payouts_created ON payouts (created, id)",
            "ALTER TABLE balance_transactions ADD COLUMN payout TEXT",
            "CREATE INDEX balance_transactions_unsettled ON balance_transactions (currency, available_on) WHERE payout IS NULL",
            "CREATE INDEX balance_transactions_payout ON balance_transactions (payout, created) WHERE payout IS NOT NULL",
        ]),
        // sepa_debit payment methods (issue 14): the bank and the account holder.
        ("2026-12-03-019-sepa-debit-methods", [
            "ALTER TABLE payment_methods ADD COLUMN country TEXT",
            "ALTER TABLE payment_methods ADD COLUMN bank_code TEXT",
            "ALTER TABLE payment_methods ADD COLUMN branch_code TEXT",
            "ALTER TABLE payment_methods ADD COLUMN billing_name TEXT",
            "ALTER TABLE payment_methods ADD COLUMN billing_email TEXT",
        ]),
        // SEPA Direct Debit payments (issue 14): mandates, debits waiting for the bank's answer, the bank clock the
        // tests move, and disputes.
        ("2026-12-04-020-sepa-debit-payments", [
            """
            CREATE TABLE mandates (
                id TEXT PRIMARY KEY,
                payment_method TEXT NOT NULL,
                customer TEXT,
                status TEXT NOT NULL,
                acceptance_type TEXT NOT NULL,
                accepted_at BIGINT NOT NULL,
                ip_address TEXT,
                user_agent TEXT,
                reference TEXT NOT NULL,
                created BIGINT NOT NULL
            )
            """,
            "CREATE INDEX mandates_payment_method ON mandates (payment_method, status)",
            """
            CREATE TABLE bank_debits (
                id TEXT PRIMARY KEY,
                payment_intent TEXT NOT NULL,
                status TEXT NOT NULL,
                answers_at BIGINT NOT NULL,
                failure_code TEXT,
                disputed BOOLEAN NOT NULL,
                created BIGINT NOT NULL
            )
            """,
            "CREATE INDEX bank_debits_due ON bank_debits (answers_at) WHERE status = 'pending'",
            "CREATE TABLE bank_clock (id TEXT PRIMARY KEY, offset_seconds BIGINT NOT NULL)",
            """
            CREATE TABLE disputes (
                id TEXT PRIMARY KEY,
                amount BIGINT NOT NULL CHECK (amount > 0),
                currency TEXT NOT NULL,
                charge TEXT NOT NULL,
                payment_intent TEXT,
                reason TEXT NOT NULL,
                status TEXT NOT NULL,
                balance_transaction TEXT NOT NULL,
                created BIGINT NOT NULL,
                metadata TEXT NOT NULL
            )
            """,
            "CREATE INDEX disputes_created ON disputes (created, id)",
            "ALTER TABLE charges ADD COLUMN disputed BOOLEAN NOT NULL DEFAULT FALSE",
        ]),
        // SEPA credit transfers (issue 14): intents waiting for a transfer, customers' cash balances and their movements.
        ("2026-12-04-021-bank-transfers", [
            """
            CREATE TABLE bank_transfers (
                id TEXT PRIMARY KEY,
                customer TEXT NOT NULL,
                currency TEXT NOT NULL,
                country TEXT NOT NULL,
                reference TEXT NOT NULL,
                amount_remaining BIGINT NOT NULL CHECK (amount_remaining >= 0),
                status TEXT NOT NULL,
                created BIGINT NOT NULL
            )
            """,
            "CREATE INDEX bank_transfers_open ON bank_transfers (customer, currency, status, created)",
            """
            CREATE TABLE cash_balances (
                id TEXT PRIMARY KEY,
                customer TEXT NOT NULL,
                currency TEXT NOT NULL,
                available BIGINT NOT NULL CHECK (available >= 0),
                created BIGINT NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX cash_balances_customer ON cash_balances (customer)",
            """
            CREATE TABLE cash_balance_transactions (
                id TEXT PRIMARY KEY,
                customer TEXT NOT NULL,
                currency TEXT NOT NULL,
                type TEXT NOT NULL,
                net_amount BIGINT NOT NULL,
                ending_balance BIGINT NOT NULL,
                payment_intent TEXT,
                reference TEXT,
                created BIGINT NOT NULL
            )
            """,
            "CREATE INDEX cash_balance_transactions_customer ON cash_balance_transactions (customer, created, id)",
        ]),
        // Billing (issue 14): products, prices, test clocks, subscriptions and their invoices.
        ("2026-12-06-022-billing", [
            """
            CREATE TABLE products (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                active BOOLEAN NOT NULL,
                description TEXT,
                metadata TEXT NOT NULL,
                created BIGINT NOT NULL,
                updated BIGINT NOT NULL
            )
            """,
            "CREATE INDEX products_created ON products (created, id)",
            """
            CREATE TABLE prices (
                id TEXT PRIMARY KEY,
                product TEXT NOT NULL,
                active BOOLEAN NOT NULL,
                currency TEXT NOT NULL,
                unit_amount BIGINT NOT NULL CHECK (unit_amount >= 0),
                recurring_interval TEXT,
                recurring_interval_count BIGINT,
                nickname TEXT,
                metadata TEXT NOT NULL,
                created BIGINT NOT NULL
            )
            """,
            "CREATE INDEX prices_product ON prices (product, created, id)",
            """
            CREATE TABLE test_clocks (
                id TEXT PRIMARY KEY,
                name TEXT,
                frozen_time BIGINT NOT NULL,
                status TEXT NOT NULL,
                created BIGINT NOT NULL,
                deletes_after BIGINT NOT NULL,
                deleted BOOLEAN NOT NULL
            )
            """,
            """
            CREATE TABLE subscriptions (
                id TEXT PRIMARY KEY,
                customer TEXT NOT NULL,
                status TEXT NOT NULL,
                item_id TEXT NOT NULL,
                price TEXT NOT NULL,
                price_object TEXT NOT NULL,
                quantity BIGINT NOT NULL CHECK (quantity > 0),
                currency TEXT NOT NULL,
                created BIGINT NOT NULL,
                start_date BIGINT NOT NULL,
                billing_cycle_anchor BIGINT NOT NULL,
                current_period_start BIGINT NOT NULL,
                current_period_end BIGINT NOT NULL,
                cancel_at_period_end BOOLEAN NOT NULL,
                canceled_at BIGINT,
                cancellation_reason TEXT,
                ended_at BIGINT,
                trial_start BIGINT,
                trial_end BIGINT,
                default_payment_method TEXT,
                latest_invoice TEXT,
                test_clock TEXT,
                next_action_at BIGINT,
                description TEXT,
                metadata TEXT NOT NULL
            )
            """,
            "CREATE INDEX subscriptions_customer ON subscriptions (customer, created, id)",
            "CREATE INDEX subscriptions_due ON subscriptions (next_action_at) WHERE next_action_at IS NOT NULL",
            """
            CREATE TABLE invoices (
                id TEXT PRIMARY KEY,
                number TEXT NOT NULL,
                customer TEXT NOT NULL,
                subscription TEXT,
                status TEXT NOT NULL,
                billing_reason TEXT NOT NULL,
                currency TEXT NOT NULL,
                amount_due BIGINT NOT NULL CHECK (amount_due >= 0),
                amount_paid BIGINT NOT NULL,
                period_start BIGINT NOT NULL,
                period_end BIGINT NOT NULL,
                line_id TEXT NOT NULL,
                line_price TEXT NOT NULL,
                line_price_object TEXT NOT NULL,
                line_quantity BIGINT NOT NULL,
                line_description TEXT NOT NULL,
                payment_intent TEXT,
                attempt_count BIGINT NOT NULL,
                attempted BOOLEAN NOT NULL,
                next_payment_attempt BIGINT,
                awaiting_payment BOOLEAN NOT NULL,
                created BIGINT NOT NULL,
                finalized_at BIGINT,
                paid_at BIGINT,
                voided_at BIGINT,
                test_clock TEXT,
                metadata TEXT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX invoices_number ON invoices (number)",
            "CREATE INDEX invoices_customer ON invoices (customer, created, id)",
            "CREATE INDEX invoices_subscription ON invoices (subscription, created, id)",
            "CREATE INDEX invoices_retry ON invoices (next_payment_attempt) WHERE next_payment_attempt IS NOT NULL",
            "CREATE INDEX invoices_awaiting ON invoices (created) WHERE awaiting_payment",
            "ALTER TABLE customers ADD COLUMN test_clock TEXT",
            "ALTER TABLE customers ADD COLUMN next_invoice_sequence BIGINT NOT NULL DEFAULT 1",
            "CREATE INDEX customers_test_clock ON customers (test_clock) WHERE test_clock IS NOT NULL",
        ]),
        // Phone wallets (issue 14): a device number's wallet and its own last four digits.
        ("2026-12-06-023-card-wallets", [
            "ALTER TABLE payment_methods ADD COLUMN wallet_type TEXT",
            "ALTER TABLE payment_methods ADD COLUMN dynamic_last4 TEXT",
        ]),
        // SEPA Direct Debit SetupIntents (issue 14): the mandate a bank account was set up under.
        ("2026-12-06-024-setup-intent-mandates", [
            "ALTER TABLE setup_intents ADD COLUMN mandate TEXT",
        ]),
        // Card disputes (issue 14): evidence, its submissions and deadline, the funds given back.
        ("2026-12-06-025-card-disputes", [
            "ALTER TABLE disputes ADD COLUMN method_type TEXT NOT NULL DEFAULT 'sepa_debit'",
            "ALTER TABLE disputes ADD COLUMN brand TEXT",
            "ALTER TABLE disputes ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE disputes ADD COLUMN submission_count BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE disputes ADD COLUMN due_by BIGINT",
            "ALTER TABLE disputes ADD COLUMN reinstatement_transaction TEXT",
        ]),
        // Subscriptions' optimistic concurrency: every write bumps the revision it was guarded by.
        ("2026-12-06-026-subscription-revisions", [
            "ALTER TABLE subscriptions ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX invoices_open ON invoices (created, id) WHERE status = 'open'",
        ]),
        // The fleet (issue 15): what each running terminal reported at its last heartbeat.
        ("2026-12-06-027-reader-status", [
            "ALTER TABLE terminal_readers ADD COLUMN vtpe_status TEXT",
        ]),
    ]
}
