import PaymentCore

/// An ISO 7816-4 command APDU (CLA INS P1 P2 [Lc data] [Le]), short form.
public struct CommandAPDU: Sendable, Hashable, CustomStringConvertible {
    public let cla: UInt8
    public let ins: UInt8
    public let p1: UInt8
    public let p2: UInt8
    public let data: [UInt8]
    /// Expected response length; `0` in the encoding means 256, `nil` means no Le byte.
    public let le: UInt8?

    public init(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: UInt8? = nil) throws(EMVError) {
        guard data.count <= 255 else {
            throw EMVError(.invalidAPDU, "command data of \(data.count) bytes does not fit a short APDU (255 at most)")
        }
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
    }

    /// Parses the four ISO 7816-4 cases from bytes.
    public init(bytes: [UInt8]) throws(EMVError) {
        guard bytes.count >= 4 else {
            throw EMVError(.invalidAPDU, "a command APDU needs at least 4 bytes, got \(bytes.count)")
        }
        let body = Array(bytes.dropFirst(4))
        switch body.count {
        case 0:
            try self.init(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3])
        case 1:
            try self.init(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3], le: body[0])
        default:
            let lc = Int(body[0])
            if lc == 0 || body.count < 1 + lc || body.count > 2 + lc {
                throw EMVError(.invalidAPDU, "Lc \(lc) does not match \(body.count - 1) bytes after it", offset: 4)
            }
            let data = Array(body[1...lc])
            let le: UInt8? = body.count == 2 + lc ? body[1 + lc] : nil
            try self.init(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3], data: data, le: le)
        }
    }

    /// The encoded command.
    public var bytes: [UInt8] {
        var out: [UInt8] = [cla, ins, p1, p2]
        if !data.isEmpty { out.append(UInt8(data.count)); out += data }
        if let le { out.append(le) }
        return out
    }

    /// Spaced hex, except that the PIN block of a VERIFY shows as `**` per byte; `bytes` has the real thing.
    public var description: String {
        guard ins == 0x20, !data.isEmpty else { return HexCoding.spaced(bytes) }
        var parts = [HexCoding.spaced([cla, ins, p1, p2, UInt8(data.count)])] + Array(repeating: "**", count: data.count)
        if let le { parts.append(HexCoding.spaced([le])) }
        return parts.joined(separator: " ")
    }

    /// SELECT by name (DF name / AID), first or only occurrence.
    public static func select(name: [UInt8]) throws(EMVError) -> CommandAPDU {
        try CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: name, le: 0x00)
    }

    /// SELECT of the contactless directory `2PAY.SYS.DDF01`.
    public static let selectPPSE: CommandAPDU = try! .select(name: Array("2PAY.SYS.DDF01".utf8))

    /// SELECT of the contact directory `1PAY.SYS.DDF01`.
    public static let selectPSE: CommandAPDU = try! .select(name: Array("1PAY.SYS.DDF01".utf8))
}

/// An ISO 7816-4 response APDU: data followed by the status word.
public struct ResponseAPDU: Sendable, Hashable, CustomStringConvertible {
    public let data: [UInt8]
    public let status: StatusWord

    public init(data: [UInt8] = [], status: StatusWord) {
        self.data = data
        self.status = status
    }

    /// Splits raw bytes into data and the trailing SW1 SW2.
    public init(bytes: [UInt8]) throws(EMVError) {
        guard bytes.count >= 2 else {
            throw EMVError(.invalidAPDU, "a response APDU needs at least the 2 status bytes, got \(bytes.count)")
        }
        data = Array(bytes.dropLast(2))
        status = StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
    }

    public var bytes: [UInt8] { data + [status.sw1, status.sw2] }

    /// Spaced hex; when the data holds card secrets (PAN, track data, cardholder name) it shows as masked TLV instead.
    public var description: String {
        if let objects = try? BERTLV.decode(data), objects.contains(where: Self.holdsSensitiveData) {
            return objects.map(\.description).joined(separator: " ") + " " + HexCoding.spaced([status.sw1, status.sw2])
        }
        return HexCoding.spaced(bytes)
    }

    private static func holdsSensitiveData(_ object: TLV) -> Bool {
        object.tag.isSensitive || object.children.contains(where: holdsSensitiveData)
    }
}

/// The two status bytes that end every response APDU.
public struct StatusWord: Sendable, Hashable, CustomStringConvertible {
    public let sw1: UInt8
    public let sw2: UInt8

    public init(sw1: UInt8, sw2: UInt8) {
        self.sw1 = sw1
        self.sw2 = sw2
    }

    public init(_ value: UInt16) {
        self.init(sw1: UInt8(value >> 8), sw2: UInt8(value & 0xFF))
    }

    public var value: UInt16 { UInt16(sw1) << 8 | UInt16(sw2) }

    public static let success = StatusWord(0x9000)
    public static let fileNotFound = StatusWord(0x6A82)
    public static let recordNotFound = StatusWord(0x6A83)
    public static let conditionsNotSatisfied = StatusWord(0x6985)
    public static let authenticationMethodBlocked = StatusWord(0x6983)
    public static let wrongLength = StatusWord(0x6700)
    public static let incorrectP1P2 = StatusWord(0x6A86)
    public static let insNotSupported = StatusWord(0x6D00)
    public static let claNotSupported = StatusWord(0x6E00)
    public static let wrongData = StatusWord(0x6A80)
    public static let selectedFileInvalidated = StatusWord(0x6283)

    /// `63Cx`: verification failed, x tries left.
    public static func verificationFailed(triesLeft: Int) -> StatusWord {
        StatusWord(sw1: 0x63, sw2: 0xC0 | UInt8(max(0, min(triesLeft, 15))))
    }

    public var isSuccess: Bool { value == 0x9000 }

    /// What the status word means, for traces and error messages.
    public var meaning: String {
        switch value {
        case 0x9000: return "success"
        case 0x6A82: return "file or application not found"
        case 0x6A83: return "record not found"
        case 0x6985: return "conditions of use not satisfied"
        case 0x6983: return "authentication method blocked"
        case 0x6984: return "referenced data invalidated"
        case 0x6700: return "wrong length"
        case 0x6A86: return "incorrect P1 P2"
        case 0x6A80: return "incorrect data"
        case 0x6A81: return "function not supported (card or application blocked)"
        case 0x6A88: return "referenced data not found"
        case 0x6300: return "authentication failed"
        case 0x6F00: return "no precise diagnosis"
        case 0x6D00: return "instruction not supported"
        case 0x6E00: return "class not supported"
        case 0x6283: return "selected file invalidated"
        default:
            if sw1 == 0x63 && sw2 & 0xF0 == 0xC0 { return "verification failed, \(sw2 & 0x0F) tries left" }
            if sw1 == 0x61 { return "\(sw2) more bytes available" }
            if sw1 == 0x6C { return "wrong Le, \(sw2) expected" }
            return "unknown status"
        }
    }

    public var description: String { HexCoding.encode([sw1, sw2]) + " (\(meaning))" }
}

