import Foundation
import Logging
import NIOHTTP1

/// Keeps a running terminal registered on its gateway as a `terminal.reader` and online with heartbeats.
///
/// On start it reuses the reader id it stored for this gateway (`<data-dir>/reader-<profile>.json`), or registers
/// with the registration code `vtpe-<profile id>-<terminal id>` at the location given (`--location`), else the
/// gateway's first location, else a new one named after the merchant. Then it sends a heartbeat every `interval`;
/// a gateway that is down is tried again at the next beat, and a reader deleted on the gateway is registered anew.
public actor ReaderPresence {
    private let client: HTTPGatewayClient
    private let profile: FirmwareProfile
    private let terminalID: String
    private let locationID: String?
    private let stateFile: URL
    private let interval: Duration
    private let logger: Logger
    /// Which gateway the stored reader id belongs to: its URL, or `embedded` (whose port changes every start).
    private let gatewayName: String
    public private(set) var readerID: String?

    public init(client: HTTPGatewayClient, gatewayName: String, profile: FirmwareProfile, terminalID: String, locationID: String?,
                dataDirectory: URL, interval: Duration = .seconds(10), logger: Logger) {
        self.client = client
        self.gatewayName = gatewayName
        self.profile = profile
        self.terminalID = terminalID
        self.locationID = locationID
        self.stateFile = dataDirectory.appendingPathComponent("reader-\(profile.id).json")
        self.interval = interval
        self.logger = logger
    }

    public var registrationCode: String { "vtpe-\(profile.id)-\(terminalID)" }

    /// Beats until the task is cancelled.
    public func run() async {
        readerID = storedReaderID()
        while !Task.isCancelled {
            await beat()
            try? await Task.sleep(for: interval)
        }
    }

    /// One heartbeat, registering first when needed.
    public func beat() async {
        do {
            if readerID == nil { readerID = try await register() }
            guard let id = readerID else { return }
            let (status, json) = try await client.call(.POST, "/v1/terminal/readers/\(id)/vtpe_heartbeat",
                                                       [("device_sw_version", "vtpe-terminal/0.1")])
            if status == 404 {
                logger.notice("the gateway no longer knows reader \(id); registering again")
                readerID = nil
                readerID = try await register()
            } else if status != 200 {
                logger.warning("reader heartbeat refused", metadata: ["status": "\(status)", "error": "\(Self.message(json))"])
            }
        } catch {
            logger.info("reader heartbeat: gateway unreachable (\(String(describing: error).prefix(80))); retrying")
        }
    }

    private func register() async throws -> String? {
        guard let location = try await location() else { return nil }
        let (status, json) = try await client.call(.POST, "/v1/terminal/readers", [
            ("registration_code", registrationCode), ("location", location),
            ("label", "\(profile.name) \(terminalID)"), ("vtpe_device_sw_version", "vtpe-terminal/0.1"),
        ])
        guard status == 200, let id = json["id"] as? String else {
            logger.warning("reader registration refused", metadata: ["status": "\(status)", "error": "\(Self.message(json))"])
            return nil
        }
        store(id)
        logger.info("registered as reader \(id) at \(location)")
        return id
    }

    private func location() async throws -> String? {
        if let locationID { return locationID }
        let (status, json) = try await client.call(.GET, "/v1/terminal/locations", [("limit", "1")])
        if status == 200, let first = (json["data"] as? [[String: Any]])?.first?["id"] as? String { return first }
        let (created, body) = try await client.call(.POST, "/v1/terminal/locations", [
            ("display_name", profile.merchantName), ("address[city]", profile.merchantCity), ("address[country]", profile.country),
        ])
        guard created == 200, let id = body["id"] as? String else {
            logger.warning("could not create a terminal location", metadata: ["status": "\(created)", "error": "\(Self.message(body))"])
            return nil
        }
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

    private static func message(_ json: [String: Any]) -> String {
        ((json["error"] as? [String: Any])?["message"] as? String) ?? "-"
    }
}
