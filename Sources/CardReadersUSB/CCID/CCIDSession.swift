/// One CCID reader's bulk pipe: numbers each command, sends it, and reads until its answer — through time
/// extensions, across transfers that split a message — and turns a failed or foreign answer into a named error.
/// The poll loop and the card's channel take turns on the same pipe, one exchange at a time: an actor alone would
/// let a second exchange start while the first awaits the transport, so exchanges queue for the pipe (`acquire`),
/// and a reader's two-step exchange (the ACR122U's direct transmit and GET RESPONSE) holds it throughout.
public actor CCIDSession {
    private let transport: any USBTransport
    private var sequence: UInt8 = 0
    private var decoder = CCIDFrameDecoder()
    /// An exchange has the pipe; the others wait in order.
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Answers to earlier commands (a reader that answered after our time-out) skipped before ours, at most.
    static let staleAnswers: UInt8 = 4
    /// How long one transfer may take; a time extension restarts it.
    public let timeout: Duration
    /// The largest bulk IN transfer asked for (the header and a 261-byte short APDU answer fit; longer messages come
    /// in several transfers).
    public let readSize: Int
    /// Time extensions answered before the reader is given up on (a reader that asks for more time forever).
    public static let maxTimeExtensions = 60

    public init(transport: any USBTransport, timeout: Duration = .seconds(5), readSize: Int = 271) {
        self.transport = transport
        self.timeout = timeout
        self.readSize = readSize
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() } // the pipe passes on, still busy
    }

    /// Sends a command and returns its answer of kind `expected`.
    public func transceive(_ type: CCID.Command, specific: (UInt8, UInt8, UInt8) = (0, 0, 0), payload: [UInt8] = [],
                           expecting expected: CCID.Reply) async throws(ReaderError) -> CCIDResponse {
        await acquire()
        defer { release() }
        return try await exchange(type, specific: specific, payload: payload, expecting: expected)
    }

    /// The ACR122U's PN532 frame: direct transmit, then GET RESPONSE for the `61 xx` it answers, with the pipe held
    /// from the first to the last (a poll in between would take the waiting answer). The reader's answer as it is.
    public func pn532(_ frame: [UInt8]) async throws(ReaderError) -> [UInt8] {
        guard frame.count <= 255 else { throw .malformed("a \(frame.count)-byte PN532 frame is more than the ACR122U carries") }
        await acquire()
        defer { release() }
        var answer = try await exchange(.xfrBlock, payload: PN532.directTransmit(frame), expecting: .dataBlock).payload
        if answer.count == 2, answer[0] == 0x61 {
            answer = try await exchange(.xfrBlock, payload: PN532.getResponse(answer[1]), expecting: .dataBlock).payload
        }
        return answer
    }

    private func exchange(_ type: CCID.Command, specific: (UInt8, UInt8, UInt8) = (0, 0, 0), payload: [UInt8] = [],
                          expecting expected: CCID.Reply) async throws(ReaderError) -> CCIDResponse {
        let number = sequence
        sequence &+= 1
        decoder = CCIDFrameDecoder() // nothing of an earlier, failed exchange is read as this one's answer
        try await transport.write(CCIDCommand(type, sequence: number, specific: specific, payload: payload).bytes, timeout: timeout)
        var extensions = 0
        while true {
            let answer = try await nextMessage()
            if answer.sequence != number {
                // A late answer to one of the last few commands (it came after their time-out): not ours, skipped.
                // Any other number is a reader that lost count.
                let behind = number &- answer.sequence
                guard behind >= 1, behind <= Self.staleAnswers else {
                    throw .protocolError(.wrongSequence(expected: number, got: answer.sequence))
                }
                continue
            }
            if answer.timeExtension {
                extensions += 1
                guard extensions <= Self.maxTimeExtensions else { throw .timeout("the reader asked for more time \(extensions) times") }
                continue
            }
            if answer.failed { throw .protocolError(.commandFailed(error: answer.error, card: answer.cardStatus)) }
            guard answer.type == expected else { throw .protocolError(.unexpectedReply(expected: expected, got: answer.type)) }
            return answer
        }
    }

    private func nextMessage() async throws(ReaderError) -> CCIDResponse {
        while true {
            do throws(CCIDError) {
                if let message = try decoder.next() { return message }
            } catch {
                throw .protocolError(error)
            }
            let chunk: [UInt8]
            do throws(ReaderError) {
                chunk = try await transport.read(maxLength: readSize, timeout: timeout)
            } catch .timeout where decoder.pending > 0 {
                // Part of a message came, the rest never did: a short frame, not a silent reader.
                throw .protocolError(.shortFrame(got: decoder.pending, needed: decoder.needed ?? CCID.headerLength))
            }
            guard !chunk.isEmpty else { throw .protocolError(.shortFrame(got: decoder.pending, needed: CCID.headerLength)) }
            decoder.feed(chunk)
        }
    }

    /// Powers the card up; its ATR (for a contactless reader, the one it makes up from the card's answer to select).
    public func powerOn() async throws(ReaderError) -> [UInt8] {
        try await transceive(.iccPowerOn, expecting: .dataBlock).payload
    }

    public func powerOff() async throws(ReaderError) {
        _ = try await transceive(.iccPowerOff, expecting: .slotStatus)
    }

    /// Whether a card is in the slot (or the field). A reader that answers "failed, card absent" (mute) is an
    /// empty slot, not an error.
    public func cardStatus() async throws(ReaderError) -> CCID.CardStatus {
        do throws(ReaderError) {
            return try await transceive(.getSlotStatus, expecting: .slotStatus).cardStatus
        } catch .protocolError(.commandFailed(_, .absent)) {
            return .absent
        }
    }

    /// An APDU (or a reader's pseudo-APDU) to the card; the answer's bytes.
    public func transmit(_ apdu: [UInt8]) async throws(ReaderError) -> [UInt8] {
        try await transceive(.xfrBlock, payload: apdu, expecting: .dataBlock).payload
    }

    /// A vendor command to the reader itself (LEDs, buzzer, firmware version).
    public func escape(_ bytes: [UInt8]) async throws(ReaderError) -> [UInt8] {
        try await transceive(.escape, payload: bytes, expecting: .escape).payload
    }
}
