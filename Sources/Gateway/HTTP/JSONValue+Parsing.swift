/// Reading stored documents (`compactText`: a charge's card details, a reader's action) back into values.
///
/// By hand because `JSONDecoder` builds a value of this recursive enum by trying each container kind in turn and
/// each scalar type after the other, every miss an allocated error: 8 % of the gateway's CPU went there when it
/// rendered each card-present charge. The result is the `Decodable` init's: object keys sorted, integers only (a
/// number with a fraction, or one out of the 64-bit range, makes the document unreadable), nesting at most 64 deep.
extension JSONValue {
    public init?(jsonText: String) {
        var parser = JSONTextParser(bytes: Array(jsonText.utf8))
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        guard parser.atEnd else { return nil }
        self = value
    }
}

private struct JSONTextParser {
    let bytes: [UInt8]
    var i = 0

    static let maxDepth = 64

    var atEnd: Bool { i == bytes.count }

    private func peek(_ ascii: Unicode.Scalar) -> Bool { i < bytes.count && bytes[i] == UInt8(ascii: ascii) }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth < Self.maxDepth else { return nil }
        skipSpace()
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return number()
        }
    }

    private mutating func object(depth: Int) -> JSONValue? {
        i += 1
        var fields: [(String, JSONValue)] = []
        skipSpace()
        if peek("}") { i += 1; return .object([]) }
        while true {
            skipSpace()
            guard let key = string() else { return nil }
            skipSpace()
            guard peek(":") else { return nil }
            i += 1
            guard let item = value(depth: depth + 1) else { return nil }
            fields.append((key, item))
            skipSpace()
            if peek(",") { i += 1; continue }
            guard peek("}") else { return nil }
            i += 1
            // A repeated key keeps its last value, as a decoder's keyed container does.
            var seen: [String: Int] = [:]
            var unique: [(String, JSONValue)] = []
            for (key, item) in fields {
                if let at = seen[key] { unique[at].1 = item } else { seen[key] = unique.count; unique.append((key, item)) }
            }
            return .object(unique.sorted { $0.0 < $1.0 })
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if peek("]") { i += 1; return .array([]) }
        while true {
            guard let item = value(depth: depth + 1) else { return nil }
            items.append(item)
            skipSpace()
            if peek(",") { i += 1; continue }
            guard peek("]") else { return nil }
            i += 1
            return .array(items)
        }
    }

    private mutating func literal(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard i + utf8.count <= bytes.count, Array(bytes[i..<i + utf8.count]) == utf8 else { return false }
        i += utf8.count
        return true
    }

    private mutating func number() -> JSONValue? {
        let start = i
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) || "-+.eE".utf8.contains(bytes[i]) { i += 1 }
        guard i > start, bytes[start] == UInt8(ascii: "-") || (0x30...0x39).contains(bytes[start]) else { return nil }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if let n = Int64(text) { return .int(n) }
        if let d = Double(text), d.rounded() == d, let n = Int64(exactly: d) { return .int(n) }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for b in bytes[i..<i + 4] {
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(digit)
        }
        i += 4
        return v
    }

    mutating func string() -> String? {
        guard peek("\"") else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { return nil }
                let escape = bytes[i]
                i += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(code) {
                        guard peek("\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    out.append(contentsOf: UTF8.encode(scalar)!)
                default:
                    return nil
                }
            case 0x00..<0x20:
                return nil // control characters must be escaped
            default:
                out.append(b)
            }
        }
        return nil
    }
}
