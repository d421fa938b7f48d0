import Foundation
import Logging
import NIOHTTP1
import CardReaders
import PaymentCore

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
    /// Where the keys the gateway loads go (key injection after registration).
    private let keys: TerminalKeyRing?
    public private(set) var readerID: String?

    public init(client: HTTPGatewayClient, gatewayName: String, profile: FirmwareProfile, terminalID: String, locationID: String?,
                dataDirectory: URL, keys: TerminalKeyRing? = nil, interval: Duration = .seconds(10), logger: Logger) {
        self.client = client
        self.keys = keys
        self.gatewayName = gatewayName
        self.profile = profile
        self.terminalID = terminalID
        self.locationID = locationID
        self.stateFile = dataDirectory.appendingPathComponent("reader-\(profile.id).json")
        self.interval = interval
        self.logger = logger
    }

    public var registrationCode: String { "vtpe-\(profile.id)-\(terminalID)" }

    /// Beats until the task is cancelled; with an engine, also takes the reader's server-driven actions: a
    /// `process_payment_intent` starts a sale for that intent's amount, the card a QA script presents
    /// (`present_payment_method`) is read by `presentCard` and handed to the engine, the engine confirms the intent, and the result is
    /// reported back; `cancel_action` cancels the sale while it waits for a card.
    public func run(engine: TerminalEngine? = nil, presentCard: (@Sendable (String) async -> CardPresentation?)? = nil) async {
        readerID = storedReaderID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    await self.beat()
                    try? await Task.sleep(for: self.interval)
                }
            }
            if let engine, let presentCard {
                group.addTask { await self.followActions(engine: engine, presentCard: presentCard) }
            }
        }
    }

    private var actionVersion: Int64 = 0
    private var currentIntent: String?
    private var cardTaken = false

    private func followActions(engine: TerminalEngine, presentCard: @Sendable (String) async -> CardPresentation?) async {
        while !Task.isCancelled {
            guard let id = readerID else {
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            do {
                let (status, json) = try await client.call(.GET, "/v1/terminal/readers/\(id)/vtpe_action",
                                                           [("after", String(actionVersion)), ("wait", "10")])
                guard status == 200 else {
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                actionVersion = (json["vtpe_action_version"] as? NSNumber)?.int64Value ?? actionVersion
                await handle(json, reader: id, engine: engine, presentCard: presentCard)
            } catch {
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func handle(_ json: [String: Any], reader id: String, engine: TerminalEngine,
                        presentCard: @Sendable (String) async -> CardPresentation?) async {
        let action = json["action"] as? [String: Any]
        let inProgress = action?["status"] as? String == "in_progress"
        if !inProgress, currentIntent != nil {
            // Canceled through the API: give up the sale if it still waits for a card.
            if case .waitingForCard = await engine.snapshot.phase { await engine.send(.keyPressed(.cancel)) }
            currentIntent = nil
            return
        }
        if action?["type"] as? String == "set_reader_display" {
            return await showCart(action, inProgress: inProgress, reader: id, engine: engine)
        }
        guard inProgress, action?["type"] as? String == "process_payment_intent",
              let intent = (action?["process_payment_intent"] as? [String: Any])?["payment_intent"] as? String else { return }
        do {
            if currentIntent != intent {
                let (status, pi) = try await client.call(.GET, "/v1/payment_intents/\(intent)")
                guard status == 200, let minor = (pi["amount"] as? NSNumber)?.int64Value, let code = pi["currency"] as? String,
                      let currency = try? Currency(code: code.uppercased()) else {
                    return await report(id, failure: ("intent_unavailable", "The terminal could not read \(intent)."))
                }
                let amount = Money(minorUnits: minor, currency: currency)
                await engine.send(.serverSale(amount: amount, paymentIntent: intent))
                guard case .waitingForCard = await engine.snapshot.phase else {
                    return await report(id, failure: ("terminal_busy", await engine.snapshot.notice ?? "The terminal cannot take this sale now."))
                }
                currentIntent = intent
                cardTaken = false
                logger.info("server-driven sale \(intent): \(amount)")
            }
            guard !cardTaken, let number = (json["vtpe_presented_card"] as? [String: Any])?["number"] as? String else { return }
            cardTaken = true
            if let tip = (action?["vtpe_amount_tip"] as? NSNumber)?.int64Value, tip > 0,
               case .waitingForCard(let amount) = await engine.snapshot.phase {
                // The tip chosen "on the reader" becomes part of the intent's amount before the card is read.
                let (status, body) = try await client.call(.POST, "/v1/payment_intents/\(intent)", [
                    ("amount", String(amount.minorUnits + tip)), ("amount_details[tip][amount]", String(tip)),
                ])
                guard status == 200 else {
                    await engine.send(.keyPressed(.cancel))
                    currentIntent = nil
                    return await report(id, failure: ("intent_invalid", "The tip could not be added: \(Self.message(body))"))
                }
                await engine.send(.tipAdded(Money(minorUnits: tip, currency: amount.currency)))
            }
            let before = await engine.finishedCount
            let card = await presentCard(number)
            if let card { await engine.send(.cardPresented(card)) }
            let snapshot = await engine.snapshot
            if card == nil || snapshotIsWaiting(snapshot) {
                // Unknown card, or one this terminal refused (interface, limit): the sale does not go on.
                let reason = snapshot.notice ?? "The presented card could not be read."
                await engine.send(.keyPressed(.cancel))
                currentIntent = nil
                return await report(id, failure: ("card_read_error", reason))
            }
            let result = await engine.result(after: before)
            currentIntent = nil
            switch result.outcome {
            case .approved:
                _ = try await client.call(.POST, "/v1/terminal/readers/\(id)/vtpe_action_result", [("status", "succeeded")])
            case .declined(let code, let message, _):
                await report(id, failure: (code.stripeErrorCode == "card_declined" ? "card_declined" : code.stripeErrorCode, message))
            case .failed(let failure):
                await report(id, failure: ("processing_error", "\(failure)"))
            }
        } catch {
            logger.info("server-driven action: gateway unreachable (\(String(describing: error).prefix(80)))")
        }
    }

    /// `set_reader_display`: the cart goes on the terminal's screen and the action succeeds; a cancelled display
    /// takes it away again.
    private func showCart(_ action: [String: Any]?, inProgress: Bool, reader id: String, engine: TerminalEngine) async {
        guard inProgress else {
            if action?["failure_code"] as? String == "canceled", await engine.snapshot.cart != nil { await engine.send(.showCart(nil)) }
            return
        }
        guard let cart = (action?["set_reader_display"] as? [String: Any])?["cart"] as? [String: Any],
              let code = cart["currency"] as? String, let currency = try? Currency(code: code.uppercased()),
              let total = (cart["total"] as? NSNumber)?.int64Value else {
            return await report(id, failure: ("invalid_cart", "The terminal could not read the cart."))
        }
        let items = (cart["line_items"] as? [[String: Any]] ?? []).map { item in
            CartDisplay.LineItem(description: item["description"] as? String ?? "",
                                 quantity: (item["quantity"] as? NSNumber)?.intValue ?? 1,
                                 amount: Money(minorUnits: (item["amount"] as? NSNumber)?.int64Value ?? 0, currency: currency))
        }
        let tax = (cart["tax"] as? NSNumber).map { Money(minorUnits: $0.int64Value, currency: currency) }
        let display = CartDisplay(lineItems: items, tax: tax, total: Money(minorUnits: total, currency: currency))
        await engine.send(.showCart(display))
        let snapshot = await engine.snapshot
        if snapshot.cart == display {
            _ = try? await client.call(.POST, "/v1/terminal/readers/\(id)/vtpe_action_result", [("status", "succeeded")])
        } else {
            await report(id, failure: ("terminal_busy", snapshot.notice ?? "The terminal is processing a card."))
        }
    }

    private func snapshotIsWaiting(_ snapshot: TerminalSnapshot) -> Bool {
        if case .waitingForCard = snapshot.phase { true } else { false }
    }

    private func report(_ id: String, failure: (code: String, message: String)) async {
        _ = try? await client.call(.POST, "/v1/terminal/readers/\(id)/vtpe_action_result",
                                   [("status", "failed"), ("failure_code", failure.code), ("failure_message", failure.message)])
    }

    /// One heartbeat, registering (and loading keys) first when needed.
    public func beat() async {
        do {
            if readerID == nil { readerID = try await register() }
            guard let id = readerID else { return }
            let (status, json) = try await client.call(.POST, "/v1/terminal/readers/\(id)/vtpe_heartbeat",
                                                       [("device_sw_version", "vtpe-terminal/0.1")])
            if status == 404 {
                logger.notice("the gateway no longer knows reader \(id); registering again")
                readerID = nil
                await keys?.discard()
                readerID = try await register()
            } else if status != 200 {
                logger.warning("reader heartbeat refused", metadata: ["status": "\(status)", "error": "\(Self.message(json))"])
            }
            if let id = readerID, let keys, !(await keys.isLoaded) { try await injectKeys(reader: id, into: keys) }
        } catch {
            await keys?.noteLoadFailure(.unreachable("the gateway cannot be reached"))
            logger.info("reader heartbeat: gateway unreachable (\(String(describing: error).prefix(80))); retrying")
        }
    }

    /// Asks the gateway for this reader's DUKPT keys (a new initial key under the location's BDK) and installs them.
    private func injectKeys(reader id: String, into keys: TerminalKeyRing) async throws {
        let (status, json) = try await client.call(.POST, "/v1/terminal/readers/\(id)/vtpe_key_injection", [("key_scheme", keys.scheme.rawValue)])
        guard status == 200, let key = json["initial_key"] as? String, let ksn = json["initial_ksn"] as? String,
              let scheme = json["key_scheme"] as? String else {
            logger.warning("key injection refused", metadata: ["status": "\(status)", "error": "\(Self.message(json))"])
            return
        }
        try await keys.install(initialKey: key, initialKSN: ksn, keyScheme: scheme)
        logger.info("DUKPT keys loaded", metadata: ["scheme": "\(scheme)", "ksn": "\(ksn)"])
    }

    private func register() async throws -> String? {
        guard let location = try await location() else { return nil }
        let (status, json) = try await client.call(.POST, "/v1/terminal/readers", [
            ("registration_code", registrationCode), ("location", location),
            ("label", "\(profile.name) \(terminalID)"), ("vtpe_device_sw_version", "vtpe-terminal/0.1"),
        ])
        guard status == 200, let id = json["id"] as? String else {
            logger.warning("reader registration refused", metadata: ["status": "\(status)", "error": "\(Self.message(json))"])
            await keys?.noteLoadFailure(status == 401 || status == 403 ? .unauthorized(Self.message(json)) : .rejected(Self.message(json)))
            return nil
        }
        store(id)
        logger.info("registered as reader \(id) at \(location)")
        return id
    }

    private func location() async throws -> String? {
        if let locationID { return locationID }
        let (status, json) = try await client.call(.GET, "/v1/terminal/locations", [("limit", "1")])
        if status == 401 || status == 403 { await keys?.noteLoadFailure(.unauthorized(Self.message(json))) }
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
