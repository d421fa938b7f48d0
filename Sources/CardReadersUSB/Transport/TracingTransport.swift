import Foundation

/// Wraps a reader's transport and writes every transfer to a trace file (`vtpe terminal --reader usb
/// --reader-trace FILE`): the raw material of a new test fixture (docs/readers.md). The trace holds the card's
/// answers as they came — its number among them — so it is for test cards only, and the file is created readable by
/// its owner alone.
public final class TracingTransport: USBTransport {
    private let inner: any USBTransport
    private let handle: FileHandle
    private let lock = NSLock()

    public init(_ inner: any USBTransport, path: String, title: String) throws(ReaderError) {
        self.inner = inner
        // A reader opened again (after an unplug) goes on in the same file.
        let created = FileManager.default.fileExists(atPath: path)
            || FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        guard created, let handle = FileHandle(forWritingAtPath: path) else { throw .io("cannot write the reader trace \(path)") }
        handle.seekToEndOfFile()
        handle.write(Data("# \(title)\n".utf8))
        self.handle = handle
    }

    private func log(_ step: ReaderTrace.Step) {
        let line = ReaderTrace(steps: [step]).text
        lock.withLock { handle.write(Data(line.utf8)) }
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
        log(.out(bytes))
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
