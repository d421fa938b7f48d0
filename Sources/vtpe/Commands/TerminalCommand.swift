import ArgumentParser
import CardReaders
import EMV
import Foundation
import Logging
import NIOCore
import PaymentCore
import TerminalEngine
import TerminalUI
import TerminalUICurses

struct TerminalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminal",
        abstract: "Open a payment terminal (the default command).",
        discussion: """
        Type an amount, press Enter, then present a card: keys 1-9 on screen, or `vtpe tap CARD` from another shell.
        The terminal listens for `vtpe tap` on <data-dir>/terminal.sock; logs go to <data-dir>/vtpe.log and
        receipts to <data-dir>/receipts/.
        """
    )

    @Option(help: ArgumentHelp("Firmware profile id or YAML path (see `vtpe profiles list`).", valueName: "id"))
    var profile = "countertop"
    @Option(help: ArgumentHelp("`embedded` (an in-process gateway on a local SQLite file) or a gateway URL.", valueName: "embedded|url"))
    var gateway = "embedded"
    @Option(help: ArgumentHelp("Terminal location (tml_…) to register this terminal's reader at (default: the gateway's first location, created if there is none).", valueName: "id"))
    var location: String?
    @Option(name: .customLong("api-key"), help: ArgumentHelp("Secret key for a remote gateway (or VTPE_API_KEY).", valueName: "key"))
    var apiKey: String?
    @OptionGroup var data: DataDirectoryOption
    @Option(name: .customLong("control-socket"), help: ArgumentHelp("Path of the control socket (default <data-dir>/terminal.sock).", valueName: "path"))
    var controlSocket: String?
    @Flag(help: "Run without a screen: print each state change as a line (for scripts and CI).")
    var headless = false
    @Option(name: .customLong("gateway-timeout"), help: ArgumentHelp("Seconds to wait for an authorization answer before asking the gateway what became of it.", valueName: "seconds"))
    var gatewayTimeout: Double = 15

    func validate() throws {
        if gateway != "embedded", !(gateway.hasPrefix("http://") || gateway.hasPrefix("https://")) {
            throw ValidationError("--gateway must be `embedded` or an http(s):// URL, not '\(gateway)'")
        }
        guard gatewayTimeout > 0, gatewayTimeout <= 300 else { throw ValidationError("--gateway-timeout must be above 0 and at most 300 seconds") }
    }

    func run() async throws {
        do {
            try await runTerminal()
        } catch let error as CLIError {
            throw error.exit()
        } catch let error as ProfileError {
            throw CLIError("invalid firmware profile: \(error)", exitCode: 2).exit()
        } catch {
            throw CLIError("\(error)").exit()
        }
    }

    private func runTerminal() async throws {
        if !headless, isatty(STDIN_FILENO) == 0 || isatty(STDOUT_FILENO) == 0 {
            throw CLIError("the terminal needs an interactive window; use --headless in scripts", exitCode: 2)
        }
        let profile = try FirmwareProfile.load(named: self.profile)
        let dir = data.url
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        FileLogHandler.bootstrap(path: dir.appendingPathComponent("vtpe.log").path, level: .info)
        let logger = Logger(label: "vtpe.terminal")
        // The journal (docs/offline.md, "Crash safety"): a damaged one stops the terminal with how to recover, never
        // replaced; what the last run left unfinished is resolved before anything else runs.
        let database = try TerminalDatabase(dataDirectory: dir, profileID: profile.id)
        for note in try database.recover(now: Date()) {
            logger.notice("recovered after a restart", metadata: ["transaction": "\(note)"])
            FileHandle.standardError.write(Data("vtpe: recovered: \(note)\n".utf8))
        }

        var embedded: EmbeddedGateway?
        let client: HTTPGatewayClient
        let keys = TerminalKeyRing(dataDirectory: dir, profileID: profile.id, gatewayName: gateway, scheme: profile.keyManagement)
        let timeout = TimeAmount.milliseconds(Int64(gatewayTimeout * 1000))
        // Every request to the gateway goes through the emulated network the profile starts with (`vtpe network`).
        let link = NetworkLink(conditions: profile.network.conditions, schedule: profile.network.outages, seed: profile.network.seed)
        if gateway == "embedded" {
            let e = try await EmbeddedGateway.start(dataDirectory: dir, logger: Logger(label: "vtpe.gateway"))
            embedded = e
            client = HTTPGatewayClient(baseURL: e.url, apiKey: e.key, label: "embedded (\(e.url))", timeout: timeout, keys: keys, link: link, logger: logger)
        } else {
            guard let key = apiKey ?? ProcessInfo.processInfo.environment["VTPE_API_KEY"], !key.isEmpty else {
                throw CLIError("a remote gateway needs --api-key (or VTPE_API_KEY)", exitCode: 2)
            }
            client = HTTPGatewayClient(baseURL: gateway, apiKey: key, timeout: timeout, keys: keys, link: link, logger: logger)
        }
        let identity = try database.identity()
        let reader = SimulatedCardReader()
        let journal = try database.batch()
        let engine = TerminalEngine(profile: profile, identity: identity, database: database, gateway: client, dataDirectory: dir,
                                    readerName: reader.name, journal: journal, presentedCards: { pan, mode in
            // The card a QA script presented through the API, read by the simulator like `vtpe tap`; a card
            // without a chip for that interface (contact only, contactless only) is tried the other way.
            guard let card = try? reader.card(for: pan.revealDigits()) else { return nil }
            if let presented = try? reader.presentation(of: card, mode: mode, pin: try? PINEntry("1234")) { return presented }
            return try? reader.presentation(of: card, mode: mode == .contact ? .contactless : .contact, pin: try? PINEntry("1234"))
        }, logger: logger)
        await engine.attach(reader)

        let presence = ReaderPresence(gateway: client, gatewayName: gateway, profile: profile, terminalID: identity.terminalID, locationID: location,
                                      dataDirectory: dir, keys: keys, logger: logger)
        let backgroundTask = Task { await engine.runBackgroundWork() }
        let presenceTask = Task { await presence.run(engine: engine) }

        let socketPath = controlSocket ?? data.controlSocket
        let control = TerminalControl(engine: engine, reader: reader, network: link, presence: presence)
        let controlTask = Task { try await ControlSocket.serve(path: socketPath, handle: control.handle) }
        logger.info("terminal started", metadata: ["profile": "\(profile.id)", "control": "\(socketPath)", "gateway": "\(client.label)"])
        FileHandle.standardError.write(Data("vtpe: \(profile.name) terminal \(identity.terminalID); control socket \(socketPath)\n".utf8))

        if headless {
            await runHeadless(engine: engine)
        } else {
            await runScreen(engine: engine, reader: reader)
        }
        controlTask.cancel()
        presenceTask.cancel()
        backgroundTask.cancel()
        _ = await controlTask.result
        logger.debug("stopping: control socket closed")
        _ = await presenceTask.result
        logger.debug("stopping: reader presence ended")
        await client.shutdown()
        logger.debug("stopping: HTTP client shut down")
        await embedded?.stop()
        logger.debug("stopping: embedded gateway stopped")
    }

    /// The ncurses loop: engine snapshots and keys in, screens out.
    private func runScreen(engine: TerminalEngine, reader: SimulatedCardReader) async {
        let screen = CursesScreen()
        let size = screen.start()
        var model = UIModel(snapshot: await engine.snapshot, size: size)
        screen.show(render(model))
        let (messages, sink) = AsyncStream.makeStream(of: UIMessage.self)
        let forwardSnapshots = Task { for await s in engine.snapshots { sink.yield(.snapshot(s)) } }
        let forwardKeys = Task { for await m in screen.input { sink.yield(m) }; sink.finish() }
        loop: for await message in messages {
            let effects = update(&model, message)
            for effect in effects {
                switch effect {
                case .quit:
                    break loop
                case .send(let event):
                    await engine.send(event)
                case .presentCard(let key, let mode):
                    do { try reader.present(String(key), mode: mode) } catch {
                        await engine.send(.readerFailed(error.description))
                    }
                }
            }
            screen.show(render(model))
        }
        forwardSnapshots.cancel()
        screen.stop()
        forwardKeys.cancel()
    }

    /// Without a screen: one line per state change until SIGINT/SIGTERM.
    private func runHeadless(engine: TerminalEngine) async {
        let (stop, stopSink) = AsyncStream.makeStream(of: Void.self)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { sig in
            let s = DispatchSource.makeSignalSource(signal: sig)
            s.setEventHandler { stopSink.yield() }
            s.resume()
            return s
        }
        let printer = Task {
            var last = ""
            for await s in engine.snapshots {
                let line = HeadlessLine.describe(s)
                if line != last { printLine(line); last = line }
            }
        }
        for await _ in stop { break }
        printer.cancel()
        sources.forEach { $0.cancel() }
    }
}

