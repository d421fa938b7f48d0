import ArgumentParser
import Foundation
import PaymentCore

/// What the running terminal is doing and how it is: for the person in the field and for scripts.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the running terminal's state: profile, reader, network, printer, open batch, reversals owed.",
        discussion: "With --json, the same as one JSON object (docs/networks.md, docs/transactions.md)."
    )

    @OptionGroup var connection: TerminalConnection
    @Flag(help: "Print the state as JSON.") var json = false

    func run() async throws {
        let reply = try await connection.ask("status json")
        guard reply.hasPrefix("json "), let object = try? JSONSerialization.jsonObject(with: Data(reply.dropFirst(5).utf8)) as? [String: Any] else {
            throw CLIError("unexpected answer from the terminal: \(reply.prefix(200))").exit()
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(Self.lines(object).joined(separator: "\n"))
    }

    /// A `{"currency": …, "amount": minor units}` object as people read it: `EUR 12.00`.
    static func money(_ object: [String: Any]) -> String {
        let code = object["currency"] as? String ?? ""
        let minor = (object["amount"] as? NSNumber)?.int64Value ?? 0
        return (try? Currency(code: code)).map { Money(minorUnits: minor, currency: $0).formatted(withCode: true) } ?? "\(minor) \(code)"
    }

    /// The human form: one line per part.
    static func lines(_ o: [String: Any]) -> [String] {
        func dict(_ key: String) -> [String: Any] { o[key] as? [String: Any] ?? [:] }
        let profile = dict("profile"), reader = dict("reader"), network = dict("network"), batch = dict("batch")
        var lines = [
            "terminal  \(o["terminal_id"] ?? "?") — \(profile["name"] ?? "?") (\(profile["id"] ?? "?"), \(profile["form_factor"] ?? "?"))",
            "state     \(o["state"] ?? "?")",
            "reader    \(reader["name"] ?? "?")" + ((reader["id"] as? String).map { ", registered as \($0)" } ?? ", not registered yet"),
            "gateway   \(o["gateway"] ?? "?")",
            "network   \(network["state"] ?? "?")" + (network["scheduled_outage"] as? Bool == true ? " (scheduled outage)" : "")
                + " latency=\(network["latency_ms"] ?? 0)ms jitter=\(network["jitter_ms"] ?? 0)ms loss=\(network["loss_percent"] ?? 0)%"
                + " requests=\(network["requests"] ?? 0) lost=\(network["lost"] ?? 0)",
        ]
        if let battery = o["battery"] as? [String: Any] {
            let level = Int((battery["level"] as? Double ?? 0).rounded(.down))
            let state = battery["refuses_transactions"] as? Bool == true ? ", too low: new transactions refused" : battery["low"] as? Bool == true ? ", low" : ""
            lines.append("battery   \(level) %\(battery["charging"] as? Bool == true ? " charging" : "")\(state) (\(battery["capacity_mah"] ?? "?") mAh)")
        } else {
            lines.append("battery   mains")
        }
        if let printer = o["printer"] as? [String: Any] {
            lines.append("printer   \(printer["state"] ?? "?"), \(printer["columns"] ?? "?") columns, \(printer["held_receipts"] ?? 0) receipts held")
        } else {
            lines.append("printer   none (e-receipts)")
        }
        lines.append("batch     \(batch["number"] ?? "?"): \(batch["transactions"] ?? 0) transactions, \(batch["open_authorizations"] ?? 0) open pre-authorizations")
        for total in batch["totals"] as? [[String: Any]] ?? [] {
            lines.append("          \(total["type"] ?? "") \(total["brand"] ?? ""): \(total["count"] ?? 0) for \(money(total))")
        }
        let offline = o["offline"] as? [String: Any] ?? [:]
        if offline["enabled"] as? Bool == true || (offline["pending"] as? Int ?? 0) > 0 {
            let amounts = (offline["totals"] as? [[String: Any]] ?? []).map(money)
            let oldest = (offline["oldest"] as? Int).map { " since \(Date(timeIntervalSince1970: TimeInterval($0)).formatted(.iso8601))" } ?? ""
            lines.append("offline   \(offline["pending"] ?? 0) to forward" + (amounts.isEmpty ? "" : " (\(amounts.joined(separator: ", ")))") + oldest)
        } else {
            lines.append("offline   not taken on this profile")
        }
        lines.append("reversals \(o["reversals_pending"] ?? 0) pending")
        return lines
    }
}
