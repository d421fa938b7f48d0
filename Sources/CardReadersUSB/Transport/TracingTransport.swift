import Foundation

/// Wraps a reader's transport and writes every transfer to a trace file (`vtpe terminal --reader usb
/// --reader-trace FILE`): the raw material of a new test fixture (docs/readers.md). The trace holds the card's
/// answers as they came — its number among them — so it is for test cards only, and the file is readable by its
/// owner alone. A VERIFY command's PIN block is never written: its data bytes are masked (FF).
public final class TracingTransport: USBTransport {
    private let inner: any USBTransport
    private let handle: FileHandle
    private let lock = NSLock()

    public init(_ inner: any USBTransport, path: String, title: String) throws(ReaderError) {
        self.inner = inner
        // A reader opened again (after an unplug) goes on in the same file.
        let created = FileManager.default.fileExists(atPath: path)
            || FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        guard created, chmod(path, 0o600) == 0, let handle = FileHandle(forWritingAtPath: path) else {
            throw .io("cannot write the reader trace \(path)")
        }
        handle.seekToEndOfFile()
        handle.write(Data("# \(title)\n".utf8))
        self.handle = handle
    }

    private func log(_ step: ReaderTrace.Step) {
        let line = ReaderTrace(steps: [step]).text
        lock.withLock { handle.write(Data(line.utf8)) }
    }

    /// The command with a VERIFY's data masked: an XfrBlock carrying the APDU as it is or in the ACR122U's
    /// InDataExchange (`FF 00 00 00 Lc D4 40 01 <APDU>`).
    static func maskingPIN(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > CCID.headerLength, bytes[0] == CCID.Command.xfrBlock.rawValue else { return bytes }
        var start = CCID.headerLength
        if bytes.count >= start + 8, Array(bytes[start..<(start + 4)]) == [0xFF, 0x00, 0x00, 0x00], bytes[start + 5] == 0xD4, bytes[start + 6] == 0x40 {
            start += 8
        }
        // CLA INS P1 P2 Lc: VERIFY is INS 20; its data follows Lc.
        guard bytes.count > start + 5, bytes[start + 1] == 0x20 else { return bytes }
        var masked = bytes
        for i in (start + 5)..<min(bytes.count, start + 5 + Int(bytes[start + 4])) { masked[i] = 0xFF }
        return masked
    }

    private func reply(_ error: ReaderError) -> ReaderTrace.Reply? {
        switch error {
        case .timeout: .timeout
        case .stall: .stall
        case .disconnected: .disconnect
        default: nil
        }
    }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(ReaderError) {
        log(.out(Self.maskingPIN(bytes)))
        try await inner.write(bytes, timeout: timeout)
    }

    public func read(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        do throws(ReaderError) {
            let bytes = try await inner.read(maxLength: maxLength, timeout: timeout)
            log(.bulkIn(.bytes(bytes)))
            return bytes
        } catch {
            if let r = reply(error) { log(.bulkIn(r)) }
            throw error
        }
    }

    public func close() { inner.close() }

    public func readInterrupt(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        do throws(ReaderError) {
            let bytes = try await inner.readInterrupt(maxLength: maxLength, timeout: timeout)
            log(.interruptIn(.bytes(bytes)))
            return bytes
        } catch {
            // An interrupt endpoint's time-out is the reader having nothing to say: not worth a line.
            if case .timeout = error {} else if let r = reply(error) { log(.interruptIn(r)) }
            throw error
        }
    }
}
