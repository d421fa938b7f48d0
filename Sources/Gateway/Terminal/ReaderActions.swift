import Foundation
import Hummingbird
import PaymentCore
import ServiceLifecycle
import Synchronization

/// Wakes the long polls of readers whose action changed in this process. Other gateway processes sharing the
/// database are noticed by the poll's own re-reads (every second).
final class ActionHub: Sendable {
    /// One waiting poll. Finishing it is idempotent and may come before the continuation is installed (a timeout of
    /// zero, a cancelled request), so no wake-up is ever lost and no poll waits forever.
    final class Waiter: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<Void, Never>?, finished: Bool)>((nil, false))

        func finish() {
            let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard !s.finished else { return nil }
                s.finished = true
                defer { s.continuation = nil }
                return s.continuation
            }
            continuation?.resume()
        }

        func install(_ continuation: CheckedContinuation<Void, Never>) {
            let finished = state.withLock { s -> Bool in
                if !s.finished { s.continuation = continuation }
                return s.finished
            }
            if finished { continuation.resume() }
        }
    }

    private let waiters = Mutex<[String: [UUID: Waiter]]>([:])

    /// How many polls wait on `readerID` (for tests that must know a poll is waiting before they wake it).
    func waiting(_ readerID: String) -> Int {
        waiters.withLock { $0[readerID]?.count ?? 0 }
    }

    func notify(_ readerID: String) {
        let woken = waiters.withLock { $0.removeValue(forKey: readerID) ?? [:] }
        for waiter in woken.values { waiter.finish() }
    }

    /// Returns when the reader's action changes here, after `timeout`, when the request is cancelled, or when the
    /// gateway begins a graceful shutdown (a poll held open for its whole wait delayed the stop by up to 10 s).
    func wait(_ readerID: String, timeout: Duration) async {
        let token = UUID()
        let waiter = Waiter()
        waiters.withLock { $0[readerID, default: [:]][token] = waiter }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            waiter.finish()
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { waiter.install($0) }
            } onCancel: {
                waiter.finish()
            }
        } onGracefulShutdown: {
            waiter.finish()
        }
        timer.cancel()
        waiters.withLock { _ = $0[readerID]?.removeValue(forKey: token) }
    }
}

/// The server-driven flow: the API asks a reader to process a payment intent, refund a payment or show a cart, cancels
/// that, or (test helper) presents a card; the running terminal long-polls for its action and reports the result.
///
/// Documented in docs/api.md. The long poll (`GET /v1/terminal/readers/:id/vtpe_action?after=N&wait=S`) answers as soon
/// as the action's version passes `after`, else after `wait` seconds (at most 30) with the unchanged reader.
struct ReaderActions {
    let store: any PaymentStore
    let vault: CardVault
    let hub: ActionHub
    let terminal: TerminalRoutes
    let refunds: Refunds

    static let maxWait = 30

    func register(on api: RouterGroup<GatewayContext>) {
        api.post("terminal/readers/:id/process_payment_intent") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let intentID = try params.requiredString("payment_intent")
            params.allow("process_config", "expand")
            try params.rejectUnknown()
            guard let intent = try await store.find(PaymentIntentRecord.self, id: intentID) else {
                throw APIError.missing("payment_intent", id: intentID, param: "payment_intent")
            }
            guard IntentAction.process.allows(intent.status) else { throw IntentRefusal.unexpectedState(.process, intent) }
            guard intent.paymentMethodTypes.split(separator: ",").contains("card_present") else {
                throw APIError.invalidRequest("The PaymentIntent \(intent.id) does not accept card_present payments; create it with payment_method_types[]=card_present.",
                                              param: "payment_intent")
            }
            let action: JSONValue = .object([
                ("failure_code", .null), ("failure_message", .null),
                ("process_payment_intent", .object([("payment_intent", .string(intent.id))])),
                ("status", ReaderActionStatus.inProgress.json), ("type", "process_payment_intent"),
            ])
            return .json(try await start(action, on: try context.parameters.require("id")))
        }
        // The terminal reads the card presented, refunds with it (`POST /v1/refunds` with `vtpe_card_present[…]`) and
        // reports the refund's id with its result.
        api.post("terminal/readers/:id/refund_payment") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let intentID = try params.string("payment_intent")
            let chargeID = try params.string("charge")
            let requested = try params.integer("amount", range: 1...PaymentIntentLifecycle.maxAmount)
            let metadata = (try params.metadata("metadata") ?? [:]).filter { !$0.value.isEmpty }
            let reason = try Refunds.reason(&params)
            let refundApplicationFee = try params.bool("refund_application_fee")
            let reverseTransfer = try params.bool("reverse_transfer")
            let enableCancellation = try params.bool("refund_payment_config", "enable_customer_cancellation") ?? false
            params.allow("expand")
            try params.rejectUnknown()
            try Refunds.checkOneTarget(charge: chargeID, paymentIntent: intentID)
            let (charge, amount) = try await refunds.refundable(charge: chargeID, paymentIntent: intentID, amount: requested)
            let action: JSONValue = .object([
                ("failure_code", .null), ("failure_message", .null),
                ("refund_payment", .object([
                    ("amount", .int(amount)), ("charge", .string(charge.id)), ("metadata", Render.metadata(metadata.jsonText)),
                    ("payment_intent", .string(charge.paymentIntent)), ("reason", .string(reason)), ("refund", .null),
                    ("refund_application_fee", refundApplicationFee.map(JSONValue.bool) ?? .null),
                    ("refund_payment_config", .object([("enable_customer_cancellation", .bool(enableCancellation))])),
                    ("reverse_transfer", reverseTransfer.map(JSONValue.bool) ?? .null),
                ])),
                ("status", ReaderActionStatus.inProgress.json), ("type", "refund_payment"),
            ])
            return .json(try await start(action, on: try context.parameters.require("id")))
        }
        api.post("terminal/readers/:id/set_reader_display") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let type = try params.requiredString("type")
            guard type == "cart" else { throw APIError.invalidRequest("Invalid type: only cart is supported.", param: "type") }
            let currency = try params.requiredString("cart", "currency")
            let total = try params.integer("cart", "total", range: 0...PaymentIntentLifecycle.maxAmount)
            let tax = try params.integer("cart", "tax", range: 0...PaymentIntentLifecycle.maxAmount)
            var items: [JSONValue] = []
            for index in 0..<100 where params.has("cart", "line_items", String(index)) {
                let prefix = ["cart", "line_items", String(index)]
                let description = try params.requiredString(prefix + ["description"])
                guard let amount = try params.integer(prefix + ["amount"], range: 0...PaymentIntentLifecycle.maxAmount),
                      let quantity = try params.integer(prefix + ["quantity"], range: 1...9_999) else {
                    throw APIError.invalidRequest("Each cart line item needs amount and quantity.", param: FormParams.name(prefix))
                }
                items.append(.object([("amount", .int(amount)), ("description", .string(description)), ("quantity", .int(quantity))]))
            }
            params.allow("expand")
            try params.rejectUnknown()
            guard let total else { throw APIError.invalidRequest("Missing required param: cart[total].", param: "cart[total]") }
            let action: JSONValue = .object([
                ("failure_code", .null), ("failure_message", .null),
                ("set_reader_display", .object([
                    ("cart", .object([("currency", .string(currency)), ("line_items", .array(items)), ("tax", .int(tax)), ("total", .int(total))])),
                    ("type", "cart"),
                ])),
                ("status", ReaderActionStatus.inProgress.json), ("type", "set_reader_display"),
            ])
            return .json(try await start(action, on: try context.parameters.require("id")))
        }
        api.post("terminal/readers/:id/cancel_action") { request, context -> Response in
            let params = try await GatewayApp.formParams(request, context: context)
            try params.rejectUnknown()
            let id = try context.parameters.require("id")
            return .json(try await change(id) { reader, action in
                guard action?["status"] == ReaderActionStatus.inProgress.json, var action else {
                    throw APIError.invalidRequest("The reader \(reader.id) has no action in progress to cancel.")
                }
                action.set("status", ReaderActionStatus.failed.json)
                action.set("failure_code", "canceled")
                action.set("failure_message", "The action was canceled through the API.")
                reader.presentedCard = nil
                return action
            })
        }
        // Test helper: what QA scripts use to make the terminal act as if a card were presented.
        api.post("test_helpers/terminal/readers/:id/present_payment_method") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let type = try params.string("type") ?? "card_present"
            guard ["card_present", "interac_present"].contains(type) else {
                throw APIError.invalidRequest("Invalid type: must be card_present or interac_present.", param: "type")
            }
            let number = try params.string(type, "number") ?? (type == "interac_present" ? "4506445006931933" : "4242424242424242")
            let tip = try params.integer("amount_tip", range: 0...PaymentIntentLifecycle.maxAmount)
            params.allow("expand", "card_present", "interac_present")
            try params.rejectUnknown()
            let pan: PAN
            do throws(PaymentCoreError) { pan = try PAN(number) } catch {
                throw APIError.invalidRequest("Invalid \(type)[number]: \(error.message)", param: "\(type)[number]")
            }
            let sealed = try vault.seal(pan)
            let id = try context.parameters.require("id")
            return .json(try await change(id) { reader, action in
                guard let type = action?["type"], [.string("process_payment_intent"), .string("refund_payment")].contains(type),
                      action?["status"] == ReaderActionStatus.inProgress.json, var action else {
                    throw APIError(status: .badRequest, kind: .invalidRequestError, code: "terminal_reader_busy",
                                   message: "The reader \(reader.id) is not processing a payment or a refund; call process_payment_intent or refund_payment first.")
                }
                if tip != nil, type != "process_payment_intent" {
                    throw APIError.invalidRequest("amount_tip is for payments only; the reader is processing a refund.", param: "amount_tip")
                }
                reader.presentedCard = sealed
                if let tip { action.set("vtpe_amount_tip", .int(tip)) }
                return action
            })
        }
        // vtpe: the terminal's long poll for its action.
        api.get("terminal/readers/:id/vtpe_action") { request, context -> Response in
            var params = try FormParams(query: request)
            let after = try params.integer("after", range: 0...Int64.max) ?? 0
            let wait = try params.integer("wait", range: 0...Int64(Self.maxWait)) ?? 25
            try params.rejectUnknown()
            let id = try context.parameters.require("id")
            let deadline = ContinuousClock.now + .seconds(wait)
            var reader = try await terminal.existingReader(id)
            // A poll whose client went away stops (its wait would return at once, and the loop would spin).
            while reader.actionVersion <= after, ContinuousClock.now < deadline, !Task.isCancelled, !Task.isShuttingDownGracefully {
                await hub.wait(id, timeout: min(.seconds(1), deadline - ContinuousClock.now))
                reader = try await terminal.existingReader(id)
            }
            var body = Render.reader(reader, now: TerminalRoutes.now)
            body.set("vtpe_action_version", .int(reader.actionVersion))
            if let sealed = reader.presentedCard {
                let pan = try vault.open(sealed)
                body.set("vtpe_presented_card", .object([("number", .string(pan.revealDigits()))]))
            }
            return .json(body)
        }
        // vtpe: the terminal reports how its action ended.
        api.post("terminal/readers/:id/vtpe_action_result") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            guard let status = try params.choice("status", ReaderActionStatus.self, allowed: "succeeded or failed"), status != .inProgress else {
                throw APIError.invalidRequest(params.has("status") ? "Invalid status: must be succeeded or failed." : "Missing required param: status.", param: "status")
            }
            let code = try params.string("failure_code")
            let message = try params.string("failure_message")
            let refundID = try params.string("refund")
            try params.rejectUnknown()
            if refundID != nil, status != .succeeded {
                throw APIError.invalidRequest("A refund is reported only with status=succeeded.", param: "refund")
            }
            var refund: RefundRecord?
            if let refundID {
                refund = try await store.find(RefundRecord.self, id: refundID)
                if refund == nil { throw APIError.missing("refund", id: refundID, param: "refund") }
            }
            let id = try context.parameters.require("id")
            return .json(try await change(id) { reader, action in
                guard action?["status"] == ReaderActionStatus.inProgress.json, var action else {
                    throw APIError.invalidRequest("The reader \(reader.id) has no action in progress.", param: "status")
                }
                if let refund {
                    guard action["type"] == "refund_payment", var refunding = action["refund_payment"] else {
                        throw APIError.invalidRequest("The reader \(reader.id) is not processing a refund; report refund only for refund_payment.", param: "refund")
                    }
                    guard refunding["charge"] == .string(refund.charge) else {
                        throw APIError.invalidRequest("Refund \(refund.id) is not a refund of the charge the reader was asked to refund.", param: "refund")
                    }
                    refunding.set("refund", .string(refund.id))
                    action.set("refund_payment", refunding)
                }
                action.set("status", status.json)
                action.set("failure_code", status == .failed ? .string(code ?? "generic_error") : .null)
                action.set("failure_message", status == .failed ? .string(message ?? "The reader could not complete the action.") : .null)
                reader.presentedCard = nil
                return action
            })
        }
    }

    /// Gives an online, idle reader a new action.
    private func start(_ action: JSONValue, on id: String) async throws -> JSONValue {
        try await change(id) { reader, current in
            guard reader.status(now: TerminalRoutes.now) == "online" else {
                throw APIError(status: .badRequest, kind: .invalidRequestError, code: "terminal_reader_offline",
                               message: "Reader \(reader.id) is offline; it answers again once its terminal is running and connected.")
            }
            if current?["status"] == ReaderActionStatus.inProgress.json {
                throw APIError(status: .conflict, kind: .invalidRequestError, code: "terminal_reader_busy",
                               message: "Reader \(reader.id) is busy with another action; cancel it first (cancel_action).")
            }
            reader.presentedCard = nil
            return action
        }
    }

    /// Read, decide, write the reader with its new action under the version it had (a concurrent change reruns
    /// `body`), and wake the terminal's long poll.
    private func change(_ id: String, _ body: (inout ReaderRecord, JSONValue?) throws -> JSONValue) async throws -> JSONValue {
        let updated: ReaderRecord = try await store.retryingConflicts {
            var reader = try await terminal.existingReader(id)
            let before = reader.actionVersion
            let current = reader.action.map { Render.json($0) }
            let action = try body(&reader, current)
            reader.action = action.compactText
            reader.actionVersion = before + 1
            // An action that ends writes its event (Stripe's terminal.reader.action_succeeded / action_failed).
            var events: [StoreWrite] = []
            if current?["status"] == ReaderActionStatus.inProgress.json {
                if action["status"] == ReaderActionStatus.succeeded.json { events = EventOutbox.write(.terminalReaderActionSucceeded, .reader(reader)) }
                if action["status"] == ReaderActionStatus.failed.json { events = EventOutbox.write(.terminalReaderActionFailed, .reader(reader)) }
            }
            try await store.commit([.update(reader, expecting: .init(column: "action_version", value: .integer(before)))] + events)
            return reader
        }
        hub.notify(id)
        return Render.reader(updated, now: TerminalRoutes.now)
    }
}

/// Where a reader's action stands (`action.status`).
enum ReaderActionStatus: String, CaseIterable {
    case inProgress = "in_progress"
    case succeeded
    case failed

    var json: JSONValue { .string(rawValue) }
}
