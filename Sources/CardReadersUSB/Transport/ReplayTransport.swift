import PaymentCore

/// Plays a recorded trace back as a reader: each command the driver writes must be the trace's next one, byte for
/// byte (a mismatch is an error naming both); reads return the trace's answers, whole or cut into pieces
/// (`chunking`) to prove the driver reassembles them. For unit tests of every codec and driver, without hardware.
public actor ReplayTransport: USBTransport {
    /// How bulk answers are handed out.
    public enum Chunking: Sendable, Equatable {
        /// One transfer per recorded answer, as a reader sends it.
        case whole
        /// One byte per transfer.
        case bytes
        /// Random pieces, from a seed (repeatable).
        case random(seed: UInt64)
    }

    private var bulk: [ReaderTrace.Step]
    private var interrupts: [ReaderTrace.Reply]
    private var pendingChunks: [[UInt8]] = []
    private let chunking: Chunking
    private var generator: SeededGenerator
    /// Commands written so far (tests check them).
    public private(set) var written: [[UInt8]] = []

    public init(_ trace: ReaderTrace, chunking: Chunking = .whole) {
        bulk = trace.steps.filter { if case .interruptIn = $0 { false } else { true } }
        interrupts = trace.steps.compactMap { if case .interruptIn(let r) = $0 { r } else { nil } }
        self.chunking = chunking
        if case .random(let seed) = chunking { generator = SeededGenerator(seed: seed) } else { generator = SeededGenerator(seed: 0) }
    }

    /// Every step played.
    public var finished: Bool { bulk.isEmpty && pendingChunks.isEmpty }
    /// What the trace still holds (for a test's failure message).
    public var remaining: Int { bulk.count }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(ReaderError) {
        written.append(bytes)
        guard case .out(let expected)? = bulk.first else {
            throw .io("replay: the driver wrote \(frameHead(bytes)) where the trace has \(bulk.first.map(Self.name) ?? "nothing more")")
        }
        guard expected == bytes else {
            throw .io("replay: the driver wrote \(HexCoding.spaced(bytes)), the trace has \(HexCoding.spaced(expected))")
        }
        bulk.removeFirst()
    }

    public func read(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        if !pendingChunks.isEmpty { return pendingChunks.removeFirst() }
        guard case .bulkIn(let reply)? = bulk.first else {
            // The driver waits for an answer the reader never sends.
            throw .timeout("replay: no answer in the trace here (next: \(bulk.first.map(Self.name) ?? "end"))")
        }
        bulk.removeFirst()
        let bytes = try Self.bytes(reply)
        pendingChunks = chunks(of: bytes, max: maxLength)
        return pendingChunks.isEmpty ? [] : pendingChunks.removeFirst()
    }

    public func readInterrupt(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        guard !interrupts.isEmpty else {
            // Nothing happens on the interrupt endpoint: wait as a reader would, then time out.
            try? await Task.sleep(for: min(timeout, .milliseconds(50)))
            throw .timeout("no slot change")
        }
        return try Self.bytes(interrupts.removeFirst())
    }

    private static func bytes(_ reply: ReaderTrace.Reply) throws(ReaderError) -> [UInt8] {
        switch reply {
        case .bytes(let b): return b
        case .timeout: throw .timeout("the reader did not answer")
        case .stall: throw .stall("bulk IN")
        case .disconnect: throw .disconnected
        }
    }

    private func chunks(of bytes: [UInt8], max: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            let size: Int = switch chunking {
            case .whole: max
            case .bytes: 1
            case .random: Int(generator.next() % UInt64(Swift.max(1, Swift.min(max, rest.count)))) + 1
            }
            out.append(Array(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return out
    }

    private static func name(_ step: ReaderTrace.Step) -> String {
        switch step {
        case .out(let b): "a command \(frameHead(b))"
        case .bulkIn: "an answer"
        case .interruptIn: "a slot change"
        }
    }
}
