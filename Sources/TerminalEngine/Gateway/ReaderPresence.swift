import Foundation
import Logging
import PaymentCrypto

/// Keeps a running terminal registered on its gateway as a `terminal.reader`, online with heartbeats, loaded with
/// its DUKPT keys, and fed with its server-driven actions.
///
/// On start it reuses the reader id it stored for this gateway (`<data-dir>/reader-<profile>.json`), or registers
/// with the registration code `vtpe-<profile id>-<terminal id>` at the location given (`--location`), else the
/// gateway's first location, else a new one named after the merchant. Then it sends a heartbeat every `interval`;
/// a gateway that is down is tried again at the next beat, and a reader deleted on the gateway is registered anew.
/// Beside the beats it long-polls the reader's action and hands every change to the engine as
/// `.readerActionChanged`; what to do about it is the transaction state machine's decision.
public actor ReaderPresence {
    private let gateway: any GatewayClient
    private let profile: FirmwareProfile
    private let terminalID: String
    private let locationID: String?
    private let stateFile: URL
    private let interval: Duration
    private let clock: any TerminalClock
    private let logger: Logger
    /// Which gateway the stored reader id belongs to: its URL, or `embedded` (whose port changes every start).
    private let gatewayName: String
    /// Where the keys the gateway loads go (key injection after registration).
    private let keys: TerminalKeyRing?
    public private(set) var readerID: String?
    private var actionVersion: Int64 = 0
    /// The terminal's state for the heartbeat (the network it goes through is the caller's to tell).
    private let status: (@Sendable () async -> ReaderStatus)?

    /// What the reader reports as its `device_sw_version`: the profile's firmware and kernel versions.
    private var softwareVersion: String { "\(profile.firmwareVersion) (kernel \(profile.kernelVersion))" }

    public init(gateway: any GatewayClient, gatewayName: String, profile: FirmwareProfile, terminalID: String, locationID: String?,
                dataDirectory: URL, keys: TerminalKeyRing? = nil, interval: Duration = .seconds(10),
                clock: any TerminalClock = SystemClock(), status: (@Sendable () async -> ReaderStatus)? = nil, logger: Logger) {
        self.gateway = gateway
        self.status = status
        self.keys = keys
        self.gatewayName = gatewayName
        self.profile = profile
        self.terminalID = terminalID
        self.locationID = locationID
        self.stateFile = dataDirectory.appendingPathComponent("reader-\(profile.id).json")
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public var registrationCode: String { "vtpe-\(profile.id)-\(terminalID)" }

    /// Beats until the task is cancelled; with an engine, also follows the reader's server-driven actions.
    public func run(engine: TerminalEngine? = nil) async {
        readerID = storedReaderID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    await self.beat()
                    try? await self.clock.sleep(for: self.interval)
                }
            }
            if let engine {
                group.addTask { await self.followActions(engine: engine) }
            }
        }
    }

    private func followActions(engine: TerminalEngine) async {
        while !Task.isCancelled {
            guard let id = readerID else {
                try? await clock.sleep(for: .milliseconds(500))
                continue
            }
            do {
                let poll = try await gateway.readerAction(readerID: id, after: actionVersion, wait: 10)
                guard poll.version != actionVersion else { continue }
                actionVersion = poll.version
                await engine.send(.readerActionChanged(poll.action))
            } catch {
                if Task.isCancelled { return }
                logger.info("reader action poll: \(String(describing: error).prefix(100)); retrying")
                try? await clock.sleep(for: .seconds(1))
            }
        }
    }

    /// One heartbeat, registering (and loading keys) first when needed.
    public func beat() async {
        do throws(GatewayFailure) {
            if readerID == nil { readerID = try await register() }
            guard let id = readerID else { return }
            let report = ReaderHeartbeat(softwareVersion: softwareVersion, status: await status?())
            if try await gateway.heartbeat(readerID: id, report) == .unknownReader {
                logger.notice("the gateway no longer knows reader \(id); registering again")
                readerID = nil
                actionVersion = 0
                await keys?.discard()
                readerID = try await register()
            }
            if let id = readerID, let keys, !(await keys.isLoaded) { try await injectKeys(reader: id, into: keys) }
        } catch .unreachable(let message) {
            await keys?.noteLoadFailure(.unreachable("the gateway cannot be reached"))
            logger.info("reader heartbeat: gateway unreachable (\(message.prefix(80))); retrying")
        } catch {
            await keys?.noteLoadFailure(error)
            logger.warning("reader heartbeat refused", metadata: ["error": "\(error)"])
        }
    }

    /// Asks the gateway for this reader's DUKPT keys (a new initial key under the location's BDK) and installs them.
    private func injectKeys(reader id: String, into keys: TerminalKeyRing) async throws(GatewayFailure) {
        let injected = try await gateway.injectKeys(readerID: id, scheme: keys.scheme)
        do {
            try await keys.install(initialKey: injected.initialKey, initialKSN: injected.initialKSN, keyScheme: injected.scheme)
        } catch {
            throw .rejected("the loaded keys cannot be installed: \(error)")
        }
        logger.info("DUKPT keys loaded", metadata: ["scheme": "\(injected.scheme)", "ksn": "\(injected.initialKSN)"])
    }

    private func register() async throws(GatewayFailure) -> String {
        let location: String
        if let locationID {
            location = locationID
        } else if let first = try await gateway.firstLocation() {
            location = first
        } else {
            location = try await gateway.createLocation(displayName: profile.merchantName, city: profile.merchantCity, country: profile.country)
        }
        let id = try await gateway.registerReader(ReaderRegistration(registrationCode: registrationCode, location: location,
                                                                      label: "\(profile.name) \(terminalID)", softwareVersion: softwareVersion))
        store(id)
        logger.info("registered as reader \(id) at \(location)")
        return id
    }

    private struct State: Codable {
        var gateway: String
        var reader_id: String
    }

    private func storedReaderID() -> String? {
        guard let data = try? Data(contentsOf: stateFile), let state = try? JSONDecoder().decode(State.self, from: data),
              state.gateway == gatewayName else { return nil }
        return state.reader_id
    }

    private func store(_ id: String) {
        guard let data = try? JSONEncoder().encode(State(gateway: gatewayName, reader_id: id)) else { return }
        try? data.write(to: stateFile, options: .atomic)
    }
}
