import CardReaders
import CardReadersUSB
import EMV
import Foundation
import Logging
import NIOCore
import PaymentCore
import TerminalEngine

/// Where a terminal's gateway is: its URL, API key and how the terminal names it.
struct GatewayEndpoint: Sendable {
    var url: String
    var apiKey: String
    var label: String
    /// What the reader registration remembers the gateway by (`embedded`, whose port changes, or the URL).
    var name: String

    /// `--gateway embedded` (started here, on `dataDirectory`) or a URL with its key (`--api-key`, else VTPE_API_KEY).
    static func resolve(_ gateway: String, apiKey: String?, dataDirectory: URL) async throws -> (GatewayEndpoint, EmbeddedGateway?) {
        guard gateway == "embedded" else {
            guard let key = apiKey ?? ProcessInfo.processInfo.environment["VTPE_API_KEY"], !key.isEmpty else {
                throw CLIError("a remote gateway needs --api-key (or VTPE_API_KEY)", exitCode: 2)
            }
            return (GatewayEndpoint(url: gateway, apiKey: key, label: gateway, name: gateway), nil)
        }
        let e = try await EmbeddedGateway.start(dataDirectory: dataDirectory, logger: Logger(label: "vtpe.gateway"))
        return (GatewayEndpoint(url: e.url, apiKey: e.key, label: "embedded (\(e.url))", name: "embedded"), e)
    }
}

/// One running terminal, as `vtpe terminal` and `vtpe scenario` build it: the journal (recovered first), the
/// gateway client behind the emulated network, the engine with its simulated reader, the reader registration on the
/// gateway and the background work. The one way a terminal is put together.
final class TerminalSession: Sendable {
    let profile: FirmwareProfile
    let identity: TerminalIdentity
    let engine: TerminalEngine
    let reader: SimulatedCardReader
    /// The USB reader the cards come from besides the simulator (`vtpe terminal --reader usb`); nil: the simulator only.
    let hardware: (any HardwareCardReader)?
    let link: NetworkLink
    let presence: ReaderPresence
    let keys: TerminalKeyRing
    let client: HTTPGatewayClient
    /// What the journal said the last run left unfinished, resolved at open (one line per transaction).
    let recovered: [String]
    private let tasks: [Task<Void, Never>]

    var control: TerminalControl { TerminalControl(engine: engine, reader: reader, network: link, presence: presence) }

    /// Opens the terminal of `profile` on `dataDirectory`. A damaged journal is an error that says how to recover.
    init(profile: FirmwareProfile, dataDirectory dir: URL, gateway: GatewayEndpoint, gatewayTimeout: Double, location: String?,
         networkSeed: UInt64? = nil, hardware: (any HardwareCardReader)? = nil, logger: Logger) throws {
        self.profile = profile
        self.hardware = hardware
        // The journal (docs/offline.md, "Crash safety"): a damaged one stops the terminal with how to recover, never
        // replaced; what the last run left unfinished is resolved before anything else runs.
        let database = try TerminalDatabase(dataDirectory: dir, profileID: profile.id)
        recovered = try database.recover(now: Date())
        for note in recovered { logger.notice("recovered after a restart", metadata: ["transaction": "\(note)"]) }
        keys = TerminalKeyRing(dataDirectory: dir, profileID: profile.id, gatewayName: gateway.name, scheme: profile.keyManagement)
        // Every request to the gateway goes through the emulated network the profile starts with (`vtpe network`).
        link = NetworkLink(conditions: profile.network.conditions, schedule: profile.network.outages, seed: networkSeed ?? profile.network.seed)
        client = HTTPGatewayClient(baseURL: gateway.url, apiKey: gateway.apiKey, label: gateway.label,
                                   timeout: .milliseconds(Int64(gatewayTimeout * 1000)), keys: keys, link: link, logger: logger)
        identity = try database.identity()
        let reader = SimulatedCardReader()
        self.reader = reader
        engine = TerminalEngine(profile: profile, identity: identity, database: database, gateway: client, dataDirectory: dir,
                                readerName: hardware?.name ?? reader.name, journal: try database.batch(), presentedCards: { pan, mode in
            // The card a QA script presented through the API, read by the simulator like `vtpe tap`; a card
            // without a chip for that interface (contact only, contactless only) is tried the other way.
            guard let card = try? reader.card(for: pan.revealDigits()) else { return nil }
            if let presented = try? reader.presentation(of: card, mode: mode, pin: try? PINEntry("1234")) { return presented }
            return try? reader.presentation(of: card, mode: mode == .contact ? .contactless : .contact, pin: try? PINEntry("1234"))
        }, logger: logger)
        let (statusEngine, statusLink) = (engine, link)
        presence = ReaderPresence(gateway: client, gatewayName: gateway.name, profile: profile, terminalID: identity.terminalID, locationID: location,
                                  dataDirectory: dir, keys: keys, interval: Self.heartbeatInterval, status: {
            ReaderStatus(snapshot: await statusEngine.snapshot, network: statusLink.effectiveState.rawValue)
        }, logger: logger)
        let (engine, presence) = (self.engine, self.presence)
        tasks = [Task { await engine.runBackgroundWork() }, Task { await presence.run(engine: engine) }]
        Task { await engine.attach(reader) }
        // A USB reader's cards go to the same engine; the simulator stays for `vtpe tap` and the QA panel.
        if let hardware { Task { await engine.attach(hardware) } }
    }

    /// Between heartbeats: 10 s, or VTPE_HEARTBEAT_INTERVAL seconds (tests of the fleet view).
    static var heartbeatInterval: Duration {
        .seconds(Double(ProcessInfo.processInfo.environment["VTPE_HEARTBEAT_INTERVAL"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 10)
    }

    /// Waits until the gateway has loaded the terminal's DUKPT keys (registered as a reader), at most `timeout`.
    func waitForKeys(timeout: Duration) async -> Bool { await keys.waitUntilLoaded(timeout: timeout) }

    /// A clean stop: background work ends, the HTTP client closes.
    func stop() async {
        hardware?.stop()
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.result }
        await client.shutdown()
    }

    /// Dies at once, as a SIGKILL would: the engine halts (nothing more written, shown or sent) and the background
    /// work stops; the journal on disk is what a new session on the same directory finds.
    func kill() async {
        await engine.halt()
        for task in tasks { task.cancel() }
        await client.shutdown()
    }
}
