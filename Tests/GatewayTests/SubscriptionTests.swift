import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// Subscriptions through the API: products and recurring prices, a customer on a Stripe test clock, the first
/// invoice paid by the saved card, renewals as the clock passes each period end, declines, retries, trials,
/// cancellation, and the billing pass of the gateway's own clock.
@Suite struct SubscriptionTests {
    /// 2027-01-31T09:30:00Z: monthly periods then end on Feb 28, Mar 31, Apr 30.
    static let start: Int64 = BillingPeriodTests.jan31

    /// A product and a monthly price of EUR 15.
    static func monthlyPrice(_ client: any TestClientProtocol, amount: Int = 1500, extra: String = "") async throws -> String {
        let price = try await client.post("/v1/prices", "currency=eur&unit_amount=\(amount)&recurring[interval]=month&product_data[name]=Gold" + extra)
        #expect(price.status == .ok, "\(price.json)")
        return try #require(price.json["id"] as? String)
    }

    /// A test clock at `start`, a customer on it and `card` (a test payment method id) attached to them.
    static func customerOnClock(_ client: any TestClientProtocol, card: String = "pm_card_visa") async throws -> (clock: String, customer: String, method: String) {
        let clock = try await client.post("/v1/test_helpers/test_clocks", "frozen_time=\(start)&name=janvier")
        #expect(clock.status == .ok && clock.json["object"] as? String == "test_helpers.test_clock" && clock.json["status"] as? String == "ready")
        let clockID = try #require(clock.json["id"] as? String)
        let customer = try await client.post("/v1/customers", "email=jenny%40example.fr&test_clock=\(clockID)")
        #expect(customer.json["test_clock"] as? String == clockID && customer.json["created"] as? Int64 == start)
        let customerID = try #require(customer.json["id"] as? String)
        let method = try await client.post("/v1/payment_methods/\(card)/attach", "customer=\(customerID)")
        return (clockID, customerID, try #require(method.json["id"] as? String))
    }

    static func advance(_ client: any TestClientProtocol, _ clock: String, to time: Int64) async throws {
        let moved = try await client.post("/v1/test_helpers/test_clocks/\(clock)/advance", "frozen_time=\(time)")
        #expect(moved.status == .ok && moved.json["status"] as? String == "ready" && moved.json["frozen_time"] as? Int64 == time, "\(moved.json)")
    }

    static func invoices(_ client: any TestClientProtocol, of sub: String) async throws -> [[String: Any]] {
        (try await client.get("/v1/invoices?subscription=\(sub)&limit=100").json["data"] as? [[String: Any]] ?? []).reversed()
    }

    static func day(_ n: Int64) -> Int64 { start + n * 86_400 }

    @Test(arguments: StoreEngine.all) func theSavedCardPaysTheFirstInvoiceAndEveryRenewalAsTheClockMoves(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (clock, customer, method) = try await Self.customerOnClock(client)
            let made = try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(method)"
                + "&metadata[plan]=gold&expand[]=latest_invoice.payment_intent")
            #expect(made.status == .ok, "\(made.json)")
            #expect(made.json["object"] as? String == "subscription" && made.json["status"] as? String == "active")
            #expect(made.json["current_period_start"] as? Int64 == Self.start && made.json["current_period_end"] as? Int64 == BillingPeriodTests.utc(2027, 2, 28))
            #expect(made.json["test_clock"] as? String == clock && (made.json["metadata"] as? [String: String]) == ["plan": "gold"])
            let item = try #require(((made.json["items"] as? [String: Any])?["data"] as? [[String: Any]])?.first)
            #expect((item["price"] as? [String: Any])?["id"] as? String == price && item["quantity"] as? Int == 1)
            let invoice = try #require(made.json["latest_invoice"] as? [String: Any])
            #expect(invoice["status"] as? String == "paid" && invoice["amount_paid"] as? Int == 1500 && invoice["billing_reason"] as? String == "subscription_create")
            #expect((invoice["number"] as? String)?.hasSuffix("-0001") == true && invoice["attempt_count"] as? Int == 1)
            let intent = try #require(invoice["payment_intent"] as? [String: Any])
            #expect(intent["status"] as? String == "succeeded" && intent["amount"] as? Int == 1500 && intent["customer"] as? String == customer)
            #expect(intent["payment_method"] as? String == method && intent["description"] as? String == "Subscription creation")
            #expect(intent["created"] as? Int64 == Self.start)
            let subID = try #require(made.json["id"] as? String)
            #expect(EventTests.types(try await client.get("/v1/events?limit=9")).reversed() == [
                "customer.subscription.created", "invoice.created", "invoice.finalized", "payment_intent.created", "charge.succeeded",
                "payment_intent.succeeded", "invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated",
            ])

            // Nothing happens before the period ends; then one renewal per period, each at its own date.
            try await Self.advance(client, clock, to: BillingPeriodTests.utc(2027, 2, 28) - 60)
            #expect(try await Self.invoices(client, of: subID).count == 1)
            try await Self.advance(client, clock, to: BillingPeriodTests.utc(2027, 4, 15))
            let all = try await Self.invoices(client, of: subID)
            #expect(all.map { $0["status"] as? String } == ["paid", "paid", "paid"])
            #expect(all.map { $0["period_start"] as? Int64 } == [Self.start, BillingPeriodTests.utc(2027, 2, 28), BillingPeriodTests.utc(2027, 3, 31)])
            #expect(all.map { $0["billing_reason"] as? String } == ["subscription_create", "subscription_cycle", "subscription_cycle"])
            #expect(all.compactMap { ($0["number"] as? String)?.suffix(4) }.map(String.init) == ["0001", "0002", "0003"])
            let renewal = try await client.get("/v1/payment_intents/\(try #require(all[2]["payment_intent"] as? String))")
            #expect(renewal.json["created"] as? Int64 == BillingPeriodTests.utc(2027, 3, 31) && renewal.json["description"] as? String == "Subscription update")
            let sub = try await client.get("/v1/subscriptions/\(subID)")
            #expect(sub.json["status"] as? String == "active" && sub.json["current_period_end"] as? Int64 == BillingPeriodTests.utc(2027, 4, 30))
            #expect(try await client.get("/v1/customers/\(customer)").json["next_invoice_sequence"] as? Int == 4)
            // The clock's own events.
            let clockEvents = try await client.get("/v1/events?types[]=test_helpers.test_clock.advancing&types[]=test_helpers.test_clock.ready")
            #expect(EventTests.types(clockEvents).count == 4)
        }
    }

    @Test(arguments: StoreEngine.all) func aDeclinedFirstPaymentLeavesItIncompleteUntilItExpires(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (clock, customer, method) = try await Self.customerOnClock(client, card: "pm_card_chargeCustomerFail")
            let made = try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(method)&expand[]=latest_invoice")
            #expect(made.status == .ok && made.json["status"] as? String == "incomplete")
            let invoice = try #require(made.json["latest_invoice"] as? [String: Any])
            #expect(invoice["status"] as? String == "open" && invoice["attempt_count"] as? Int == 1 && invoice["next_payment_attempt"] is NSNull)
            let intentID = try #require(invoice["payment_intent"] as? String)
            let intent = try await client.get("/v1/payment_intents/\(intentID)")
            #expect(intent.json["status"] as? String == "requires_payment_method")
            #expect((intent.json["last_payment_error"] as? [String: Any])?["decline_code"] as? String == "generic_decline")

            try await Self.advance(client, clock, to: Self.start + 23 * 3600 - 1)
            #expect(try await client.get("/v1/subscriptions/\(try #require(made.json["id"] as? String))").json["status"] as? String == "incomplete")
            try await Self.advance(client, clock, to: Self.start + 23 * 3600)
            let expired = try await client.get("/v1/subscriptions/\(try #require(made.json["id"] as? String))?expand[]=latest_invoice")
            #expect(expired.json["status"] as? String == "incomplete_expired" && expired.json["ended_at"] as? Int64 == Self.start + 23 * 3600)
            #expect((expired.json["latest_invoice"] as? [String: Any])?["status"] as? String == "void")
            #expect(try await client.get("/v1/payment_intents/\(intentID)").json["status"] as? String == "canceled")
            // Not listed by default (only canceled ones are hidden), and found with status=all.
            #expect((try await client.get("/v1/subscriptions?customer=\(customer)").json["data"] as? [Any])?.count == 1)
        }
    }

    @Test(arguments: StoreEngine.all) func errorIfIncompleteAnswers402AndNothingIsLeftToCharge(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (_, customer, method) = try await Self.customerOnClock(client, card: "pm_card_chargeCustomerFail")
            let made = try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(method)&payment_behavior=error_if_incomplete")
            #expect(made.status.code == 402)
            #expect(made.error["type"] as? String == "card_error" && made.error["code"] as? String == "card_declined")
            #expect(made.error["decline_code"] as? String == "generic_decline")
            let listed = try #require(try await client.get("/v1/subscriptions?customer=\(customer)&status=all").json["data"] as? [[String: Any]])
            #expect(listed.map { $0["status"] as? String } == ["incomplete_expired"])
            let invoice = try await client.get("/v1/invoices/\(try #require(listed.first?["latest_invoice"] as? String))")
            #expect(invoice.json["status"] as? String == "void" && invoice.json["amount_remaining"] as? Int == 0)
        }
    }

    @Test(arguments: StoreEngine.all) func aFailingRenewalIsRetriedThenCanceledAndPayingTheInvoiceMakesItActive(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (clock, customer, good) = try await Self.customerOnClock(client)
            let bad = try #require(try await client.post("/v1/payment_methods/pm_card_chargeCustomerFail/attach", "customer=\(customer)").json["id"] as? String)
            let subID = try #require(try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(good)").json["id"] as? String)
            #expect(try await client.post("/v1/subscriptions/\(subID)", "default_payment_method=\(bad)").json["default_payment_method"] as? String == bad)

            let renewal = BillingPeriodTests.utc(2027, 2, 28)
            try await Self.advance(client, clock, to: renewal)
            var sub = try await client.get("/v1/subscriptions/\(subID)?expand[]=latest_invoice")
            #expect(sub.json["status"] as? String == "past_due")
            var invoice = try #require(sub.json["latest_invoice"] as? [String: Any])
            #expect(invoice["status"] as? String == "open" && invoice["attempt_count"] as? Int == 1 && invoice["next_payment_attempt"] as? Int64 == renewal + 3 * 86_400)
            try await Self.advance(client, clock, to: renewal + 3 * 86_400)
            invoice = try await client.get("/v1/invoices/\(try #require(invoice["id"] as? String))").json
            #expect(invoice["attempt_count"] as? Int == 2 && invoice["next_payment_attempt"] as? Int64 == renewal + 8 * 86_400)
            #expect(EventTests.types(try await client.get("/v1/events?type=invoice.payment_failed")).count == 2)

            // The customer pays it with the good card: paid, active again, and no more retries.
            let paid = try await client.post("/v1/invoices/\(try #require(invoice["id"] as? String))/pay", "payment_method=\(good)")
            #expect(paid.status == .ok && paid.json["status"] as? String == "paid" && paid.json["attempt_count"] as? Int == 3, "\(paid.json)")
            #expect(paid.json["next_payment_attempt"] is NSNull && paid.json["amount_remaining"] as? Int == 0)
            #expect(try await client.get("/v1/subscriptions/\(subID)").json["status"] as? String == "active")
            let again = try await client.post("/v1/invoices/\(try #require(invoice["id"] as? String))/pay", "")
            #expect(again.status == .badRequest && again.error["code"] as? String == "invoice_already_paid")

            // The next renewal fails on the bad card too, and after the fourth attempt the subscription ends.
            let next = BillingPeriodTests.utc(2027, 3, 31)
            try await Self.advance(client, clock, to: next + 16 * 86_400)
            sub = try await client.get("/v1/subscriptions/\(subID)?expand[]=latest_invoice")
            #expect(sub.json["status"] as? String == "canceled" && sub.json["ended_at"] as? Int64 == next + 15 * 86_400)
            #expect((sub.json["cancellation_details"] as? [String: Any])?["reason"] as? String == "payment_failed")
            invoice = try #require(sub.json["latest_invoice"] as? [String: Any])
            #expect(invoice["attempt_count"] as? Int == 4 && invoice["status"] as? String == "open" && invoice["next_payment_attempt"] is NSNull)
            #expect(EventTests.types(try await client.get("/v1/events?type=customer.subscription.deleted")).count == 1)
            // Canceled ones are not listed by default.
            #expect((try await client.get("/v1/subscriptions?customer=\(customer)").json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: StoreEngine.all) func aTrialChargesNothingUntilItEnds(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client, amount: 990)
            let (clock, customer, method) = try await Self.customerOnClock(client)
            #expect(try await client.post("/v1/customers/\(customer)", "invoice_settings[default_payment_method]=\(method)").status == .ok)
            let made = try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&trial_period_days=14&expand[]=latest_invoice")
            #expect(made.json["status"] as? String == "trialing" && made.json["trial_end"] as? Int64 == Self.day(14))
            #expect(made.json["current_period_end"] as? Int64 == Self.day(14) && made.json["billing_cycle_anchor"] as? Int64 == Self.day(14))
            let first = try #require(made.json["latest_invoice"] as? [String: Any])
            #expect(first["amount_due"] as? Int == 0 && first["status"] as? String == "paid" && first["payment_intent"] is NSNull)
            let subID = try #require(made.json["id"] as? String)
            try await Self.advance(client, clock, to: Self.day(15))
            let sub = try await client.get("/v1/subscriptions/\(subID)?expand[]=latest_invoice")
            #expect(sub.json["status"] as? String == "active" && sub.json["current_period_start"] as? Int64 == Self.day(14))
            let charged = try #require(sub.json["latest_invoice"] as? [String: Any])
            #expect(charged["amount_paid"] as? Int == 990 && charged["billing_reason"] as? String == "subscription_cycle")
        }
    }

    @Test(arguments: StoreEngine.all) func cancelingAtPeriodEndOrAtOnce(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (clock, customer, method) = try await Self.customerOnClock(client)
            let form = "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(method)"
            let atEnd = try #require(try await client.post("/v1/subscriptions", form).json["id"] as? String)
            let atOnce = try #require(try await client.post("/v1/subscriptions", form).json["id"] as? String)
            let marked = try await client.post("/v1/subscriptions/\(atEnd)", "cancel_at_period_end=true")
            #expect(marked.json["cancel_at_period_end"] as? Bool == true && marked.json["cancel_at"] as? Int64 == BillingPeriodTests.utc(2027, 2, 28))
            #expect(marked.json["canceled_at"] as? Int64 == Self.start && marked.json["status"] as? String == "active")
            let deleted = try await client.execute(uri: "/v1/subscriptions/\(atOnce)", method: .delete, headers: [.authorization: "Bearer \(testKey)"])
            #expect(deleted.json["status"] as? String == "canceled" && deleted.json["ended_at"] as? Int64 == Self.start)
            let twice = try await client.execute(uri: "/v1/subscriptions/\(atOnce)", method: .delete, headers: [.authorization: "Bearer \(testKey)"])
            #expect(twice.status == .badRequest)
            #expect(try await client.post("/v1/subscriptions/\(atOnce)", "cancel_at_period_end=false").status == .badRequest)

            try await Self.advance(client, clock, to: Self.day(40))
            let ended = try await client.get("/v1/subscriptions/\(atEnd)")
            #expect(ended.json["status"] as? String == "canceled" && ended.json["ended_at"] as? Int64 == BillingPeriodTests.utc(2027, 2, 28))
            let endInvoices = try await Self.invoices(client, of: atEnd)
            let onceInvoices = try await Self.invoices(client, of: atOnce)
            #expect(endInvoices.count == 1 && onceInvoices.count == 1)
        }
    }

    @Test(arguments: StoreEngine.all) func defaultIncompleteWaitsForTheCustomerToConfirm(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (clock, customer, method) = try await Self.customerOnClock(client)
            let made = try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&payment_behavior=default_incomplete&expand[]=latest_invoice.payment_intent")
            #expect(made.json["status"] as? String == "incomplete")
            let invoice = try #require(made.json["latest_invoice"] as? [String: Any])
            #expect(invoice["attempt_count"] as? Int == 0 && invoice["attempted"] as? Bool == false)
            let intent = try #require(invoice["payment_intent"] as? [String: Any])
            #expect(intent["status"] as? String == "requires_payment_method" && intent["client_secret"] is String)
            // The billing pass leaves a waiting intent alone …
            try await Self.advance(client, clock, to: Self.start + 60)
            #expect(try await client.get("/v1/subscriptions/\(try #require(made.json["id"] as? String))").json["status"] as? String == "incomplete")
            // … and sees it succeed.
            let confirmed = try await client.post("/v1/payment_intents/\(try #require(intent["id"] as? String))/confirm", "payment_method=\(method)")
            #expect(confirmed.json["status"] as? String == "succeeded")
            try await Self.advance(client, clock, to: Self.start + 120)
            let sub = try await client.get("/v1/subscriptions/\(try #require(made.json["id"] as? String))?expand[]=latest_invoice")
            #expect(sub.json["status"] as? String == "active" && (sub.json["latest_invoice"] as? [String: Any])?["status"] as? String == "paid")
        }
    }

    @Test func badRequestsAreRefusedWithNothingWritten() async throws {
        try await withGateway { client, store, _ in
            let price = try await Self.monthlyPrice(client)
            let oneTime = try #require(try await client.post("/v1/prices", "currency=eur&unit_amount=500&product_data[name]=Mug").json["id"] as? String)
            let bare = try #require(try await client.post("/v1/customers", "").json["id"] as? String)
            let cases: [(String, String, String?)] = [
                ("items[0][price]=\(price)", "Missing required param: customer.", "customer"),
                ("customer=cus_nope&items[0][price]=\(price)", "No such customer: 'cus_nope'", "customer"),
                ("customer=\(bare)", "Missing required param: items.", "items"),
                ("customer=\(bare)&items[0][price]=\(price)", "This customer has no attached payment source or default payment method. Please consider adding a default payment method.", "default_payment_method"),
                ("customer=\(bare)&items[0][price]=\(oneTime)&trial_period_days=3", "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", "items[0][price]"),
                ("customer=\(bare)&items[0][price]=\(price)&items[1][price]=\(price)", "vtpe subscriptions have one item: create one subscription per price.", "items[1]"),
                ("customer=\(bare)&items[0][price]=\(price)&trial_period_days=3&payment_behavior=pending_if_incomplete", "Invalid payment_behavior: must be one of allow_incomplete, error_if_incomplete or default_incomplete.", "payment_behavior"),
                ("customer=\(bare)&items[0][price]=\(price)&trial_period_days=3&collection_method=send_invoice", "vtpe charges subscriptions automatically: collection_method=send_invoice is not supported.", "collection_method"),
                ("customer=\(bare)&items[0][price]=\(price)&default_payment_method=pm_nope", "No such PaymentMethod: 'pm_nope' attached to customer \(bare); attach it first.", "default_payment_method"),
                ("customer=\(bare)&items[0][price]=\(price)&trial_period_days=3&coupon=X", "Received unknown parameter: coupon", "coupon"),
            ]
            for (form, message, param) in cases {
                let refused = try await client.post("/v1/subscriptions", form)
                #expect(refused.status == .badRequest || refused.status == .notFound, "\(form)")
                #expect((refused.error["message"] as? String)?.hasPrefix(message) == true, "\(form): \(refused.error)")
                #expect(refused.error["param"] as? String == param, "\(form)")
            }
            #expect(try await store.list(SubscriptionRecord.self, PageRequest(limit: 10)).items.isEmpty)
            #expect(try await store.list(InvoiceRecord.self, PageRequest(limit: 10)).items.isEmpty)

            let prices: [(String, String)] = [
                ("currency=eur&recurring[interval]=month&product_data[name]=X", "unit_amount"),
                ("currency=eur&unit_amount=100&recurring[interval]=fortnight&product_data[name]=X", "recurring[interval]"),
                ("currency=eur&unit_amount=100&recurring[interval]=month&recurring[interval_count]=13&product_data[name]=X", "recurring[interval_count]"),
                ("currency=zzz&unit_amount=100&product_data[name]=X", "currency"),
                ("currency=eur&unit_amount=100", "product"),
                ("currency=eur&unit_amount=100&product=prod_nope", "product"),
            ]
            for (form, param) in prices {
                let refused = try await client.post("/v1/prices", form)
                #expect(refused.status == .badRequest || refused.status == .notFound, "\(form)")
                #expect(refused.error["param"] as? String == param, "\(form): \(refused.error)")
            }
            let frozen = try await client.post("/v1/prices/\(price)", "unit_amount=200")
            #expect(frozen.status == .badRequest && frozen.error["param"] as? String == "unit_amount")
            let clock = try #require(try await client.post("/v1/test_helpers/test_clocks", "frozen_time=\(Self.start)").json["id"] as? String)
            let backwards = try await client.post("/v1/test_helpers/test_clocks/\(clock)/advance", "frozen_time=\(Self.start - 1)")
            #expect(backwards.status == .badRequest && backwards.error["param"] as? String == "frozen_time")
        }
    }

    @Test func productsAndPricesAreStripeShaped() async throws {
        try await withGateway { client, _, _ in
            let product = try await client.post("/v1/products", "name=Abonnement%20Or&description=Caf%C3%A9%20illimit%C3%A9&metadata[sku]=OR-1")
            #expect(product.json["object"] as? String == "product" && product.json["active"] as? Bool == true && product.json["type"] as? String == "service")
            let productID = try #require(product.json["id"] as? String)
            let price = try await client.post("/v1/prices", "product=\(productID)&currency=eur&unit_amount=4900&recurring[interval]=year&nickname=annuel&expand[]=product")
            #expect(price.json["type"] as? String == "recurring" && price.json["unit_amount_decimal"] as? String == "4900")
            #expect((price.json["recurring"] as? [String: Any])?["interval"] as? String == "year" && (price.json["recurring"] as? [String: Any])?["interval_count"] as? Int == 1)
            #expect((price.json["product"] as? [String: Any])?["name"] as? String == "Abonnement Or")
            let off = try await client.post("/v1/products/\(productID)", "active=false")
            #expect(off.json["active"] as? Bool == false)
            #expect((try await client.get("/v1/prices?product=\(productID)").json["data"] as? [Any])?.count == 1)
            #expect(EventTests.types(try await client.get("/v1/events")) == ["product.updated", "price.created", "product.created"])
        }
    }

    @Test(arguments: StoreEngine.all) func aFirstInvoiceWhoseIntentTheCustomerConfirmsIsPaid(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (clock, customer, bad) = try await Self.customerOnClock(client, card: "pm_card_chargeCustomerFail")
            let good = try #require(try await client.post("/v1/payment_methods/pm_card_visa/attach", "customer=\(customer)").json["id"] as? String)
            let made = try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(bad)&expand[]=latest_invoice")
            #expect(made.json["status"] as? String == "incomplete")
            let intent = try #require((made.json["latest_invoice"] as? [String: Any])?["payment_intent"] as? String)
            // Stripe's recovery: the customer confirms the invoice's intent with another card.
            #expect(try await client.post("/v1/payment_intents/\(intent)/confirm", "payment_method=\(good)").json["status"] as? String == "succeeded")
            try await Self.advance(client, clock, to: Self.start + 60)
            let sub = try await client.get("/v1/subscriptions/\(try #require(made.json["id"] as? String))?expand[]=latest_invoice")
            #expect(sub.json["status"] as? String == "active" && (sub.json["latest_invoice"] as? [String: Any])?["status"] as? String == "paid")
            // Paid once: one succeeded charge.
            let charges = try #require(try await client.get("/v1/charges?payment_intent=\(intent)").json["data"] as? [[String: Any]])
            #expect(charges.filter { $0["status"] as? String == "succeeded" }.count == 1)
        }
    }

    @Test func aDeletedCustomersSubscriptionEndsAndTheOthersStillRenew() async throws {
        try await withGateway { client, _, _ in
            let price = try await Self.monthlyPrice(client)
            let (clock, gone, goneMethod) = try await Self.customerOnClock(client)
            let staying = try #require(try await client.post("/v1/customers", "test_clock=\(clock)").json["id"] as? String)
            let stayingMethod = try #require(try await client.post("/v1/payment_methods/pm_card_visa/attach", "customer=\(staying)").json["id"] as? String)
            let first = try #require(try await client.post("/v1/subscriptions", "customer=\(gone)&items[0][price]=\(price)&default_payment_method=\(goneMethod)").json["id"] as? String)
            let second = try #require(try await client.post("/v1/subscriptions", "customer=\(staying)&items[0][price]=\(price)&default_payment_method=\(stayingMethod)").json["id"] as? String)
            _ = try await client.execute(uri: "/v1/customers/\(gone)", method: .delete, headers: [.authorization: "Bearer \(testKey)"])
            // Renaming a customer keeps its invoice counter.
            #expect(try await client.post("/v1/customers/\(staying)", "name=Ana").json["next_invoice_sequence"] as? Int == 2)
            try await Self.advance(client, clock, to: Self.day(30))
            #expect(try await client.get("/v1/subscriptions/\(first)").json["status"] as? String == "canceled")
            #expect(try await Self.invoices(client, of: first).count == 1)
            let renewed = try await Self.invoices(client, of: second)
            #expect(renewed.map { $0["status"] as? String } == ["paid", "paid"] && (renewed.last?["number"] as? String)?.hasSuffix("-0002") == true)
        }
    }

    @Test func aSubscriptionWriteFromAnOlderReadConflicts() async throws {
        try await withGateway { client, store, _ in
            let price = try await Self.monthlyPrice(client)
            let (_, customer, method) = try await Self.customerOnClock(client)
            let id = try #require(try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(method)").json["id"] as? String)
            let stale = try #require(try await store.find(SubscriptionRecord.self, id: id))
            #expect(try await client.post("/v1/subscriptions/\(id)", "cancel_at_period_end=true").status == .ok)
            var renewedFromStale = stale
            renewedFromStale.currentPeriodEnd += 86_400
            await #expect(throws: StoreConflict.self) { try await store.commit([stale.replaced(by: renewedFromStale)]) }
            #expect(try await store.find(SubscriptionRecord.self, id: id)?.cancelAtPeriodEnd == true)
        }
    }

    /// The gateway's own clock: the billing pass (`PeriodicPass.billing` runs it every second) renews what is due, and two
    /// passes at once renew once.
    @Test(arguments: StoreEngine.all) func theBillingPassRenewsOnceOnTheGatewayClock(engine: StoreEngine) async throws {
        let vault = CardVault.ephemeral()
        let clock = MovableClock(Date(timeIntervalSince1970: TimeInterval(Self.start)))
        try await withGateway(engine, vault: vault, clock: clock) { client, store, _ in
            let price = try await Self.monthlyPrice(client)
            let customer = try #require(try await client.post("/v1/customers", "").json["id"] as? String)
            let method = try #require(try await client.post("/v1/payment_methods/pm_card_visa/attach", "customer=\(customer)").json["id"] as? String)
            let made = try await client.post("/v1/subscriptions", "customer=\(customer)&items[0][price]=\(price)&default_payment_method=\(method)")
            #expect(made.json["current_period_start"] as? Int64 == Self.start && made.json["test_clock"] is NSNull)
            let subID = try #require(made.json["id"] as? String)
            let subscriptions = Subscriptions(intents: PaymentIntents(store: store, issuer: IssuerSimulator(catalog: .standard), vault: vault,
                                                                      fees: .standard, clock: clock))
            #expect(try await subscriptions.runDue(testClock: nil, now: Self.day(20)) == 0)
            clock.set(Date(timeIntervalSince1970: TimeInterval(BillingPeriodTests.utc(2027, 2, 28))))
            let renewal = BillingPeriodTests.utc(2027, 2, 28)
            async let first = subscriptions.runDue(testClock: nil, now: renewal)
            async let second = subscriptions.runDue(testClock: nil, now: renewal)
            let steps = try await first + second
            #expect(steps == 1)
            let invoices = try await Self.invoices(client, of: subID)
            #expect(invoices.map { $0["status"] as? String } == ["paid", "paid"])
            let charges = try await store.list(ChargeRecord.self, PageRequest(limit: 10)).items
            #expect(charges.count == 2 && charges.allSatisfy { $0.status == .succeeded })
        }
    }
}

/// A gateway clock the test moves.
final class MovableClock: GatewayClock, @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    func now() -> Date { lock.withLock { date } }
    func set(_ date: Date) { lock.withLock { self.date = date } }
}
