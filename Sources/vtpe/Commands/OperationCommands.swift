import ArgumentParser
import CardReaders
import Foundation

/// What every transaction command shares: where the terminal is, the card to present, and how to answer.
struct OperationOptions: ParsableArguments {
    @OptionGroup var connection: TerminalConnection
    @Option(help: ArgumentHelp("Present this simulator card in the same call (a catalog name, number, pm_card_… id or key 1-9).", valueName: "card"))
    var card: String?
    @Option(help: "How the card is presented: tap, insert or swipe.") var mode = "tap"
    @Option(help: ArgumentHelp("The PIN the cardholder types when the card asks for one (4-12 digits).", valueName: "digits"))
    var pin: String?
    @Option(help: ArgumentHelp("The application the cardholder picks on a co-badged card (its label or position).", valueName: "app"))
    var app: String?
    @Flag(help: "Wait for the result and print it (one line).") var wait = false
    @Flag(help: "Print the whole result as JSON (implies --wait).") var json = false

    func validate() throws {
        if EntryMode(word: mode) == nil { throw ValidationError("--mode must be tap, insert or swipe") }
        if let pin, !((4...12).contains(pin.count) && pin.allSatisfy({ $0.isASCII && $0.isNumber })) {
            throw ValidationError("--pin must be 4 to 12 digits")
        }
    }

    /// The request's card and waiting words.
    var words: [String] {
        var w: [String] = []
        if let card { w += ["card=\(card)", "mode=\(EntryMode(word: mode)!.rawValue)"] }
        if let pin { w.append("pin=\(pin)") }
        if let app { w.append("app=\(app)") }
        if wait || json { w.append("wait") }
        return w
    }

    /// Sends one request and prints the answer: the result line (or JSON); exit 0 approved, 3 declined, 4 not
    /// completed, 5 waiting for a PIN at the terminal, 2 refused or bad input, 1 no terminal.
    func send(_ request: String, print printing: (([String: Any]) -> String?)? = nil) async throws {
        let reply = try await connection.ask(request)
        guard reply.hasPrefix("json "), let object = try? JSONSerialization.jsonObject(with: Data(reply.dropFirst(5).utf8)) as? [String: Any] else {
            throw CLIError("unexpected answer from the terminal: \(reply.prefix(200))").exit()
        }
        let result = object["result"] as? String ?? "ERROR"
        if result == "ERROR" { throw CLIError(object["error"] as? String ?? "refused", exitCode: 2).exit() }
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            Swift.print(String(decoding: data, as: UTF8.self))
        } else if let text = printing?(object) ?? (object["line"] as? String) ?? (object["state"] as? String) {
            Swift.print(text)
        }
        switch result {
        case "DECLINED": throw ExitCode(3)
        case "FAILED": throw ExitCode(4)
        case "PIN_ENTRY", "SELECT_APPLICATION": throw ExitCode(5)
        default: return
        }
    }
}

struct SaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sale", abstract: "Start a sale on the running terminal.",
        discussion: "Example: `vtpe sale 12.34 --tip 1.50 --card visa --wait`. Without --tip a profile with a tip prompt asks the cardholder.")
    @Argument(help: "The amount, e.g. 12.34.") var amount: String
    @Option(help: ArgumentHelp("A tip added to the amount (skips the terminal's tip prompt).", valueName: "amount")) var tip: String?
    @Option(help: ArgumentHelp("Send the e-receipt to this address (profiles with receipt.email; written to <data-dir>/outbox/).", valueName: "address"))
    var email: String?
    @Option(help: ArgumentHelp("prefer_online (default: offline only when the gateway cannot be reached and the profile allows), require_online or force_offline.",
                               valueName: "behavior"))
    var offlineBehavior = "prefer_online"
    @OptionGroup var options: OperationOptions
    func validate() throws {
        if !["prefer_online", "require_online", "force_offline"].contains(offlineBehavior) {
            throw ValidationError("--offline-behavior is prefer_online, require_online or force_offline")
        }
    }
    func run() async throws {
        try await options.send((["sale", amount] + (tip.map { ["tip=\($0)"] } ?? []) + (email.map { ["email=\($0)"] } ?? [])
            + ["offline=\(offlineBehavior)"] + options.words).joined(separator: " "))
    }
}

struct PreauthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "preauth", abstract: "Start a pre-authorization (completed later with `vtpe complete`).")
    @Argument(help: "The amount to authorize.") var amount: String
    @OptionGroup var options: OperationOptions
    func run() async throws { try await options.send((["preauth", amount] + options.words).joined(separator: " ")) }
}

struct CompleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "complete", abstract: "Complete a pre-authorization of the open batch.",
        discussion: "AMOUNT defaults to the authorized one; below it the rest is released; above it an incremental authorization comes first where the profile allows it.")
    @Argument(help: "The pre-authorization's STAN.") var stan: String
    @Argument(help: "The final amount.") var amount: String?
    @OptionGroup var options: OperationOptions
    func run() async throws { try await options.send((["complete", stan] + (amount.map { [$0] } ?? []) + options.words).joined(separator: " ")) }
}

struct VoidCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "void", abstract: "Void a transaction of the open batch (cancel if uncaptured, refund in full if captured).")
    @Argument(help: "The transaction's STAN.") var stan: String
    @OptionGroup var options: OperationOptions
    func run() async throws { try await options.send((["void", stan] + options.words).joined(separator: " ")) }
}

struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "refund", abstract: "Refund to the card presented: of an earlier transaction (--of) or, where the profile allows, of none.")
    @Argument(help: "The amount to refund.") var amount: String
    @Option(name: .customLong("of"), help: ArgumentHelp("The STAN of the transaction refunded.", valueName: "stan")) var of: String?
    @OptionGroup var options: OperationOptions
    func run() async throws { try await options.send((["refund", amount] + (of.map { ["of=\($0)"] } ?? []) + options.words).joined(separator: " ")) }
}

struct ReprintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reprint", abstract: "Print a duplicate of the last receipt, or of a transaction's.")
    @Argument(help: "The transaction's STAN (default: the last one).") var stan: String?
    @Option(help: "Which copy: merchant or customer.") var copy = "customer"
    @OptionGroup var options: OperationOptions
    func validate() throws { if !["merchant", "customer"].contains(copy) { throw ValidationError("--copy must be merchant or customer") } }
    func run() async throws {
        try await options.send((["reprint"] + (stan.map { [$0] } ?? []) + ["copy=\(copy)"]).joined(separator: " ")) { object in
            ((object["receipt"] as? [String: Any])?["lines"] as? [String])?.joined(separator: "\n")
        }
    }
}

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch", abstract: "End of day: `report` (X, the batch stays open) or `close` (Z: reconciled, the next batch opens).")
    @Argument(help: "report or close.") var action: String
    @OptionGroup var options: OperationOptions
    func validate() throws { if !["report", "close"].contains(action) { throw ValidationError("give report or close") } }
    func run() async throws {
        try await options.send("batch \(action)") { object in
            let totals = (object["totals"] as? [[String: Any]] ?? []).map { t in
                "  \(t["type"] ?? "") \(t["brand"] ?? "") \((t["currency"] as? String ?? "").uppercased()) count=\(t["count"] ?? 0) amount=\(t["amount"] ?? 0)"
            }
            let reconciliation = object["reconciliation"] as? [String: Any]
            let differences = (reconciliation?["differences"] as? [[String: Any]] ?? []).map { d in
                "  difference \(d["type"] ?? "") \(d["brand"] ?? "") \((d["currency"] as? String ?? "").uppercased()): terminal \(d["terminal_count"] ?? 0)/\(d["terminal_amount"] ?? 0), gateway \(d["gateway_count"] ?? 0)/\(d["gateway_amount"] ?? 0)"
            }
            let head = "BATCH \(object["batch"] ?? 0) \((object["closed"] as? Bool) == true ? "CLOSED" : "OPEN") reconciliation=\(reconciliation?["result"] ?? "-")"
                + ((reconciliation?["message"] as? String).map { " message=\"\($0)\"" } ?? "")
            return ([head] + totals + differences).joined(separator: "\n")
        }
    }
}
