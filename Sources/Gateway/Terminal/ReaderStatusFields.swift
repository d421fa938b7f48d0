/// The `vtpe_` fields a running vtpe terminal reports with its heartbeat, as `GET /v1/terminal/readers` shows them:
/// `profile`, `firmware_version`, `kernel_version` (text), `battery_level` (percent) and `battery_charging` (absent on
/// mains power), `network` (up, down, flaky), `printer` (ready, out_of_paper, cover_open, none), `offline_queue`,
/// `open_batch` and `open_batch_transactions` (counts).
enum ReaderStatusFields {
    static let texts = ["profile", "firmware_version", "kernel_version"]
    static let counts = ["offline_queue", "open_batch", "open_batch_transactions"]
    static let all = texts + ["battery_level", "battery_charging", "network", "printer"] + counts
    static let networks = ["up", "down", "flaky"]
    static let printers = ["ready", "out_of_paper", "cover_open", "none"]

    /// The fields of a heartbeat, checked; nil when it has none (an older terminal, or `simulated-wpe`).
    static func parse(_ params: inout FormParams) throws(APIError) -> JSONValue? {
        var out: [(String, JSONValue)] = []
        for name in texts {
            guard let v = try params.string("vtpe_" + name) else { continue }
            guard !v.isEmpty, v.count <= 64 else { throw APIError.invalidRequest("Invalid vtpe_\(name): 1 to 64 characters.", param: "vtpe_" + name) }
            out.append((name, .string(v)))
        }
        if let level = try params.integer("vtpe_battery_level", range: 0...100) { out.append(("battery_level", .int(level))) }
        if let charging = try params.bool("vtpe_battery_charging") { out.append(("battery_charging", .bool(charging))) }
        for (name, allowed) in [("network", networks), ("printer", printers)] {
            guard let v = try params.string("vtpe_" + name) else { continue }
            guard allowed.contains(v) else {
                throw APIError.invalidRequest("Invalid vtpe_\(name): one of \(allowed.joined(separator: ", ")).", param: "vtpe_" + name)
            }
            out.append((name, .string(v)))
        }
        for name in counts {
            if let n = try params.integer("vtpe_" + name, range: 0...1_000_000_000) { out.append((name, .int(n))) }
        }
        return out.isEmpty ? nil : .object(out)
    }
}
