import CPCSC
import CardReaders
import EMV
import Foundation

/// A card reader through PC/SC (pcsc-lite), for machines where pcscd owns the readers: the same `CardReader` as the
/// simulator and the USB drivers. pcscd drives the reader (its CCID driver); vtpe watches the reader's state
/// (`SCardGetStatusChange`), connects to a card that arrives and carries its APDUs (`SCardTransmit`).
///
/// pcsc-lite's calls block, so the watch runs on its own queue with its own context, and the card's exchanges on
/// another (a context is used by one thread at a time).
public final class PCSCCardReader: CardReader {
    public let name: String
    public let events: AsyncStream<CardEvent>
    private let continuation: AsyncStream<CardEvent>.Continuation
    private let watcher: PCSCWatcher

    /// `readerName`: the PC/SC reader whose name contains it (nil: the first one).
    public init(readerName: String?, retry: Duration = .seconds(1)) {
        name = readerName.map { "PC/SC \($0)" } ?? "PC/SC reader"
        (events, continuation) = AsyncStream.makeStream(of: CardEvent.self, bufferingPolicy: .bufferingNewest(16))
        watcher = PCSCWatcher(wanted: readerName, retry: retry, events: continuation)
        watcher.start()
    }

    public func stop() {
        watcher.stop()
        continuation.finish()
    }

    /// The PC/SC readers pcscd has now, by name; an error when pcscd does not answer.
    public static func readers() throws(ReaderError) -> [String] {
        let context = try PCSCContext()
        return try context.readers()
    }
}

/// A PC/SC context: established, released once.
final class PCSCContext: @unchecked Sendable {
    // Used from one queue at a time (the owner's).
    let handle: SCARDCONTEXT

    init() throws(ReaderError) {
        var context: SCARDCONTEXT = 0
        let rc = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
        guard rc == vtpe_scard_s_success else { throw PCSCContext.error(rc, "cannot reach pcscd") }
        handle = context
    }

    deinit { SCardReleaseContext(handle) }

    func readers() throws(ReaderError) -> [String] {
        var size: DWORD = 0
        var rc = SCardListReaders(handle, nil, nil, &size)
        if rc == vtpe_scard_e_no_readers_available { return [] }
        guard rc == vtpe_scard_s_success else { throw PCSCContext.error(rc, "cannot list the PC/SC readers") }
        var buffer = [CChar](repeating: 0, count: Int(size))
        rc = SCardListReaders(handle, nil, &buffer, &size)
        if rc == vtpe_scard_e_no_readers_available { return [] }
        guard rc == vtpe_scard_s_success else { throw PCSCContext.error(rc, "cannot list the PC/SC readers") }
        // A multi-string: names separated by NUL, ended by two.
        return buffer.split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    static func error(_ rc: LONG, _ what: String) -> ReaderError {
        switch rc {
        case vtpe_scard_e_no_service, vtpe_scard_e_service_stopped:
            .notFound("pcscd is not running: start it (`pcscd`, or `systemctl start pcscd`), or use --reader usb")
        case vtpe_scard_e_sharing_violation:
            .busy("\(what): another program holds the card (exclusive)")
        case vtpe_scard_e_timeout: .timeout(what)
        case vtpe_scard_w_removed_card, vtpe_scard_e_no_smartcard: .protocolError(.noCard)
        case vtpe_scard_e_unknown_reader, vtpe_scard_e_reader_unavailable: .disconnected
        default:
            .io("\(what): \(String(cString: pcsc_stringify_error(rc))) (0x\(String(UInt32(truncatingIfNeeded: rc), radix: 16)))")
        }
    }
}

/// Watches one PC/SC reader and reports cards arriving and leaving, and the reader coming and going.
final class PCSCWatcher: @unchecked Sendable {
    // `stopped` is read by the watch loop and set by `stop`; the rest is the loop's own.
    private let wanted: String?
    private let retry: Duration
    private let events: AsyncStream<CardEvent>.Continuation
    private let queue = DispatchQueue(label: "vtpe.pcsc.watch")
    private let stopped = NSLock()
    private var isStopped = false

    init(wanted: String?, retry: Duration, events: AsyncStream<CardEvent>.Continuation) {
        self.wanted = wanted
        self.retry = retry
        self.events = events
    }

    func start() { queue.async { self.run() } }

    func stop() { stopped.withLock { isStopped = true } }

    private var running: Bool { stopped.withLock { !isStopped } }

    private func pause() { Thread.sleep(forTimeInterval: Double(retry.components.seconds) + Double(retry.components.attoseconds) / 1e18) }

    private func run() {
        var lastProblem: String?
        var connected = false
        while running {
            do throws(ReaderError) {
                let context = try PCSCContext()
                guard let reader = try context.readers().first(where: { wanted == nil || $0.contains(wanted!) }) else {
                    throw .notFound(wanted.map { "no PC/SC reader named like '\($0)'" } ?? "no PC/SC reader")
                }
                if lastProblem != nil || connected { events.yield(.readerConnection(connected: true, message: "\(reader) connected")) }
                lastProblem = nil
                connected = true
                try watch(reader, context: context)
            } catch {
                let problem = error.description
                if problem != lastProblem {
                    events.yield(.readerConnection(connected: false, message: "PC/SC: \(problem)"))
                }
                lastProblem = problem
                pause()
            }
        }
    }

    /// Follows the reader's state until it goes away (thrown) or the watcher stops.
    private func watch(_ reader: String, context: PCSCContext) throws(ReaderError) {
        var card: PCSCCardChannel?
        var known = DWORD(SCARD_STATE_UNAWARE)
        // The reader's name as C text for the whole watch (withCString's closure cannot throw a typed error).
        guard let name = strdup(reader) else { throw .io("out of memory") }
        defer { free(name) }
        while running {
            var state = SCARD_READERSTATE(szReader: name, pvUserData: nil, dwCurrentState: known, dwEventState: 0, cbAtr: 0,
                                          rgbAtr: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            let rc = SCardGetStatusChange(context.handle, 500, &state, 1)
            if rc == vtpe_scard_e_timeout { continue }
            guard rc == vtpe_scard_s_success else {
                if card != nil { events.yield(.cardRemoved) }
                throw PCSCContext.error(rc, "watching \(reader)")
            }
            known = state.dwEventState & ~DWORD(SCARD_STATE_CHANGED)
            if state.dwEventState & DWORD(SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE) != 0 {
                if card != nil { events.yield(.cardRemoved) }
                throw .disconnected
            }
            let present = state.dwEventState & DWORD(SCARD_STATE_PRESENT) != 0 && state.dwEventState & DWORD(SCARD_STATE_MUTE) == 0
            if present, card == nil {
                let atr = withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(Int(state.cbAtr))) }
                do throws(ReaderError) {
                    let channel = try PCSCCardChannel(reader: reader)
                    card = channel
                    events.yield(.cardPresented(CardPresentation(entryMode: Self.entryMode(atr: atr), medium: .chip(ChipCard(channel: channel)))))
                } catch {
                    events.yield(.readerFailed("\(reader): \(error.description)"))
                }
            } else if !present, card != nil {
                card = nil
                events.yield(.cardRemoved)
            }
        }
    }

    /// A contactless card's ATR as PC/SC part 3 builds it (`3B 8x 80 01 …`); anything else is a contact card.
    static func entryMode(atr: [UInt8]) -> EntryMode {
        atr.count >= 4 && atr[0] == 0x3B && atr[1] & 0xF0 == 0x80 && atr[2] == 0x80 && atr[3] == 0x01 ? .contactless : .contact
    }
}

/// A card connected through PC/SC, as the EMV kernel's channel, with the transport rules of `TransportRules`
/// (pcsc-lite hands a T=0 card's `61 xx` back to the application).
final class PCSCCardChannel: CardChannel, @unchecked Sendable {
    // The handle is used only on `queue`, and disconnected once, in deinit.
    private let context: PCSCContext
    private let card: SCARDHANDLE
    private let proto: DWORD
    private let queue = DispatchQueue(label: "vtpe.pcsc.card")

    init(reader: String) throws(ReaderError) {
        context = try PCSCContext()
        var handle: SCARDHANDLE = 0
        var active: DWORD = 0
        let rc = SCardConnect(context.handle, reader, DWORD(SCARD_SHARE_EXCLUSIVE), DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), &handle, &active)
        guard rc == vtpe_scard_s_success else { throw PCSCContext.error(rc, "cannot connect to the card in \(reader)") }
        card = handle
        proto = active
    }

    deinit { SCardDisconnect(card, DWORD(SCARD_LEAVE_CARD)) }

    func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        try await TransportRules.transmit(command) { (c) throws(EMVError) in try await exchange(c) }
    }

    private func exchange(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        let (card, proto) = (card, proto)
        let bytes = command.bytes
        let result: Result<[UInt8], ReaderError> = await withCheckedContinuation { continuation in
            queue.async {
                var answer = [UInt8](repeating: 0, count: 258 + 2)
                var length = DWORD(answer.count)
                let rc = bytes.withUnsafeBufferPointer { out in
                    SCardTransmit(card, vtpe_scard_pci(proto), out.baseAddress, DWORD(out.count), nil, &answer, &length)
                }
                continuation.resume(returning: rc == vtpe_scard_s_success ? .success(Array(answer.prefix(Int(length))))
                                    : .failure(PCSCContext.error(rc, "SCardTransmit")))
            }
        }
        switch result {
        case .success(let bytes): return try ResponseAPDU(bytes: bytes)
        case .failure(let error): throw CCIDCardChannel.kernelError(error)
        }
    }
}
