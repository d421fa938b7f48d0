/// A Caisse-AP message (the French protocol between a till and its payment terminal, version 3 over TCP/IP): ASCII
/// fields written one after the other as a two-character tag, a three-digit length and the value, with the version
/// (`CZ`) first. There is no frame marker: a message ends where its last field does.
///
/// Hand-written: the format is a few lines of rules, and no maintained library speaks it.
public struct CaisseAPMessage: Sendable, Equatable, CustomStringConvertible {
    public struct Field: Sendable, Equatable {
        public var tag: String
        public var value: String

        public init(_ tag: String, _ value: String) {
            self.tag = tag
            self.value = value
        }
    }

    /// In the order they are written (`CZ` first when present).
    public private(set) var fields: [Field]

    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    public subscript(tag: String) -> String? {
        get { fields.first { $0.tag == tag }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.tag == tag }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append(Field(tag, newValue))
            }
        }
    }

    /// The longest value a field can carry (three length digits).
    public static let maxValueLength = 999
    /// What a peer may send at most: a message longer than this is refused unread (a real one is a few hundred bytes).
    public static let maxMessageLength = 16_384

    /// The bytes on the wire, `CZ` first. Fails for a tag that is not two letters or digits, a value that is empty,
    /// longer than 999 characters or not printable ASCII.
    public func encoded() throws(CaisseAPError) -> [UInt8] {
        var ordered = fields.filter { $0.tag == "CZ" }
        ordered += fields.filter { $0.tag != "CZ" }
        var out: [UInt8] = []
        for field in ordered {
            guard Self.isTag(Array(field.tag.utf8)) else { throw .badTag(field.tag, offset: out.count) }
            let bytes = Array(field.value.utf8)
            guard !bytes.isEmpty, bytes.count <= Self.maxValueLength, bytes.allSatisfy(Self.isPrintable) else {
                throw .badValue(tag: field.tag, reason: "must be 1 to 999 printable ASCII characters")
            }
            out += field.tag.utf8
            let length = String(bytes.count)
            out += (String(repeating: "0", count: 3 - length.count) + length).utf8
            out += bytes
        }
        return out
    }

    /// Reads a whole message. Every byte must belong to a field: a tag of two ASCII letters or digits, three length
    /// digits, that many printable ASCII characters; a tag may appear once.
    public static func decode(_ bytes: [UInt8]) throws(CaisseAPError) -> CaisseAPMessage {
        switch scan(bytes) {
        case .complete(let message): return message
        case .incomplete(let offset): throw .truncated(offset: offset)
        case .invalid(let error): throw error
        }
    }

    /// What the bytes received so far hold: a whole message, the start of one (more may come), or something that no
    /// more bytes can make right.
    public enum Scan: Sendable, Equatable {
        case complete(CaisseAPMessage)
        case incomplete(offset: Int)
        case invalid(CaisseAPError)
    }

    public static func scan(_ bytes: [UInt8]) -> Scan {
        guard bytes.count <= maxMessageLength else { return .invalid(.tooLong(bytes.count)) }
        guard !bytes.isEmpty else { return .incomplete(offset: 0) }
        var fields: [Field] = []
        var i = 0
        while i < bytes.count {
            let start = i
            if bytes.count - i < 5 {
                // Only part of a field's header so far: wrong already, or waiting for more.
                let tagPart = bytes[i..<min(i + 2, bytes.count)]
                guard tagPart.allSatisfy(isTagByte) else { return .invalid(.badTag(printable(tagPart), offset: i)) }
                if bytes.count > i + 2, !bytes[(i + 2)...].allSatisfy(isDigit) { return .invalid(.badLength(tag: printable(tagPart), offset: i + 2)) }
                return .incomplete(offset: start)
            }
            let tagBytes = Array(bytes[i..<i + 2])
            guard isTag(tagBytes) else { return .invalid(.badTag(printable(bytes[i..<i + 2]), offset: i)) }
            let tag = String(decoding: tagBytes, as: UTF8.self)
            let lengthBytes = bytes[i + 2..<i + 5]
            guard lengthBytes.allSatisfy(isDigit) else { return .invalid(.badLength(tag: tag, offset: i + 2)) }
            let length = lengthBytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard length > 0 else { return .invalid(.badLength(tag: tag, offset: i + 2)) }
            i += 5
            let end = i + length
            let available = bytes[i..<min(end, bytes.count)]
            if let bad = available.firstIndex(where: { !isPrintable($0) }) { return .invalid(.notASCII(tag: tag, offset: bad)) }
            guard end <= bytes.count else { return .incomplete(offset: start) }
            guard !fields.contains(where: { $0.tag == tag }) else { return .invalid(.duplicateTag(tag)) }
            fields.append(Field(tag, String(decoding: bytes[i..<end], as: UTF8.self)))
            i = end
        }
        return .complete(CaisseAPMessage(fields))
    }

    /// `CZ0040300CJ012…`: the message as it travels (it holds no secret: the PAN in an answer is masked).
    public var description: String {
        (try? encoded()).map { String(decoding: $0, as: UTF8.self) } ?? fields.map { "\($0.tag)=\($0.value)" }.joined(separator: " ")
    }

    static func isTag(_ bytes: [UInt8]) -> Bool { bytes.count == 2 && bytes.allSatisfy(isTagByte) }
    static func isTagByte(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x30...0x39).contains(b) }
    static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    static func isPrintable(_ b: UInt8) -> Bool { (0x20...0x7E).contains(b) }

    /// Bytes for an error message: printable ASCII as it is, anything else as `\xNN`.
    static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { isPrintable($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }.joined()
    }
}

/// Why a message cannot be read or written; each names where.
public enum CaisseAPError: Error, Sendable, Equatable, CustomStringConvertible {
    case badTag(String, offset: Int)
    case badLength(tag: String, offset: Int)
    case notASCII(tag: String, offset: Int)
    case truncated(offset: Int)
    case duplicateTag(String)
    case tooLong(Int)
    case badValue(tag: String, reason: String)
    case missing(String)

    public var description: String {
        switch self {
        case .badTag(let tag, let offset): "bad tag \"\(tag)\" at byte \(offset): a tag is two capital letters or digits"
        case .badLength(let tag, let offset): "bad length for \(tag) at byte \(offset): three digits, 001 to 999"
        case .notASCII(let tag, let offset): "the value of \(tag) holds a byte that is not printable ASCII at byte \(offset)"
        case .truncated(let offset): "the message stops in the middle of the field at byte \(offset)"
        case .duplicateTag(let tag): "the field \(tag) comes twice"
        case .tooLong(let count): "the message is \(count) bytes long, more than \(CaisseAPMessage.maxMessageLength)"
        case .badValue(let tag, let reason): "\(tag) \(reason)"
        case .missing(let tag): "the field \(tag) is missing"
        }
    }
}
