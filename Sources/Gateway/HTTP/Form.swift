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

    /// Parses a form body. Percent-decoding follows the HTML form rules (`+` is a space).
    public static func parse(_ body: [UInt8]) throws(APIError) -> FormNode {
        guard let text = String(validating: body, as: UTF8.self) else {
            throw APIError.invalidRequest("The request body is not valid UTF-8.")
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(APIError) -> FormNode {
        var root = FormNode.object([:], order: [])
        if text.isEmpty { return root }
        let pairs = text.split(separator: "&", omittingEmptySubsequences: true)
        guard pairs.count <= maxPairs else {
            throw APIError.invalidRequest("The request has \(pairs.count) parameters; at most \(maxPairs) are accepted.")
        }
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawKey = decodeComponent(String(parts[0])) else {
                throw APIError.invalidRequest("A parameter name is not valid percent-encoded UTF-8.")
            }
            guard let value = decodeComponent(parts.count > 1 ? String(parts[1]) : "") else {
                throw APIError.invalidRequest("The value of `\(rawKey)` is not valid percent-encoded UTF-8.", param: rawKey)
            }
            let path = try keyPath(rawKey)
            try root.insert(value, at: path[...], fullKey: rawKey)
        }
        return root
    }

    /// `+` → space and `%XX` → byte, then the bytes as UTF-8; nil for a bad escape or invalid UTF-8.
    static func decodeComponent(_ s: String) -> String? {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == 0x25 || $0 == 0x2B }) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let byte = utf8[i]
            if byte == 0x2B {
                out.append(0x20)
            } else if byte == 0x25 {
                let hi = utf8.index(after: i)
                guard hi != utf8.endIndex, let h = hexValue(utf8[hi]) else { return nil }
                let lo = utf8.index(after: hi)
                guard lo != utf8.endIndex, let l = hexValue(utf8[lo]) else { return nil }
                out.append(h << 4 | l)
                i = lo
            } else {
                out.append(byte)
            }
            i = utf8.index(after: i)
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

    static func keyPath(_ raw: String) throws(APIError) -> [PathElement] {
        guard let open = raw.firstIndex(of: "[") else {
            guard !raw.isEmpty, !raw.contains("]") else { throw APIError.invalidRequest("Invalid parameter name `\(raw)`.", param: raw) }
            return [.key(raw)]
        }
        let head = String(raw[..<open])
        guard !head.isEmpty else { throw APIError.invalidRequest("Invalid parameter name `\(raw)`.", param: raw) }
        var path: [PathElement] = [.key(head)]
        var rest = raw[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else {
                throw APIError.invalidRequest("Invalid parameter name `\(raw)`: unbalanced brackets.", param: raw)
            }
            let inner = String(rest[rest.index(after: rest.startIndex)..<close])
            if inner.isEmpty {
                path.append(.append)
            } else if let n = Int(inner), inner.allSatisfy(\.isASCII) {
                guard n >= 0, n <= maxListIndex else {
                    throw APIError.invalidRequest("Invalid array index in `\(raw)`.", param: raw)
                }
                path.append(.index(n))
            } else {
                guard !inner.contains("[") else {
                    throw APIError.invalidRequest("Invalid parameter name `\(raw)`: unbalanced brackets.", param: raw)
                }
                path.append(.key(inner))
            }
            rest = rest[rest.index(after: close)...]
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
