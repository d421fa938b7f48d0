/// Cuts CCID messages out of the bytes a reader sends, however the transfers split them: a whole message per
/// transfer (the usual case), a message over several transfers (a payload larger than the endpoint's packet), or
/// byte by byte. Pure: bytes in, messages out.
public struct CCIDFrameDecoder: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    /// Bytes not yet part of a whole message.
    public var pending: Int { buffer.count }

    /// The size of the message being received, once its header is in.
    public var needed: Int? {
        guard buffer.count >= CCID.headerLength else { return nil }
        return CCID.headerLength + (Int(buffer[1]) | Int(buffer[2]) << 8 | Int(buffer[3]) << 16 | Int(buffer[4]) << 24)
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next whole message, nil while more bytes are needed. A header that cannot start a message (an unknown
    /// type, an impossible length) throws, and the decoder drops what it holds: the reader has lost the framing.
    public mutating func next() throws(CCIDError) -> CCIDResponse? {
        guard buffer.count >= CCID.headerLength else { return nil }
        guard let type = CCID.Reply(rawValue: buffer[0]), type != .notifySlotChange, type != .hardwareError else {
            let t = buffer[0]
            buffer = []
            throw .unknownMessageType(t)
        }
        let length = Int(buffer[1]) | Int(buffer[2]) << 8 | Int(buffer[3]) << 16 | Int(buffer[4]) << 24
        guard length <= CCID.maxPayload else {
            buffer = []
            throw .lengthTooLarge(length)
        }
        guard buffer.count >= CCID.headerLength + length else { return nil }
        let message = CCIDResponse(type: type, slot: buffer[5], sequence: buffer[6], status: buffer[7], error: buffer[8], parameter: buffer[9],
                                   payload: Array(buffer[CCID.headerLength..<(CCID.headerLength + length)]))
        buffer.removeFirst(CCID.headerLength + length)
        return message
    }

    /// Decodes one complete transfer: its first whole message (bytes after it are ignored).
    public static func decode(_ transfer: [UInt8]) throws(CCIDError) -> CCIDResponse {
        var decoder = CCIDFrameDecoder()
        decoder.feed(transfer)
        guard let message = try decoder.next() else {
            let needed = transfer.count < CCID.headerLength ? CCID.headerLength
                : CCID.headerLength + (Int(transfer[1]) | Int(transfer[2]) << 8 | Int(transfer[3]) << 16 | Int(transfer[4]) << 24)
            throw .shortFrame(got: transfer.count, needed: needed)
        }
        return message
    }
}

/// What the interrupt IN endpoint says (§6.3): a card arrived or left (NotifySlotChange), or the reader failed
/// (HardwareError).
public enum CCIDInterrupt: Sendable, Equatable {
    /// Slot 0's state: a card present, and whether that changed since the last report.
    case slotChange(present: Bool, changed: Bool)
    case hardwareError(sequence: UInt8, code: UInt8)

    /// One interrupt transfer: NotifySlotChange is the type and two bits per slot (bit 0 present, bit 1 changed;
    /// one byte for up to four slots); HardwareError is four bytes (type, slot, sequence, code).
    public static func decode(_ transfer: [UInt8]) throws(CCIDError) -> CCIDInterrupt {
        guard let type = transfer.first else { throw .shortFrame(got: 0, needed: 2) }
        switch CCID.Reply(rawValue: type) {
        case .notifySlotChange?:
            guard transfer.count >= 2 else { throw .shortFrame(got: transfer.count, needed: 2) }
            return .slotChange(present: transfer[1] & 0x01 != 0, changed: transfer[1] & 0x02 != 0)
        case .hardwareError?:
            guard transfer.count >= 4 else { throw .shortFrame(got: transfer.count, needed: 4) }
            return .hardwareError(sequence: transfer[2], code: transfer[3])
        default:
            throw .unknownMessageType(type)
        }
    }
}
