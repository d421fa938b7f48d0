import ArgumentParser
import Foundation
import Gateway
#if canImport(Glibc)
import Glibc
#endif

/// Where the gateway is and the key to use, for the commands that talk to it as a shop's server does.
struct GatewayAPIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The gateway's URL.", valueName: "url")) var gateway = "http://127.0.0.1:4242"
    @Option(name: .customLong("api-key"), help: ArgumentHelp("Its secret key (default: VTPE_API_KEY, else the key `vtpe gateway` keeps in the data directory).", valueName: "key"))
    var apiKey: String?
    @OptionGroup var data: DataDirectoryOption

    func validate() throws {
        if !(gateway.hasPrefix("http://") || gateway.hasPrefix("https://")) { throw ValidationError("--gateway must be an http(s):// URL, not '\(gateway)'") }
    }

    func api() throws -> GatewayAPI {
        if let apiKey { return GatewayAPI(baseURL: gateway, apiKey: apiKey) }
        if let key = ProcessInfo.processInfo.environment["VTPE_API_KEY"], !key.isEmpty { return GatewayAPI(baseURL: gateway, apiKey: key) }
        let file = APIKeyFile.path(in: data.url)
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw CLIError("no API key: pass --api-key, set VTPE_API_KEY, or run on the gateway's machine (\(file.path) is missing)")
        }
        return GatewayAPI(baseURL: gateway, apiKey: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// `vtpe listen`: the gateway's live event stream, one line per event, as `stripe listen` shows it; `--forward-to`
/// posts each event, signed with a webhook secret, to a local URL (a shop's webhook handler under test).
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Print the gateway's events as they happen, and forward them signed to a URL.",
        discussion: """
        Only events created after the start are shown. With --forward-to each event is POSTed as JSON with a \
        Stripe-Signature header (t=…,v1=…) that the Stripe SDKs verify with the signing secret printed at the start \
        (or given with --secret). Examples:
          vtpe listen
          vtpe listen --events payment_intent.succeeded,charge.* --forward-to http://127.0.0.1:3000/webhook
        """)

    @OptionGroup var connection: GatewayAPIOptions
    @Option(name: .customLong("forward-to"), help: ArgumentHelp("POST each event to this URL, signed.", valueName: "url"))
    var forwardTo: String?
    @Option(help: ArgumentHelp("Only these event types, comma-separated; `*` ends a group (charge.*).", valueName: "types"))
    var events: String?
    @Option(help: ArgumentHelp("The signing secret for --forward-to (default: a new one, printed at the start).", valueName: "whsec_…"))
    var secret: String?
    @Flag(help: "Print each event as one line of JSON instead of a summary line.") var json = false
    @Option(help: ArgumentHelp("Seconds between two looks at the gateway.", valueName: "seconds")) var interval = 0.5

    func validate() throws {
        if let forwardTo, !(forwardTo.hasPrefix("http://") || forwardTo.hasPrefix("https://")) {
            throw ValidationError("--forward-to must be an http(s):// URL, not '\(forwardTo)'")
        }
        if let secret, !secret.hasPrefix("whsec_") { throw ValidationError("--secret must be a webhook signing secret (whsec_…)") }
        guard interval >= 0.05, interval <= 60 else { throw ValidationError("--interval must be between 0.05 and 60 seconds") }
    }

    func run() async throws {
        do {
            try await listen()
        } catch let error as CLIError {
            throw error.exit()
        }
    }

    private func listen() async throws {
        let api = try connection.api()
        let filter = EventFilter(events)
        let signingSecret = secret ?? WebhookSignature.newSecret()
        // Events from now on: the newest one so far is where the stream starts.
        let newest = try await api.get("/v1/events?limit=1")
        guard newest.status == 200 else { throw CLIError("the gateway refused to list events: \(GatewayAPI.message(newest))") }
        var cursor = Self.ids(newest.json).first
        let forwarding = forwardTo.map { " and forwarding them to \($0); the webhook signing secret is \(signingSecret)" } ?? ""
        FileHandle.standardError.write(Data("Ready! Listening to the events of \(api.baseURL) (\(filter.description))\(forwarding) (^C to quit)\n".utf8))
        while true {
            let page = try await api.get("/v1/events?limit=100" + (cursor.map { "&ending_before=\($0)" } ?? ""))
            guard page.status == 200, case .array(let data)? = page.json["data"] else {
                throw CLIError("the gateway refused to list events: \(GatewayAPI.message(page))")
            }
            // A page after the cursor holds the oldest newer events, newest first: shown oldest first.
            for event in data.reversed() {
                guard case .string(let type)? = event["type"], filter.matches(type) else { continue }
                Self.emit(json ? event.compactText : Self.line(event, arrow: "-->", detail: type))
                if let forwardTo { await forward(event, to: forwardTo, secret: signingSecret) }
            }
            if let first = data.first, case .string(let id)? = first["id"] { cursor = id }
            if page.json["has_more"] != true { try await Task.sleep(for: .seconds(interval)) }
        }
    }

    /// Posts one event, signed; prints its answer. A receiver that is down is said, not retried.
    private func forward(_ event: JSONValue, to url: String, secret: String) async {
        let payload = event.data()
        let signature = WebhookSignature.header(payload: payload, secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
        let answer = await WebhookPost.send(payload, to: url, signature: signature)
        let detail = answer.status.map { "[\($0)] POST \(url)" } ?? "[ERROR] POST \(url): \(answer.error ?? "no answer")"
        if !json { Self.emit(Self.line(event, arrow: "<--", detail: detail)) }
    }

    /// One line on stdout at once (unbuffered: a pipe or a file sees each event as it comes).
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// `2026-12-03 13:50:01   --> payment_intent.succeeded [evt_…]`.
    static func line(_ event: JSONValue, arrow: String, detail: String) -> String {
        var created: Int64 = 0
        if case .int(let t)? = event["created"] { created = t }
        var id = "?"
        if case .string(let s)? = event["id"] { id = s }
        return "\(timestamp(created))   \(arrow) \(detail) [\(id)]"
    }

    /// `2026-12-03 13:50:01` (UTC), from the C library's calendar: no formatter made per line.
    static func timestamp(_ unix: Int64) -> String {
        var seconds = time_t(unix)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    static func ids(_ list: JSONValue) -> [String] {
        guard case .array(let data)? = list["data"] else { return [] }
        return data.compactMap { if case .string(let id)? = $0["id"] { id } else { nil } }
    }
}

/// Which event types to show: all, or those named (a name ending in `*` names a group). Pure.
struct EventFilter: CustomStringConvertible {
    let patterns: [String]

    init(_ list: String?) {
        patterns = (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func matches(_ type: String) -> Bool {
        patterns.isEmpty || patterns.contains { $0 == "*" || $0 == type || ($0.hasSuffix("*") && type.hasPrefix($0.dropLast())) }
    }

    var description: String { patterns.isEmpty ? "all events" : "events: " + patterns.joined(separator: ", ") }
}
