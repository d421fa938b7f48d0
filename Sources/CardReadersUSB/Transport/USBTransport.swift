/// The endpoints of a USB card reader as its driver uses them: bulk OUT for commands, bulk IN for answers, interrupt
/// IN for card arrival and removal. libusb provides it on a real bus (`LibUSBTransport`), a script in tests
/// (`ReplayTransport`), and `TracingTransport` records what passes for a new test fixture.
public protocol USBTransport: Sendable {
    /// One transfer to the bulk OUT endpoint.
    func write(_ bytes: [UInt8], timeout: Duration) async throws(ReaderError)
    /// One transfer from the bulk IN endpoint, at most `maxLength` bytes.
    func read(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8]
    /// One transfer from the interrupt IN endpoint (slot changes, key presses of HID readers).
    func readInterrupt(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8]
    /// Lets the device go (the driver is done with it, or will open it again): later transfers fail.
    func close()
}

extension USBTransport {
    /// Nothing to let go (replays, emulations).
    public func close() {}
}

/// Why a reader did not do what it was asked: what the screen shows and the log keeps.
public enum ReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing came in time (a transfer's time-out, or a reader that stopped answering).
    case timeout(String)
    /// The endpoint stalled (the reader refused the transfer).
    case stall(String)
    /// The reader is gone (unplugged).
    case disconnected
    /// The reader's answer broke the protocol.
    case protocolError(CCIDError)
    /// The reader's card-level answer made no sense (a PN532 frame, a HID report).
    case malformed(String)
    /// Another program or the kernel holds the reader: the message says how to free it.
    case busy(String)
    /// The device file cannot be opened (permissions): the message says how to grant them.
    case access(String)
    /// No such reader.
    case notFound(String)
    /// Another libusb or PC/SC failure, named.
    case io(String)

    public var description: String {
        switch self {
        case .timeout(let what): "reader time-out: \(what)"
        case .stall(let what): "the reader stalled: \(what)"
        case .disconnected: "the reader was unplugged"
        case .protocolError(let e): e.description
        case .malformed(let what): "odd reader answer: \(what)"
        case .busy(let how), .access(let how), .notFound(let how), .io(let how): how
        }
    }
}
