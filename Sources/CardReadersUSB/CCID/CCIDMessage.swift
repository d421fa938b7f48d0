import PaymentCore

/// CCID messages (USB Device Class: Smart Card CCID, rev 1.1, §6): the 10-byte header — type, little-endian payload
/// length, slot, sequence, three message-specific bytes — and the payload. Written by hand: no Swift library speaks
/// CCID, and the framing is small enough to check byte by byte against the specification's tables.
public enum CCID {
    /// The header's size; every message starts with it.
    public static let headerLength = 10
    /// The largest payload vtpe accepts from a reader (a short APDU's answer is 258 bytes; extended ones up to 64 KiB).
    public static let maxPayload = 65_544

    /// PC_to_RDR messages (§6.1).
    public enum Command: UInt8, Sendable, Equatable {
        case iccPowerOn = 0x62
        case iccPowerOff = 0x63
        case getSlotStatus = 0x65
        case escape = 0x6B
        case xfrBlock = 0x6F
    }

    /// RDR_to_PC messages (§6.2) and the interrupt endpoint's slot change (§6.3).
    public enum Reply: UInt8, Sendable, Equatable, CustomStringConvertible {
        case dataBlock = 0x80
        case slotStatus = 0x81
        case escape = 0x83
        case notifySlotChange = 0x50
        case hardwareError = 0x51

        public var description: String {
            switch self {
            case .dataBlock: "DataBlock"
            case .slotStatus: "SlotStatus"
            case .escape: "Escape"
            case .notifySlotChange: "NotifySlotChange"
            case .hardwareError: "HardwareError"
            }
        }
    }

    /// The card in the slot, from the status byte's bits 0–1 (bmICCStatus).
    public enum CardStatus: UInt8, Sendable, Equatable, CustomStringConvertible {
        case presentActive = 0, presentInactive = 1, absent = 2

        public var description: String {
            switch self {
            case .presentActive: "in the slot, powered"
            case .presentInactive: "in the slot, not powered"
            case .absent: "absent"
            }
        }
    }
}

/// A command to the reader, as bytes on the bulk OUT endpoint.
public struct CCIDCommand: Sendable, Equatable {
    public var type: CCID.Command
    public var slot: UInt8
    public var sequence: UInt8
    /// bBWI / wLevelParameter for XfrBlock, bPowerSelect for IccPowerOn (byte 7, then 8–9).
    public var specific: (UInt8, UInt8, UInt8)
    public var payload: [UInt8]

    public init(_ type: CCID.Command, slot: UInt8 = 0, sequence: UInt8, specific: (UInt8, UInt8, UInt8) = (0, 0, 0), payload: [UInt8] = []) {
        self.type = type
        self.slot = slot
        self.sequence = sequence
        self.specific = specific
        self.payload = payload
    }

    public var bytes: [UInt8] {
        let n = UInt32(payload.count)
        return [type.rawValue, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24 & 0xFF), slot, sequence,
                specific.0, specific.1, specific.2] + payload
    }

    public static func == (a: CCIDCommand, b: CCIDCommand) -> Bool { a.bytes == b.bytes }
}

/// A message from the reader (bulk IN), or a slot change (interrupt IN).
public struct CCIDResponse: Sendable, Equatable {
    public var type: CCID.Reply
    public var slot: UInt8
    public var sequence: UInt8
    /// bStatus: the card's state (bits 0–1) and the command's (bits 6–7).
    public var status: UInt8
    /// bError: why the command failed (when it did), or the time extension's multiplier.
    public var error: UInt8
    /// bChainParameter / bClockStatus.
    public var parameter: UInt8
    public var payload: [UInt8]

    public var cardStatus: CCID.CardStatus { CCID.CardStatus(rawValue: status & 0x03) ?? .absent }
    /// bmCommandStatus 1: the command failed (`error` says why).
    public var failed: Bool { status & 0xC0 == 0x40 }
    /// bmCommandStatus 2: the reader asks for more time; the answer follows on the same endpoint.
    public var timeExtension: Bool { status & 0xC0 == 0x80 }
}

/// Why a reader's answer could not be used. Every case names what was wrong, for the screen and the log.
public enum CCIDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than the header, or than the header's length announced.
    case shortFrame(got: Int, needed: Int)
    case unknownMessageType(UInt8)
    /// The payload length is beyond anything a reader sends.
    case lengthTooLarge(Int)
    /// The answer belongs to another command (a stale answer, or a reader that lost count).
    case wrongSequence(expected: UInt8, got: UInt8)
    /// The answer is not the kind the command calls for (a SlotStatus to an XfrBlock, say).
    case unexpectedReply(expected: CCID.Reply, got: CCID.Reply)
    /// bmCommandStatus "failed", with bError (§6.2.6: 0xFE card mute, 0xFD parity, 0xFB hardware error, 0xE0 slot busy …).
    case commandFailed(error: UInt8, card: CCID.CardStatus)
    /// The slot is empty.
    case noCard

    public var description: String {
        switch self {
        case .shortFrame(let got, let needed): "short CCID frame: \(got) bytes, expected \(needed)"
        case .unknownMessageType(let t): "unknown CCID message type 0x\(hex(t))"
        case .lengthTooLarge(let n): "CCID payload length \(n) is beyond any reader's"
        case .wrongSequence(let e, let g): "CCID answer out of sequence: expected \(e), got \(g)"
        case .unexpectedReply(let e, let g): "CCID answer of the wrong kind: expected \(e), got \(g)"
        case .commandFailed(let e, let card): "the reader reports an error: \(Self.errorName(e)) (0x\(hex(e))); the card is \(card)"
        case .noCard: "no card in the reader"
        }
    }

    /// The names of §6.2.6's slot errors.
    static func errorName(_ e: UInt8) -> String {
        switch e {
        case 0xFF: "command aborted"
        case 0xFE: "card mute (no answer)"
        case 0xFD: "parity error"
        case 0xFC: "overrun"
        case 0xFB: "hardware error"
        case 0xF8: "bad ATR TS"
        case 0xF7: "bad ATR TCK"
        case 0xF6: "protocol not supported"
        case 0xF5: "class not supported"
        case 0xF4: "procedure byte conflict"
        case 0xF3: "deactivated protocol"
        case 0xF2: "busy with auto sequence"
        case 0xF0: "PIN time-out"
        case 0xEF: "PIN cancelled"
        case 0xE0: "slot busy"
        case 0x00: "command not supported"
        default: "error"
        }
    }
}

func hex(_ byte: UInt8) -> String { HexCoding.encode([byte]) }
