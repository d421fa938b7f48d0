import CardReaders
import EMV
import Foundation
import PaymentCore
import TerminalEngine
import TerminalUI

/// Serves the control socket's requests against a running terminal.
///
/// Requests (one line each): `amount 12.34`, `tap CARD [contactless|contact|magstripe] [pin=1234] [wait]`,
/// `keys 1234E [wait]` (keypad: digits, E enter, C cancel, B backspace, M menu), `wait`, `status`,
/// `network [up|down|flaky] [latency=MS] [jitter=MS] [loss=PCT]`, `receipt print|email ADDRESS|none` (the customer's
/// answer to "customer receipt?"), `remove` (the inserted card out of the reader), and the transactions of `TerminalControl+Operations`. Replies: `ok …`, `result APPROVED …`, or `error …`; a waited tap whose card asks for a PIN nobody gave
/// replies `ok PIN_ENTRY …` as soon as the PIN pad opens (the person at the terminal types it).
struct TerminalControl: Sendable {
    let engine: TerminalEngine
    let reader: SimulatedCardReader
    let network: NetworkLink
    /// The reader's registration on the gateway (nil in tests without one).
    var presence: ReaderPresence? = nil

    func handle(_ line: String) async -> String {
        if let object = await object(for: line) { return Self.reply(object) }
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else { return "error empty request" }
        switch verb {
        case "status":
            return "ok " + HeadlessLine.describe(await engine.snapshot)
        case "amount":
            guard words.count == 2 else { return "error usage: amount 12.34" }
            return await enterAmount(words[1])
        case "tap":
            guard words.count >= 2 else { return "error usage: tap CARD [contactless|contact|magstripe] [pin=1234] [wait]" }
            let mode = words.count >= 3 && !words[2].hasPrefix("pin=") && !words[2].hasPrefix("app=") && words[2] != "wait" && words[2] != "fallback"
                ? EntryMode(word: words[2]) : .contactless
            guard let mode else { return "error unknown entry mode '\(words[2].prefix(20))': use contactless, contact or magstripe" }
            var pin: PINEntry?
            if let word = words.first(where: { $0.hasPrefix("pin=") }) {
                do { pin = try PINEntry(String(word.dropFirst(4))) } catch { return "error a PIN is 4 to 12 digits" }
            }
            let app = words.first { $0.hasPrefix("app=") }.map { String($0.dropFirst(4)) }
            return await tap(words[1], mode: mode, pin: pin, application: app, wait: words.last == "wait", fallback: words.contains("fallback"))
        case "keys":
            guard words.count >= 2 else { return "error usage: keys 1234E [wait]" }
            let before = await engine.finishedCount
            for c in words[1] {
                let key: TerminalKey
                switch c {
                case "E": key = .enter
                case "C": key = .cancel
                case "B": key = .backspace
                case "M": key = .menu
                default:
                    guard let d = c.wholeNumberValue else { return "error unknown key '\(c)': use 0-9, E, C, B or M" }
                    key = .digit(d)
                }
                await engine.send(.keyPressed(key))
            }
            guard words.last == "wait" else { return "ok " + HeadlessLine.describe(await engine.snapshot) }
            return await resultLine(after: before)
        case "wait":
            return await resultLine(after: await engine.finishedCount)
        case "network":
            return setNetwork(Array(words.dropFirst()))
        case "battery":
            return await setBattery(Array(words.dropFirst()))
        case "printer":
            return await setPrinter(Array(words.dropFirst()))
        case "receipt":
            return await chooseReceipt(Array(words.dropFirst()))
        case "remove":
            reader.remove()
            return "ok " + HeadlessLine.describe(await engine.snapshot)
        default:
            return "error unknown request '\(verb.prefix(20))': use amount, tap, remove, keys, wait, status, receipt, sale, preauth, complete, void, refund, reprint, batch, network, battery or printer"
        }
    }

    /// The object of a request whose reply is `json {…}` (the transactions and `status json`): `handle` sends it as
    /// that line, callers in this process take it as is; nil for the other requests.
    func object(for line: String) async -> [String: Any]? {
        let words = line.split(separator: " ").map(String.init)
        switch words.first {
        case "sale", "preauth", "complete", "void", "refund", "reprint", "batch": return await operation(words[0], Array(words.dropFirst()))
        case "status" where words.dropFirst().first == "json": return await status()
        default: return nil
        }
    }

    /// `receipt print|email ADDRESS|none`: the customer's answer to "customer receipt?".
    private func chooseReceipt(_ words: [String]) async -> String {
        let answer: ReceiptAnswer
        switch (words.first, words.count) {
        case ("print", 1): answer = .print
        case ("none", 1): answer = .none
        case ("email", 2): answer = .email(words[1])
        default: return "error usage: receipt print|email ADDRESS|none"
        }
        let before = await engine.snapshot
        guard let offer = before.receiptOffer else {
            return "error no receipt question is on screen (the profile prints the customer copy \(before.profile.receipt.customerCopy.rawValue))"
        }
        await engine.send(.receiptChosen(answer))
        let after = await engine.snapshot
        if after.receiptOffer != nil, let notice = after.notice { return "error " + notice + " (offered: \(offer.choices.map(\.rawValue).joined(separator: ", ")))" }
        return "ok " + HeadlessLine.describe(after)
    }

    private func resultLine(after count: Int) async -> String {
        guard let result = await engine.result(after: count) else { return "error the terminal stopped" }
        return "result " + ResultLine.describe(result)
    }

    private func enterAmount(_ text: String) async -> String {
        let snapshot = await engine.snapshot
        let currency = snapshot.profile.currency
        let money: Money
        do { money = try Money.parse(text, currency: currency) } catch {
            return "error invalid amount '\(text.prefix(20))': \(error.message)"
        }
        guard money.minorUnits > 0 else { return "error the amount must be above zero" }
        guard money.minorUnits <= snapshot.profile.limits.maxAmount.minorUnits else {
            return "error the amount is over this terminal's maximum of \(snapshot.profile.limits.maxAmount.formatted(withCode: true))"
        }
        switch snapshot.phase {
        case .amountEntry, .finished: break
        // No card read yet and no server-driven sale: the new amount replaces the old one.
        case .waitingForCard where snapshot.serverPaymentIntent == nil: await engine.send(.keyPressed(.cancel))
        default: return "error the terminal is busy (\(HeadlessLine.describe(snapshot))); finish or cancel the current sale first"
        }
        if case .finished = snapshot.phase {
            // The next sale answers the receipt question, if one is asked, with "no receipt".
            if snapshot.receiptOffer != nil { await engine.send(.receiptChosen(.none)) }
            await engine.send(.keyPressed(.enter))
        }
        await engine.send(.keyPressed(.cancel))
        for digit in String(money.minorUnits) { await engine.send(.keyPressed(.digit(digit.wholeNumberValue!))) }
        await engine.send(.keyPressed(.enter))
        return "ok " + HeadlessLine.describe(await engine.snapshot)
    }

    private func tap(_ card: String, mode: EntryMode, pin: PINEntry?, application: String?, wait: Bool, fallback: Bool) async -> String {
        if let problem = await notWaitingForCard() { return "error " + problem }
        let before = await engine.finishedCount
        if fallback, mode == .magstripe {
            // The chip is tried first and does not answer; the terminal then asks for the stripe.
            do {
                let dead = try reader.presentation(of: reader.card(for: card), mode: .contact, now: Date(), damagedChip: true)
                await engine.send(.cardPresented(dead))
            } catch {
                return "error \(error.description)"
            }
            await engine.waitUntil { p in
                if case .waitingForCard = p.snapshot.phase { return p.snapshot.notice == "Chip read failed: swipe the card" }
                return p.finishedCount > before
            }
            guard case .waitingForCard = await engine.snapshot.phase else {
                return "error the chip read did not fall back to the stripe (\(HeadlessLine.describe(await engine.snapshot)))"
            }
        }
        let presentation: CardPresentation
        switch await present(card, mode: mode, pin: pin, application: application) {
        case .success(let p): presentation = p
        case .failure(let problem): return "error " + problem.message
        }
        guard wait else { return "ok presented \(presentation)" }
        // The result, unless the PIN pad opens first with nobody here to type: then say so at once.
        guard let result = await engine.resultOrPINPad(after: before) else {
            let now = await engine.snapshot
            if case .amountEntry = now.phase { return "result FAILED reason=\"given up before a result: \(now.notice ?? "cancelled")\"" }
            return "ok " + HeadlessLine.describe(now)
        }
        return "result " + ResultLine.describe(result)
    }
}

extension TerminalControl {
    /// Why the terminal cannot take a card now (nil when it waits for one).
    func notWaitingForCard() async -> String? {
        let snapshot = await engine.snapshot
        switch snapshot.phase {
        case .waitingForCard: return nil
        case .tipEntry: return "the cardholder is choosing a tip on the terminal; give --tip to skip the prompt"
        default: return "the terminal is not waiting for a card (\(HeadlessLine.describe(snapshot))); enter an amount first"
        }
    }

    /// Presents a simulator card, fed straight to the engine (not through the reader's queue) so the reply can say
    /// whether the terminal took it.
    func present(_ card: String, mode: EntryMode, pin: PINEntry?, application: String?) async -> Result<CardPresentation, ControlError> {
        if let problem = await notWaitingForCard() { return .failure(ControlError(problem)) }
        var presentation: CardPresentation
        do { presentation = try reader.presentation(of: reader.card(for: card), mode: mode, pin: pin, now: Date()) } catch {
            return .failure(ControlError(error.description))
        }
        presentation.application = application
        await engine.send(.cardPresented(presentation))
        let after = await engine.snapshot
        if case .waitingForCard = after.phase { return .failure(ControlError("card refused: \(after.notice ?? "the terminal did not accept it")")) }
        return .success(presentation)
    }
}

extension EntryMode {
    /// `tap`/`contactless`, `insert`/`contact`/`chip`, `swipe`/`magstripe`.
    init?(word: String) {
        switch word.lowercased() {
        case "tap", "contactless", "contactless_emv": self = .contactless
        case "insert", "contact", "chip", "contact_emv": self = .contact
        case "swipe", "magstripe", "magnetic_stripe_track2": self = .magstripe
        default: return nil
        }
    }
}
