import Foundation

/// A parsed `application/x-www-form-urlencoded` body in Stripe's bracket syntax
/// (`a[b][c]=1`, `list[]=x`, `list[0]=x`), as a tree.
///
/// Written by hand rather than with Hummingbird's `URLEncodedFormDecoder` because the Stripe wire contract needs
/// what a `Decodable` mapping cannot give: the exact parameter path of every error (`param` in the error body),
/// rejection of unknown parameters by name, and `[]`/`[N]` lists treated alike.
public indirect enum FormNode: Sendable, Equatable {
    case value(String)
    case object([String: FormNode], order: [String])
    case list([FormNode])

    /// Limits that keep a hostile body from costing memory or stack.
    public static let maxDepth = 8
    public static let maxPairs = 1_000
    public static let maxListIndex = 999

    /// Parses a form body. Percent-decoding follows the HTML form rules (`+` is a space). Split and decoded as bytes:
    /// `String`'s split walks grapheme clusters, and was most of the parse on a large body (a batch of payments).
    public static func parse(_ body: [UInt8]) throws(APIError) -> FormNode {
        var root = FormNode.object([:], order: [])
        if body.isEmpty { return root }
        guard String(validating: body, as: UTF8.self) != nil else {
            throw APIError.invalidRequest("The request body is not valid UTF-8.")
        }
        let pairs = body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true)
        guard pairs.count <= maxPairs else {
            throw APIError.invalidRequest("The request has \(pairs.count) parameters; at most \(maxPairs) are accepted.")
        }
        for pair in pairs {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            guard let rawKey = decodeComponent(pair[..<(equals ?? pair.endIndex)]) else {
                throw APIError.invalidRequest("A parameter name is not valid percent-encoded UTF-8.")
            }
            guard let value = decodeComponent(equals.map { pair[($0 + 1)...] } ?? []) else {
                throw APIError.invalidRequest("The value of `\(rawKey)` is not valid percent-encoded UTF-8.", param: rawKey)
            }
            let path = try keyPath(rawKey)
            try root.insert(value, at: path[...], fullKey: rawKey)
        }
        return root
    }

    public static func parse(_ text: String) throws(APIError) -> FormNode {
        try parse(Array(text.utf8))
    }

    /// `+` → space and `%XX` → byte, then the bytes as UTF-8; nil for a bad escape or invalid UTF-8.
    static func decodeComponent(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.contains(where: { $0 == 0x25 || $0 == 0x2B }) else { return String(validating: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let byte = bytes[i]
            if byte == 0x2B {
                out.append(0x20)
            } else if byte == 0x25 {
                guard i + 2 < bytes.endIndex, let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) else { return nil }
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// One step of a parameter path: a name, an explicit index, or `[]` (append).
    enum PathElement: Equatable {
        case key(String)
        case index(Int)
        case append
    }

    /// Brackets are found in the UTF-8 view (ASCII), not by `Character`: faster, and a combining mark after a
    /// bracket cannot hide it.
    static func keyPath(_ raw: String) throws(APIError) -> [PathElement] {
        let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
        guard let open = raw.utf8.firstIndex(of: openBracket) else {
            guard !raw.isEmpty, !raw.utf8.contains(closeBracket) else { throw APIError.invalidRequest("Invalid parameter name `\(raw)`.", param: raw) }
            return [.key(raw)]
        }
        let head = String(raw[..<open])
        guard !head.isEmpty else { throw APIError.invalidRequest("Invalid parameter name `\(raw)`.", param: raw) }
        var path: [PathElement] = [.key(head)]
        var rest = raw[open...]
        while !rest.isEmpty {
            guard rest.utf8.first == openBracket, let close = rest.utf8.firstIndex(of: closeBracket) else {
                throw APIError.invalidRequest("Invalid parameter name `\(raw)`: unbalanced brackets.", param: raw)
            }
            let inner = String(rest[rest.utf8.index(after: rest.startIndex)..<close])
            if inner.isEmpty {
                path.append(.append)
            } else if inner.utf8.allSatisfy({ $0 < 0x80 }), let n = Int(inner) {
                guard n >= 0, n <= maxListIndex else {
                    throw APIError.invalidRequest("Invalid array index in `\(raw)`.", param: raw)
                }
                path.append(.index(n))
            } else {
                guard !inner.utf8.contains(openBracket) else {
                    throw APIError.invalidRequest("Invalid parameter name `\(raw)`: unbalanced brackets.", param: raw)
                }
                path.append(.key(inner))
            }
            rest = rest[rest.utf8.index(after: close)...]
            guard path.count <= maxDepth else {
                throw APIError.invalidRequest("Parameter `\(raw)` is nested more than \(maxDepth) levels deep.", param: raw)
            }
        }
        return path
    }

    private mutating func insert(_ value: String, at path: ArraySlice<PathElement>, fullKey: String) throws(APIError) {
        guard let step = path.first else {
            switch self {
            case .object(let d, _) where d.isEmpty: self = .value(value)
            case .value: throw APIError.invalidRequest("Received the parameter `\(fullKey)` more than once.", param: fullKey)
            default: throw APIError.invalidRequest("Invalid parameter `\(fullKey)`: it is both a value and a hash.", param: fullKey)
            }
            return
        }
        let rest = path.dropFirst()
        switch step {
        case .key(let k):
            guard case .object(var dict, var order) = self else {
                throw APIError.invalidRequest("Invalid parameter `\(fullKey)`: it mixes a hash with a list or value.", param: fullKey)
            }
            // Copies out of `self` share its storage: drop the node's own reference first, so the dictionary, its
            // key order and the child are mutated in place (else every parameter copied the whole level).
            self = .list([])
            var child = dict[k] ?? FormNode.object([:], order: [])
            if dict[k] == nil { order.append(k) }
            dict[k] = nil  // keep the child uniquely referenced while it is mutated
            try child.insert(value, at: rest, fullKey: fullKey)
            dict[k] = child
            self = .object(dict, order: order)
        case .index, .append:
            var items: [FormNode]
            switch self {
            case .list(let l): items = l
            case .object(let d, _) where d.isEmpty: items = []
            default:
                throw APIError.invalidRequest("Invalid parameter `\(fullKey)`: it mixes a list with a hash or value.", param: fullKey)
            }
            self = .list([])  // as above: the list mutated in place
            let index: Int
            if case .index(let n) = step {
                index = n
            } else if rest.isEmpty || items.isEmpty || items[items.count - 1].hasLeaf(at: rest) {
                // `a[]=x` appends; `a[][k]=1&a[][k]=2` starts a new element when the key repeats.
                index = items.count
            } else {
                index = items.count - 1
            }
            guard index <= items.count else {
                throw APIError.invalidRequest("Invalid array index in `\(fullKey)`: indexes must start at 0 and not skip.", param: fullKey)
            }
            if index == items.count { items.append(.object([:], order: [])) }
            try items[index].insert(value, at: rest, fullKey: fullKey)
            self = .list(items)
        }
    }

    private func hasLeaf(at path: ArraySlice<PathElement>) -> Bool {
        guard let step = path.first else {
            if case .value = self { return true }
            return false
        }
        if case .key(let k) = step, case .object(let d, _) = self, let child = d[k] {
            return child.hasLeaf(at: path.dropFirst())
        }
        return false
    }
}
