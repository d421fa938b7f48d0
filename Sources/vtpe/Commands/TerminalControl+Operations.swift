import CardReaders
import EMV
import Foundation
import PaymentCore
import TerminalEngine
import TerminalUI

/// The control socket's transaction requests, for `vtpe sale|preauth|complete|void|refund|reprint|batch`:
///
///     sale 12.34 [tip=1.50] [card=visa] [mode=contactless] [pin=1234] [wait]
///     preauth 80.00 …   complete 000012 [95.00] …   void 000012 …   refund 5.00 [of=000012] …
///     reprint [000012] [copy=merchant|customer]   batch report|close
///
/// The reply is one line, `json {…}`: the result (or the refusal) as the CLI prints it; `vtpe scenario` takes the
/// object itself (`TerminalControl.object(for:)`), without the JSON in between.
extension TerminalControl {
    func operation(_ verb: String, _ words: [String]) async -> [String: Any] {
        var options: [String: String] = [:]
        var positional: [String] = []
        for word in words {
            if let eq = word.firstIndex(of: "=") { options[String(word[..<eq])] = String(word[word.index(after: eq)...]) } else { positional.append(word) }
        }
        let wait = positional.last == "wait"
        if wait { positional.removeLast() }
        let snapshot = await engine.snapshot
        let currency = snapshot.profile.currency
        func money(_ text: String?) throws(ControlError) -> Money {
            guard let text else { throw ControlError("give the amount, e.g. 12.34") }
            do { return try Money.parse(text, currency: currency) } catch { throw ControlError("invalid amount '\(text.prefix(20))': \(error.message)") }
        }
        func stan(_ text: String?) throws(ControlError) -> UInt32 {
            guard let text, let value = UInt32(text), (1...999_999).contains(value) else {
                throw ControlError("a STAN is 1 to 6 digits, not '\((text ?? "").prefix(20))'")
            }
            return value
        }
        let operation: TerminalOperation
        do throws(ControlError) {
            switch verb {
            case "sale":
                guard let offline = OfflineBehavior(rawValue: options["offline"] ?? "prefer_online") else {
                    throw ControlError("offline is prefer_online, require_online or force_offline")
                }
                operation = .sale(amount: try money(positional.first), tip: try options["tip"].map { t throws(ControlError) in try money(t) },
                                  email: options["email"], offline: offline)
            case "preauth": operation = .preauthorization(amount: try money(positional.first))
            case "complete": operation = .completion(stan: try stan(positional.first), amount: try positional.dropFirst().first.map { t throws(ControlError) in try money(t) })
            case "void": operation = .void(stan: try stan(positional.first))
            case "refund": operation = .refund(amount: try money(positional.first), of: try options["of"].map { t throws(ControlError) in try stan(t) })
            case "reprint":
                guard let copy = ReceiptCopy(rawValue: options["copy"] ?? "customer") else { throw ControlError("copy is merchant or customer") }
                operation = .reprint(stan: try positional.first.map { t throws(ControlError) in try stan(t) }, copy: copy)
            case "batch":
                guard let which = positional.first, ["report", "close"].contains(which) else { throw ControlError("batch report or batch close") }
                operation = .batch(close: which == "close")
            default: throw ControlError("unknown request '\(verb.prefix(20))'")
            }
        } catch {
            return ["result": "ERROR", "error": error.message]
        }
        // A keyed amount still waiting for a card is replaced, as `vtpe tap --amount` does.
        if case .waitingForCard = snapshot.phase, snapshot.serverPaymentIntent == nil { await engine.send(.keyPressed(.cancel)) }
        if case .finished = snapshot.phase { await engine.send(.keyPressed(.enter)) }
        let (finished, reports, reprints) = (await engine.finishedCount, await engine.progress.reports, await engine.progress.reprints)
        await engine.send(.operationRequested(operation))
        if let refusal = await engine.refusal { return ["result": "ERROR", "error": refusal] }

        switch operation {
        case .reprint:
            let receipt = await engine.snapshot.printed.first
            return ["result": "OK", "receipt": receipt.map { Self.receipt($0) } ?? NSNull(), "reprints": reprints + 1]
        case .batch:
            guard let report = await engine.report(after: reports) else { return ["result": "ERROR", "error": "the terminal stopped"] }
            return Self.batch(report)
        case .sale, .preauthorization, .refund:
            if let card = options["card"] {
                let mode = EntryMode(word: options["mode"] ?? "tap")
                guard let mode else { return ["result": "ERROR", "error": "mode is tap, insert or swipe"] }
                var pin: PINEntry?
                if let digits = options["pin"] {
                    do { pin = try PINEntry(digits) } catch { return ["result": "ERROR", "error": "a PIN is 4 to 12 digits"] }
                }
                if case .failure(let problem) = await present(card, mode: mode, pin: pin, application: options["app"]) {
                    return ["result": "ERROR", "error": problem.message]
                }
            }
            guard wait else { return ["result": "OK", "state": HeadlessLine.describe(await engine.snapshot)] }
        case .completion, .void:
            guard wait else { return ["result": "OK", "state": HeadlessLine.describe(await engine.snapshot)] }
        }
        guard let result = await engine.resultOrPINPad(after: finished) else {
            if case .amountEntry = await engine.snapshot.phase {
                let reason = "given up before a result: \(await engine.snapshot.notice ?? "cancelled")"
                return ["result": "FAILED", "reason": reason, "line": "FAILED \(operation.type.rawValue) reason=\"\(reason)\""]
            }
            let waiting = if case .selectingApplication = await engine.snapshot.phase { "SELECT_APPLICATION" } else { "PIN_ENTRY" }
            return ["result": waiting, "state": HeadlessLine.describe(await engine.snapshot)]
        }
        return Self.result(result)
    }

    static func result(_ r: TransactionResult) -> [String: Any] {
        var out: [String: Any] = [
            "line": OperationLine.describe(r), "kind": r.kind.rawValue, "amount": r.amount.minorUnits, "currency": r.amount.currency.code.lowercased(),
            "stan": Int(r.stan), "card": ["brand": r.card.brand.rawValue, "last4": r.card.last4, "entry_mode": r.card.entryMode.rawValue],
            "receipt": receipt(r.receipt),
        ]
        if let merchant = r.merchantReceipt { out["merchant_receipt"] = receipt(merchant) }
        if let reference = r.reference { out["reference_stan"] = Int(reference) }
        switch r.outcome {
        case .approved(let id, let code):
            out["result"] = "APPROVED"
            out["id"] = id
            out["auth_code"] = code ?? NSNull()
        case .declined(let decline, let message, let id):
            out["result"] = "DECLINED"
            out["decline_code"] = decline.rawValue
            out["message"] = message
            out["id"] = id ?? NSNull()
        case .failed(let failure):
            out["result"] = "FAILED"
            out["reason"] = "\(failure)"
        case .approvedOffline(let code):
            // An approval for the user and for scripts (exit 0); the payment goes to the gateway once it answers.
            out["result"] = "APPROVED"
            out["offline"] = true
            out["id"] = NSNull()
            out["auth_code"] = code
        }
        return out
    }

    static func batch(_ r: BatchReport) -> [String: Any] {
        [
            // The gateway could not be asked: the batch could not be reconciled (and a close did not happen).
            "result": r.reconciliation?.result == "unavailable" ? "FAILED" : "OK",
            "batch": r.number, "closed": r.closed, "open_authorizations": r.openAuthorizations,
            "declined_offline": r.declinedOffline.map { ["stan": Int($0.stan), "amount": $0.amount.minorUnits, "currency": $0.amount.currency.code.lowercased(),
                                                         "brand": $0.brand, "last4": $0.last4, "reason": $0.declineCode ?? NSNull()] as [String: Any] },
            "totals": r.totals.map { ["currency": $0.currency.lowercased(), "brand": $0.brand, "type": $0.type, "count": $0.count, "amount": $0.amount] },
            "reconciliation": r.reconciliation.map { rec -> [String: Any] in
                ["result": rec.result, "message": rec.message ?? NSNull(),
                 "differences": rec.differences.map { ["currency": $0.currency.lowercased(), "brand": $0.brand, "type": $0.type,
                                                       "terminal_count": $0.terminalCount, "terminal_amount": $0.terminalAmount,
                                                       "gateway_count": $0.gatewayCount, "gateway_amount": $0.gatewayAmount] }]
            } ?? NSNull(),
        ]
    }

    static func receipt(_ r: Receipt) -> [String: Any] {
        ["copy": r.copy.rawValue, "duplicate": r.duplicate, "width": r.width, "lines": r.lines]
    }

    static func reply(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "error cannot encode the reply" }
        return "json " + String(decoding: data, as: UTF8.self)
    }
}

struct ControlError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
