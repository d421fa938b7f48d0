import ArgumentParser
import CardReaders
import CardReadersUSB
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
    @Option(help: ArgumentHelp("Take sales from a cash register over Caisse-AP on this address (default 127.0.0.1:8888; docs/ecr.md).", valueName: "caisse-ap[:HOST:PORT]"))
    var ecr: String?
    @Option(name: .customLong("control-socket"), help: ArgumentHelp("Path of the control socket (default <data-dir>/terminal.sock).", valueName: "path"))
    var controlSocket: String?
    @Flag(help: "Run without a screen: print each state change as a line (for scripts and CI).")
    var headless = false
    @Option(help: ArgumentHelp("The language of the screen and the receipts (default: the profile's).", valueName: "en|fr"))
    var lang: FirmwareProfile.Language?
    @Option(help: ArgumentHelp("Where cards come from: the built-in simulator, the first known USB reader attached, a USB device, or a PC/SC reader of pcscd (vtpe readers lists them; docs/readers.md).", valueName: "simulator|usb|usb:VID:PID|pcsc[:NAME]"))
    var reader = "simulator"
    @Option(name: .customLong("reader-trace"), help: ArgumentHelp("Write every USB transfer of the reader to this file (a trace for a new test fixture; test cards only).", valueName: "file"))
    var readerTrace: String?
    @Option(name: .customLong("gateway-timeout"), help: ArgumentHelp("Seconds to wait for an authorization answer before asking the gateway what became of it.", valueName: "seconds"))
    var gatewayTimeout: Double = 15

    /// How long a till's sale waits for a card (VTPE_ECR_INPUT_TIMEOUT seconds in tests; 90 by default).
    static var ecrInputTimeout: Duration {
        .seconds(Double(ProcessInfo.processInfo.environment["VTPE_ECR_INPUT_TIMEOUT"] ?? "") ?? 90)
    }

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
        var profile = try FirmwareProfile.load(named: self.profile)
        if let lang { profile.language = lang }
        let dir = data.url
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        FileLogHandler.bootstrap(path: dir.appendingPathComponent("vtpe.log").path, level: .info)
        let logger = Logger(label: "vtpe.terminal")

        let hardware = try openReader()
        let (endpoint, embedded) = try await GatewayEndpoint.resolve(gateway, apiKey: apiKey, dataDirectory: dir)
        let session: TerminalSession
        do {
            session = try TerminalSession(profile: profile, dataDirectory: dir, gateway: endpoint, gatewayTimeout: gatewayTimeout, location: location,
                                          hardware: hardware, logger: logger)
        } catch {
            await embedded?.stop()
            throw error
        }
        for note in session.recovered { FileHandle.standardError.write(Data("vtpe: recovered: \(note)\n".utf8)) }
        let engine = session.engine

        let socketPath = controlSocket ?? data.controlSocket
        let control = session.control
        let controlTask = Task { try await ControlSocket.serve(path: socketPath, handle: control.handle) }
        var ecrTask: Task<Void, any Error>?
        if let ecr {
            let (host, port) = try CaisseAPListener.address(ecr)
            let listener = CaisseAPListener(engine: engine, logger: logger, inputTimeout: Self.ecrInputTimeout)
            let server = try await listener.bind(host: host, port: port)
            ecrTask = Task { try await listener.serve(server) }
            FileHandle.standardError.write(Data("vtpe: Caisse-AP on \(host):\(port)\n".utf8))
        }
        logger.info("terminal started", metadata: ["profile": "\(profile.id)", "control": "\(socketPath)", "gateway": "\(endpoint.label)"])
        FileHandle.standardError.write(Data("vtpe: \(profile.name) terminal \(session.identity.terminalID); control socket \(socketPath)\n".utf8))

        // Once started, the code the terminal loaded but does not run goes back to the kernel (docs/benchmarks.md,
        // issue 12); VTPE_KEEP_CODE_PAGES=1 keeps it, to measure the difference.
        let trim = Task {
            guard ProcessInfo.processInfo.environment["VTPE_KEEP_CODE_PAGES"] == nil, (try? await Task.sleep(for: .seconds(2))) != nil else { return }
            let bytes = WorkingSet.trim()
            logger.info("code pages trimmed", metadata: ["mapped_mb": "\(bytes >> 20)"])
        }
        defer { trim.cancel() }
        if headless {
            await runHeadless(engine: engine)
        } else {
            await runScreen(engine: engine, reader: session.reader, link: session.link)
        }
        controlTask.cancel()
        _ = await controlTask.result
        ecrTask?.cancel()
        _ = await ecrTask?.result
        logger.debug("stopping: control socket closed")
        await session.stop()
        logger.debug("stopping: background work ended, HTTP client shut down")
        await embedded?.stop()
        logger.debug("stopping: embedded gateway stopped")
    }

    /// The USB reader of `--reader` (nil for the simulator alone); a bad choice or no reader attached is a usage error.
    private func openReader() throws(CLIError) -> (any HardwareCardReader)? {
        let choice: ReaderChoice
        do { choice = try ReaderChoice(parsing: reader) } catch { throw CLIError("--reader \(reader): \(error)", exitCode: 2) }
        switch choice {
        case .simulator:
            return nil
        case .usb(let vendor, let product):
            do { return try USBCardReader.attached(vendor, product, trace: readerTrace) } catch { throw CLIError("--reader \(reader): \(error)", exitCode: 2) }
        case .pcsc(let name):
            // pcscd may start later, and readers come and go: the reader says so on the screen meanwhile.
            return PCSCCardReader(readerName: name)
        }
    }

    /// The ncurses loop: engine snapshots, keys, clicks and ticks in, screens out. A screen is sent to ncurses only
    /// when it differs from the last one (the once-a-second clock tick mostly changes nothing).
    private func runScreen(engine: TerminalEngine, reader: SimulatedCardReader, link: NetworkLink) async {
        let screen = CursesScreen()
        let size = screen.start()
        var model = UIModel(snapshot: await engine.snapshot, size: size)
        let reading = { DeviceReading(now: Date(), network: link.effectiveState) }
        _ = update(&model, .tick(reading()))
        var shown = render(model)
        screen.show(shown)
        let (messages, sink) = AsyncStream.makeStream(of: UIMessage.self)
        let forwardSnapshots = Task { for await s in engine.snapshots { sink.yield(.snapshot(s)) } }
        // A keyboard-emulation swipe reader types into this window: its tracks become a swipe (docs/readers.md).
        let swipes = KeyboardSwipeFilter(forward: { sink.yield($0) }, swiped: { event in
            switch event {
            case .cardPresented(let card): await engine.send(.cardPresented(card))
            case .readerFailed(let message): await engine.send(.readerFailed(message))
            case .cardRemoved: await engine.send(.cardRemoved)
            case .readerConnection(let connected, let message): await engine.send(.readerConnectionChanged(connected: connected, message: message))
            }
        })
        let forwardKeys = Task { for await m in screen.input { await swipes.receive(m) }; sink.finish() }
        let clock = Task {
            while !Task.isCancelled {
                // On the second, so the clock turns with the minute.
                let now = Date().timeIntervalSince1970
                try? await Task.sleep(for: .milliseconds(Int64((now.rounded(.down) + 1 - now) * 1000) + 1))
                sink.yield(.tick(reading()))
            }
        }
        // One printer tick pending at a time: new receipts restart the strip, and their tick replaces the last one's.
        var printTimer: Task<Void, Never>?
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
                case .removeCard:
                    reader.remove()
                case .schedulePrintTick(let delay):
                    printTimer?.cancel()
                    printTimer = Task {
                        guard (try? await Task.sleep(for: delay)) != nil else { return }
                        sink.yield(.printTick)
                    }
                }
            }
            let next = render(model)
            if next != shown {
                shown = next
                screen.show(next)
            }
        }
        clock.cancel()
        printTimer?.cancel()
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


extension FirmwareProfile.Language: ExpressibleByArgument {}
