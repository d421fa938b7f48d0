import CardReaders
import EMV

/// A USB card reader as the terminal sees it: a source of card events, like the simulator. It opens the device
/// (again and again while it is unplugged — hotplug), runs the model's driver — polling the ACR122U's PN532, a CCID
/// slot's status, a swipe reader's reports — and reports cards arriving and leaving, and the reader's failures, which
/// never stop the terminal.
public final class USBCardReader: CardReader {
    /// How the reader finds cards.
    public enum Driver: Sendable, Equatable {
        /// ACR122U: PN532 pseudo-APDUs, cards found by InListPassiveTarget.
        case acr122u
        /// A CCID reader taking plain APDUs (ACR1252U and most readers): the slot's status; `entryMode` says
        /// whether the slot is a contactless field or a contact slot.
        case ccid(EntryMode)
        /// A swipe reader in HID mode: one report per swipe on the interrupt endpoint.
        case magtekHID
    }

    public let name: String
    public let events: AsyncStream<CardEvent>
    private let continuation: AsyncStream<CardEvent>.Continuation
    private let loop: Task<Void, Never>

    /// `open` reaches the device (libusb, or an emulation in tests); it is called again after the reader is
    /// unplugged, every `retry`, until it answers.
    public init(name: String, driver: Driver, poll: Duration = .milliseconds(250), retry: Duration = .seconds(1),
                clock: any Clock<Duration> = ContinuousClock(),
                open: @escaping @Sendable () async throws(ReaderError) -> any USBTransport) {
        self.name = name
        let (events, continuation) = AsyncStream.makeStream(of: CardEvent.self, bufferingPolicy: .bufferingNewest(16))
        self.events = events
        self.continuation = continuation
        let run = DriverLoop(name: name, driver: driver, poll: poll, retry: retry, clock: clock, open: open, events: continuation)
        loop = Task { await run.run() }
    }

    /// Stops the driver (the terminal is closing).
    public func stop() {
        loop.cancel()
        continuation.finish()
    }

    deinit { loop.cancel() }
}

/// The driver's loop, apart from the reader object so the task holds no reference cycle.
struct DriverLoop: Sendable {
    let name: String
    let driver: USBCardReader.Driver
    let poll: Duration
    let retry: Duration
    let clock: any Clock<Duration>
    let open: @Sendable () async throws(ReaderError) -> any USBTransport
    let events: AsyncStream<CardEvent>.Continuation
    /// Poll intervals a card must have been quiet before the field is polled again (its dialogue over: polling
    /// re-selects the card): 1.5 s at the default 250 ms.
    var settle: Int { max(1, Int((Duration.milliseconds(1500) / poll).rounded(.up))) }

    func sleep(_ d: Duration) async -> Bool { (try? await clock.sleep(for: d)) != nil }

    func run() async {
        var lastProblem: String?
        var connected = false
        while !Task.isCancelled {
            let transport: any USBTransport
            do throws(ReaderError) {
                transport = try await open()
            } catch {
                // Not there (yet, or again): say so once, then look again every `retry`.
                let problem = "\(name): \(error.description)"
                if problem != lastProblem { events.yield(.readerConnection(connected: false, message: problem)) }
                lastProblem = problem
                guard await sleep(retry) else { return }
                continue
            }
            if lastProblem != nil || connected { events.yield(.readerConnection(connected: true, message: "\(name) connected")) }
            lastProblem = nil
            connected = true
            var cardIn = false
            var failure: ReaderError?
            do throws(ReaderError) {
                try await drive(transport, cardIn: &cardIn)
            } catch {
                failure = error
            }
            // The device is let go at once, whatever ended the drive: opening it again does not find it busy
            // (ours), and an unplugged device's last handle is closed while the screen says so.
            transport.close()
            if let error = failure {
                if cardIn { events.yield(.cardRemoved) }
                switch error {
                case .disconnected: events.yield(.readerConnection(connected: false, message: "\(name) unplugged: plug it back in"))
                default: events.yield(.readerFailed("\(name): \(error.description)"))
                }
                lastProblem = "\(name): \(error.description)"
                guard await sleep(retry) else { return }
            }
        }
    }

    private func drive(_ transport: any USBTransport, cardIn: inout Bool) async throws(ReaderError) {
        switch driver {
        case .acr122u: try await driveACR122U(CCIDSession(transport: transport), cardIn: &cardIn)
        case .ccid(let mode): try await driveCCID(CCIDSession(transport: transport), mode: mode, cardIn: &cardIn)
        case .magtekHID: try await driveMagTek(transport)
        }
    }

    private func driveACR122U(_ session: CCIDSession, cardIn: inout Bool) async throws(ReaderError) {
        // The slot (the PN532) is powered first, as libnfc's driver does; until then it does not answer.
        _ = try await session.powerOn()
        while !Task.isCancelled {
            guard let target = try await ACR122U.poll(session) else {
                guard await sleep(poll) else { return }
                continue
            }
            if target.speaksISO14443_4 {
                let channel = ActivityChannel(CCIDCardChannel(session: session, carrier: .pn532))
                cardIn = true
                events.yield(.cardPresented(CardPresentation(entryMode: .contactless, medium: .chip(ChipCard(channel: channel)))))
                // The dialogue runs through the channel; once it has been quiet a while, the field is looked at
                // again: the same card still there is not presented twice.
                while !Task.isCancelled {
                    guard await sleep(poll) else { return }
                    if await channel.pollPassed(settle: settle) { continue }
                    if try await ACR122U.poll(session) == nil { break }
                }
            } else {
                // Never presented: no removal to report when it goes.
                events.yield(.readerFailed("\(name): this card is not a payment card (no ISO 14443-4): remove it"))
                while !Task.isCancelled, try await ACR122U.poll(session) != nil {
                    guard await sleep(poll) else { return }
                }
                continue
            }
            cardIn = false
            events.yield(.cardRemoved)
        }
    }

    private func driveCCID(_ session: CCIDSession, mode: EntryMode, cardIn: inout Bool) async throws(ReaderError) {
        while !Task.isCancelled {
            guard try await session.cardStatus() != .absent else {
                guard await sleep(poll) else { return }
                continue
            }
            do throws(ReaderError) {
                _ = try await session.powerOn()
            } catch .protocolError(.commandFailed(let code, _)) {
                // A mute card, or one inserted the wrong way: said once, then nothing until the slot is empty.
                events.yield(.readerFailed("\(name): the card does not answer (\(CCIDError.errorName(code))): take it out and insert it again"))
                while !Task.isCancelled, try await session.cardStatus() != .absent {
                    guard await sleep(poll) else { return }
                }
                continue
            }
            let channel = ActivityChannel(CCIDCardChannel(session: session, carrier: .xfrBlock))
            cardIn = true
            events.yield(.cardPresented(CardPresentation(entryMode: mode, medium: .chip(ChipCard(channel: channel)))))
            while !Task.isCancelled {
                guard await sleep(poll) else { return }
                if await channel.pollPassed(settle: 0) { continue }
                // Absent, or no longer powered (swapped within one poll, deactivated): the card we had is gone.
                if try await session.cardStatus() != .presentActive { break }
            }
            cardIn = false
            events.yield(.cardRemoved)
        }
    }

    private func driveMagTek(_ transport: any USBTransport) async throws(ReaderError) {
        while !Task.isCancelled {
            let report: [UInt8]
            do throws(ReaderError) {
                report = try await transport.readInterrupt(maxLength: MagTekReport.length, timeout: .seconds(1))
            } catch {
                if case .timeout = error { continue }
                throw error
            }
            do throws(ReaderError) {
                let tracks = try MagTekReport(report).tracks
                let swipe = try Swipe(track1: tracks[0], track2: tracks[1])
                events.yield(.cardPresented(swipe.presentation))
            } catch {
                events.yield(.readerFailed("\(name): \(error.description) — swipe again"))
            }
        }
    }
}

/// A card channel that knows when it was last used, so the driver can tell a finished dialogue from one that is
/// still going (waiting for the gateway, or for a PIN), counted in the driver's poll intervals.
actor ActivityChannel: CardChannel {
    private let inner: CCIDCardChannel
    private var inFlight = 0
    private var quietPolls = 0

    init(_ inner: CCIDCardChannel) {
        self.inner = inner
    }

    func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        inFlight += 1
        quietPolls = 0
        defer {
            inFlight -= 1
            quietPolls = 0
        }
        return try await inner.transmit(command)
    }

    /// One poll interval passed: true while a command is in flight or the last ended at most `settle` intervals ago.
    func pollPassed(settle: Int) -> Bool {
        quietPolls += 1
        return inFlight > 0 || quietPolls <= settle
    }
}
