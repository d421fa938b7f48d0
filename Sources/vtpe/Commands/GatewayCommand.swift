import ArgumentParser
import Foundation
import Synchronization
import Gateway
import Hummingbird
import Logging
import NIOCore

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Serve the Stripe-compatible payment API.",
        discussion: """
        Point a Stripe SDK at it by changing only the base URL and key, e.g. with stripe-python:
          stripe.api_base = "http://127.0.0.1:4242"; stripe.api_key = "<the key printed at start>"
        With no --api-key, a secret key is created on first start in the data directory and printed.
        """
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 4242
    @Option(help: ArgumentHelp("Storage: sqlite:PATH (default: gateway.sqlite in the data directory) or postgres://USER[:PASSWORD]@HOST:PORT/DATABASE.", valueName: "url"))
    var database: String?
    @Option(help: ArgumentHelp("Fee configuration (YAML, see docs/api.md; default: fees.yaml in the data directory if present, else 2.9 % + 30 online, 2.7 % + 5 in person).", valueName: "file"))
    var fees: String?
    @Option(name: .customLong("api-key"), help: ArgumentHelp("Secret key clients must send (sk_test_…).", valueName: "key"))
    var apiKey: String?
    @OptionGroup var data: DataDirectoryOption
    @OptionGroup(title: "Webhooks") var webhooks: WebhookOptions
    @Option(name: .customLong("payout-time"), help: ArgumentHelp("When the daily payout of the available balance runs (UTC).", valueName: "HH:MM"))
    var payoutTime = "00:00"
    @Flag(name: .customLong("no-payouts"), help: "This process never runs the daily payout.")
    var noPayouts = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        if let apiKey, !apiKey.hasPrefix("sk_test_") { throw ValidationError("--api-key must be a test secret key (sk_test_…)") }
        _ = try payoutSettings()
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return h
        }
        let logger = Logger(label: "vtpe.gateway")
        do {
            let key: String
            if let apiKey { key = apiKey } else {
                let (stored, created) = try APIKeyFile.loadOrCreate(in: data.url)
                key = stored
                printLine(created ? "Created secret key \(key) (stored in \(APIKeyFile.path(in: data.url).path))"
                              : "Secret key \(key) (from \(APIKeyFile.path(in: data.url).path))")
            }
            let spec = database ?? "sqlite:" + data.url.appendingPathComponent("gateway.sqlite").path
            let store = try await StoreLocator.open(spec, logger: logger)
            let config = GatewayConfiguration(host: host, port: port, apiKeys: [key], fees: try FeeModel.load(explicit: fees, in: data.url),
                                              webhooks: try webhooks.settings(), payouts: try payoutSettings())
            let vault = try CardVault.loadOrCreate(in: data.url)
            let app = GatewayApp.application(store: store, configuration: config, vault: vault, logger: logger) { channel in
                let port = channel.localAddress?.port ?? port
                printLine("vtpe gateway listening on http://\(host):\(port) (database \(StoreLocator.redacted(spec)))")
            }
            // Keys whose request a killed gateway never answered are settled at start and every 30 s.
            let sweep = Task { await InterruptedRequests.run(store: store, logger: logger) }
            defer { sweep.cancel() }
            do {
                try await app.runService()
            } catch {
                await store.shutdown()
                throw CLIError("the gateway stopped: \(Self.explain(error, host: host, port: port))")
            }
            await store.shutdown()
        } catch let error as CLIError {
            throw error.exit()
        } catch {
            throw CLIError("\(error)").exit()
        }
    }

    func payoutSettings() throws -> PayoutSettings {
        let parts = payoutTime.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute) else {
            throw ValidationError("--payout-time must be HH:MM (UTC), e.g. 02:30")
        }
        return PayoutSettings(hour: hour, minute: minute, enabled: !noPayouts)
    }

    static func explain(_ error: any Error, host: String, port: Int) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") {
            return "port \(port) on \(host) is already in use (another gateway?); choose one with --port"
        }
        return text
    }
}

/// True for the first caller only.
final class OnceFlag: Sendable {
    private let taken = Mutex(false)
    func claim() -> Bool { taken.withLock { was in defer { was = true }; return !was } }
}

/// The gateway inside the terminal process: same HTTP server, on a free loopback port.
struct EmbeddedGateway {
    let url: String
    let key: String
    let task: Task<Void, any Error>
    let store: any PaymentStore

    static func start(dataDirectory: URL, logger: Logger) async throws -> EmbeddedGateway {
        let (key, _) = try APIKeyFile.loadOrCreate(in: dataDirectory)
        let store = try await StoreLocator.open("sqlite:" + dataDirectory.appendingPathComponent("gateway.sqlite").path, logger: logger)
        let config = GatewayConfiguration(host: "127.0.0.1", port: 0, apiKeys: [key], fees: try FeeModel.load(explicit: nil, in: dataDirectory))
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let vault = try CardVault.loadOrCreate(in: dataDirectory)
        let app = GatewayApp.application(store: store, configuration: config, vault: vault, logger: logger) { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let task = Task {
            let sweep = Task { await InterruptedRequests.run(store: store, logger: logger) }
            defer { sweep.cancel() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            await store.shutdown()
            throw CLIError("the embedded gateway did not start")
        }
        return EmbeddedGateway(url: "http://127.0.0.1:\(port)", key: key, task: task, store: store)
    }

    /// Stops the server, waiting at most `grace` for requests in flight (a reader's long poll may hold one for up
    /// to its wait): everything committed is already on disk, so a terminal never hangs on its way out.
    func stop(grace: Duration = .seconds(2)) async {
        task.cancel()
        // Not a task group: a group waits for all its children, and awaiting a task's result ignores cancellation.
        let task = self.task
        let finished = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = OnceFlag()
            Task { _ = await task.result; if once.claim() { continuation.resume(returning: true) } }
            Task { try? await Task.sleep(for: grace); if once.claim() { continuation.resume(returning: false) } }
        }
        guard finished else { return }
        await store.shutdown()
    }
}
