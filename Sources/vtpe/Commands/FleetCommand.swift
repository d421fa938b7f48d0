import ArgumentParser
import Foundation
import Gateway

/// `vtpe fleet`: the gateway's terminals as a table — online or not, profile and firmware, battery, network,
/// printer, offline queue and open batch, as their last heartbeat reported them; `--watch` refreshes it.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Show the gateway's terminals as their heartbeats report them.",
        discussion: "Example: vtpe fleet --gateway http://127.0.0.1:4242 --api-key sk_test_… --watch")

    @OptionGroup var connection: GatewayAPIOptions
    @Flag(help: "Refresh the table every --interval seconds until interrupted.") var watch = false
    @Option(help: ArgumentHelp("Seconds between refreshes with --watch.", valueName: "s")) var interval = 2.0

    func validate() throws {
        guard interval >= 0.2, interval <= 3600 else { throw ValidationError("--interval must be between 0.2 and 3600 seconds") }
    }

    func run() async throws {
        let api = try connection.api()
        do {
            repeat {
                let table = try await Self.table(api)
                if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(table)
                if watch { try await Task.sleep(for: .milliseconds(Int64(interval * 1000))) }
            } while watch
        } catch let error as CLIError {
            throw error.exit()
        }
    }

    /// Every reader (all pages), one line each.
    static func table(_ api: GatewayAPI) async throws -> String {
        var readers: [JSONValue] = []
        var after: String?
        repeat {
            let answer = try await api.get("/v1/terminal/readers?limit=100" + (after.map { "&starting_after=\($0)" } ?? ""))
            guard answer.status == 200, case .array(let data)? = answer.json["data"] else {
                throw CLIError("the gateway refused to list readers: \(GatewayAPI.message(answer))")
            }
            readers += data
            after = if case .bool(true)? = answer.json["has_more"], case .string(let id)? = data.last?["id"] { id } else { nil }
        } while after != nil
        return render(readers, now: Date())
    }

    static let columns = ["READER", "LABEL", "STATUS", "PROFILE", "FIRMWARE", "BATTERY", "NETWORK", "PRINTER", "OFFLINE", "BATCH", "SEEN"]

    /// The table, pure: columns padded to their widest cell.
    static func render(_ readers: [JSONValue], now: Date) -> String {
        var rows = [columns]
        for r in readers {
            func text(_ key: String) -> String {
                switch r[key] {
                case .string(let s)?: s
                case .int(let n)?: String(n)
                case .bool(let b)?: b ? "yes" : "no"
                default: "-"
                }
            }
            var battery = text("vtpe_battery_level")
            if battery != "-" { battery += "%" + (text("vtpe_battery_charging") == "yes" ? "+" : "") } else if text("vtpe_profile") != "-" { battery = "mains" }
            var batch = text("vtpe_open_batch")
            if batch != "-" { batch += " (\(text("vtpe_open_batch_transactions")))" }
            var seen = "never"
            if case .int(let ms)? = r["last_seen_at"] { seen = ago(Int64(now.timeIntervalSince1970) - ms / 1000) }
            rows.append([text("id"), text("label"), text("status"), text("vtpe_profile"), text("vtpe_firmware_version"), battery,
                         text("vtpe_network"), text("vtpe_printer"), text("vtpe_offline_queue"), batch, seen])
        }
        let widths = columns.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        let lines = rows.map { row in
            row.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return (lines + (readers.isEmpty ? ["(no terminals yet)"] : [])).joined(separator: "\n")
    }

    static func ago(_ seconds: Int64) -> String {
        switch max(0, seconds) {
        case ..<60: "\(max(0, seconds))s ago"
        case ..<3600: "\(seconds / 60)m ago"
        case ..<86_400: "\(seconds / 3600)h ago"
        default: "\(seconds / 86_400)d ago"
        }
    }
}
