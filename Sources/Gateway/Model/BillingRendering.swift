import Foundation

extension Render {
    /// Stripe's `product`.
    static func product(_ p: ProductRecord) -> JSONValue {
        .object([
            ("id", .string(p.id)),
            ("object", "product"),
            ("active", .bool(p.active)),
            ("attributes", .array([])),
            ("created", .int(p.created)),
            ("default_price", .null),
            ("description", .string(p.description)),
            ("images", .array([])),
            ("livemode", false),
            ("marketing_features", .array([])),
            ("metadata", metadata(p.metadata)),
            ("name", .string(p.name)),
            ("package_dimensions", .null),
            ("shippable", .null),
            ("statement_descriptor", .null),
            ("tax_code", .null),
            ("type", "service"),
            ("unit_label", .null),
            ("updated", .int(p.updated)),
            ("url", .null),
        ])
    }

    /// Stripe's `price` (per unit, licensed).
    static func price(_ p: PriceRecord) -> JSONValue {
        let recurring: JSONValue = p.recurringInterval.map { interval in
            .object([
                ("aggregate_usage", .null), ("interval", .string(interval.rawValue)), ("interval_count", .int(p.recurringIntervalCount ?? 1)),
                ("meter", .null), ("trial_period_days", .null), ("usage_type", "licensed"),
            ])
        } ?? .null
        return .object([
            ("id", .string(p.id)),
            ("object", "price"),
            ("active", .bool(p.active)),
            ("billing_scheme", "per_unit"),
            ("created", .int(p.created)),
            ("currency", .string(p.currency)),
            ("custom_unit_amount", .null),
            ("livemode", false),
            ("lookup_key", .null),
            ("metadata", metadata(p.metadata)),
            ("nickname", .string(p.nickname)),
            ("product", .string(p.product)),
            ("recurring", recurring),
            ("tax_behavior", "unspecified"),
            ("tiers_mode", .null),
            ("transform_quantity", .null),
            ("type", p.isRecurring ? "recurring" : "one_time"),
            ("unit_amount", .int(p.unitAmount)),
            ("unit_amount_decimal", .string(String(p.unitAmount))),
        ])
    }

    /// Stripe's `test_helpers.test_clock`.
    static func testClock(_ c: TestClockRecord) -> JSONValue {
        .object([
            ("id", .string(c.id)),
            ("object", "test_helpers.test_clock"),
            ("created", .int(c.created)),
            ("deletes_after", .int(c.deletesAfter)),
            ("frozen_time", .int(c.frozenTime)),
            ("livemode", false),
            ("name", .string(c.name)),
            ("status", .string(c.status.rawValue)),
            ("status_details", .object([])),
        ])
    }

    static func deletedTestClock(_ id: String) -> JSONValue {
        .object([("id", .string(id)), ("object", "test_helpers.test_clock"), ("deleted", true)])
    }

    /// Stripe's `subscription` of one item; the period is on the subscription (older API versions) and on its item
    /// (newer ones), so clients of either read it.
    static func subscription(_ s: SubscriptionRecord) -> JSONValue {
        let item: JSONValue = .object([
            ("id", .string(s.itemId)),
            ("object", "subscription_item"),
            ("created", .int(s.created)),
            ("current_period_end", .int(s.currentPeriodEnd)),
            ("current_period_start", .int(s.currentPeriodStart)),
            ("metadata", .object([])),
            ("price", json(s.priceObject)),
            ("quantity", .int(s.quantity)),
            ("subscription", .string(s.id)),
        ])
        return .object([
            ("id", .string(s.id)),
            ("object", "subscription"),
            ("application", .null),
            ("automatic_tax", .object([("enabled", false), ("liability", .null)])),
            ("billing_cycle_anchor", .int(s.billingCycleAnchor)),
            ("cancel_at", s.cancelAtPeriodEnd ? .int(s.currentPeriodEnd) : .null),
            ("cancel_at_period_end", .bool(s.cancelAtPeriodEnd)),
            ("canceled_at", .int(s.canceledAt)),
            ("cancellation_details", .object([("comment", .null), ("feedback", .null), ("reason", .string(s.cancellationReason))])),
            ("collection_method", "charge_automatically"),
            ("created", .int(s.created)),
            ("currency", .string(s.currency)),
            ("current_period_end", .int(s.currentPeriodEnd)),
            ("current_period_start", .int(s.currentPeriodStart)),
            ("customer", .string(s.customer)),
            ("days_until_due", .null),
            ("default_payment_method", .string(s.defaultPaymentMethod)),
            ("description", .string(s.description)),
            ("discount", .null),
            ("ended_at", .int(s.endedAt)),
            ("items", .object([("object", "list"), ("data", .array([item])), ("has_more", false), ("total_count", 1),
                               ("url", .string("/v1/subscription_items?subscription=\(s.id)"))])),
            ("latest_invoice", .string(s.latestInvoice)),
            ("livemode", false),
            ("metadata", metadata(s.metadata)),
            ("pause_collection", .null),
            ("payment_settings", .object([("payment_method_options", .null), ("payment_method_types", .null),
                                          ("save_default_payment_method", "off")])),
            ("pending_setup_intent", .null),
            ("pending_update", .null),
            ("quantity", .int(s.quantity)),
            ("schedule", .null),
            ("start_date", .int(s.startDate)),
            ("status", .string(s.status.rawValue)),
            ("test_clock", .string(s.testClock)),
            ("trial_end", .int(s.trialEnd)),
            ("trial_start", .int(s.trialStart)),
        ])
    }

    /// Stripe's `invoice` of one subscription line.
    static func invoice(_ i: InvoiceRecord) -> JSONValue {
        let line: JSONValue = .object([
            ("id", .string(i.lineId)),
            ("object", "line_item"),
            ("amount", .int(i.amountDue)),
            ("currency", .string(i.currency)),
            ("description", .string(i.lineDescription)),
            ("discountable", true),
            ("invoice", .string(i.id)),
            ("livemode", false),
            ("metadata", .object([])),
            ("period", .object([("end", .int(i.periodEnd)), ("start", .int(i.periodStart))])),
            ("price", json(i.linePriceObject)),
            ("proration", false),
            ("quantity", .int(i.lineQuantity)),
            ("subscription", .string(i.subscription)),
            ("type", "subscription"),
        ])
        return .object([
            ("id", .string(i.id)),
            ("object", "invoice"),
            ("account_country", "FR"),
            ("account_name", "vtpe"),
            ("amount_due", .int(i.amountDue)),
            ("amount_paid", .int(i.amountPaid)),
            ("amount_remaining", .int(i.status == .void ? 0 : i.amountDue - i.amountPaid)),
            ("attempt_count", .int(i.attemptCount)),
            ("attempted", .bool(i.attempted)),
            ("auto_advance", .bool(i.status == .open)),
            ("automatic_tax", .object([("enabled", false), ("status", .null)])),
            ("billing_reason", .string(i.billingReason.rawValue)),
            ("collection_method", "charge_automatically"),
            ("created", .int(i.created)),
            ("currency", .string(i.currency)),
            ("customer", .string(i.customer)),
            ("default_payment_method", .null),
            ("description", .null),
            ("discount", .null),
            ("due_date", .null),
            ("effective_at", .int(i.finalizedAt)),
            ("hosted_invoice_url", .null),
            ("invoice_pdf", .null),
            ("lines", .object([("object", "list"), ("data", .array([line])), ("has_more", false), ("total_count", 1),
                               ("url", .string("/v1/invoices/\(i.id)/lines"))])),
            ("livemode", false),
            ("metadata", metadata(i.metadata)),
            ("next_payment_attempt", .int(i.nextPaymentAttempt)),
            ("number", .string(i.number)),
            ("paid", .bool(i.status == .paid)),
            ("paid_out_of_band", false),
            ("payment_intent", .string(i.paymentIntent)),
            ("period_end", .int(i.periodEnd)),
            ("period_start", .int(i.periodStart)),
            ("starting_balance", 0),
            ("status", .string(i.status.rawValue)),
            ("status_transitions", .object([("finalized_at", .int(i.finalizedAt)), ("marked_uncollectible_at", .null),
                                            ("paid_at", .int(i.paidAt)), ("voided_at", .int(i.voidedAt))])),
            ("subscription", .string(i.subscription)),
            ("subtotal", .int(i.amountDue)),
            ("test_clock", .string(i.testClock)),
            ("total", .int(i.amountDue)),
        ])
    }
}
