import PaymentCore

/// Typed, path-checked access to a parsed form. Every read marks its parameter as known; `rejectUnknown()` then
/// names the first parameter the endpoint does not take, as Stripe does.
public struct FormParams: Sendable {
    private let root: FormNode
    private var known: Set<String> = []
    private var knownPrefixes: Set<String> = []

    public init(_ root: FormNode) { self.root = root }

    public init(body: [UInt8]) throws(APIError) { self.init(try FormNode.parse(body)) }

    /// Bracket form of a path: `["a", "b"]` → `a[b]`.
    public static func name(_ path: [String]) -> String {
        guard let first = path.first else { return "" }
        return first + path.dropFirst().map { "[\($0)]" }.joined()
    }

    private func node(_ path: [String]) -> FormNode? {
        var cur = root
        for p in path {
            switch cur {
            case .object(let d, _):
                guard let n = d[p] else { return nil }
                cur = n
            case .list(let l):
                guard let i = Int(p), l.indices.contains(i) else { return nil }
                cur = l[i]
            case .value:
                return nil
            }
        }
        return cur
    }

    /// True when the parameter (or anything under it) was sent.
    public func has(_ path: String...) -> Bool { node(path) != nil }
    public func has(_ path: [String]) -> Bool { node(path) != nil }

    /// A string parameter; a hash or list where a string belongs is an error naming the parameter.
    public mutating func string(_ path: String...) throws(APIError) -> String? {
        try string(path)
    }

    public mutating func string(_ path: [String]) throws(APIError) -> String? {
        known.insert(Self.name(path))
        guard let n = node(path) else { return nil }
        guard case .value(let s) = n else {
            throw APIError.invalidRequest("Invalid string: `\(Self.name(path))` must be a string, not a hash or array.", param: Self.name(path))
        }
        return s
    }

    /// A required string.
    public mutating func requiredString(_ path: String...) throws(APIError) -> String {
        try requiredString(path)
    }

    public mutating func requiredString(_ path: [String]) throws(APIError) -> String {
        guard let s = try string(path), !s.isEmpty else {
            throw APIError.invalidRequest("Missing required param: \(Self.name(path)).", param: Self.name(path))
        }
        return s
    }

    /// An integer parameter (decimal digits, optional leading minus), range-checked.
    public mutating func integer(_ path: String..., range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        try integer(path, range: range)
    }

    public mutating func integer(_ path: [String], range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        guard let s = try string(path) else { return nil }
        let name = Self.name(path)
        guard let v = Int64(s) else {
            throw APIError.invalidRequest("Invalid integer: \(s.prefix(40))", param: name)
        }
        guard range.contains(v) else {
            throw APIError.invalidRequest("Invalid \(name): must be between \(range.lowerBound) and \(range.upperBound).", param: name)
        }
        return v
    }

    /// A boolean parameter (`true` / `false`).
    public mutating func bool(_ path: String...) throws(APIError) -> Bool? {
        try bool(path)
    }

    public mutating func bool(_ path: [String]) throws(APIError) -> Bool? {
        guard let s = try string(path) else { return nil }
        switch s {
        case "true": return true
        case "false": return false
        default: throw APIError.invalidRequest("Invalid boolean: \(s.prefix(40))", param: Self.name(path))
        }
    }

    /// A list of strings sent as `p[]=a&p[]=b` or `p[0]=a&p[1]=b`.
    public mutating func stringList(_ path: String...) throws(APIError) -> [String]? {
        let name = Self.name(path)
        known.insert(name)
        knownPrefixes.insert(name)
        guard let n = node(path) else { return nil }
        guard case .list(let items) = n else {
            if case .value(let s) = n, s.isEmpty { return [] }
            throw APIError.invalidRequest("Invalid array: `\(name)` must be an array.", param: name)
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .value(let s) = item else {
                throw APIError.invalidRequest("Invalid array: `\(name)[\(i)]` must be a string.", param: "\(name)[\(i)]")
            }
            out.append(s)
        }
        return out
    }

    /// A `metadata` hash, checked against Stripe's limits: 50 keys, key ≤ 40 chars without brackets, value ≤ 500 chars.
    /// An empty string value means "delete this key".
    public mutating func metadata(_ path: String...) throws(APIError) -> [String: String]? {
        let name = Self.name(path)
        known.insert(name)
        knownPrefixes.insert(name)
        guard let n = node(path) else { return nil }
        switch n {
        case .value(let s) where s.isEmpty:
            return [:]
        case .object(let d, _):
            guard d.count <= 50 else {
                throw APIError.invalidRequest("Invalid \(name): must have at most 50 keys.", param: name)
            }
            var out: [String: String] = [:]
            for (k, v) in d {
                guard case .value(let s) = v else {
                    throw APIError.invalidRequest("Invalid \(name)[\(k)]: metadata values must be strings.", param: "\(name)[\(k)]")
                }
                guard k.count <= 40 else {
                    throw APIError.invalidRequest("Invalid \(name): keys must be at most 40 characters.", param: "\(name)[\(k)]")
                }
                guard s.count <= 500 else {
                    throw APIError.invalidRequest("Invalid \(name)[\(k)]: values must be at most 500 characters.", param: "\(name)[\(k)]")
                }
                out[k] = s
            }
            return out
        default:
            throw APIError.invalidRequest("Invalid \(name): must be a hash of string keys to string values.", param: name)
        }
    }

    /// Marks parameters that every endpoint accepts and ignores (`expand` is honoured by the route itself).
    public mutating func allow(_ names: String...) {
        for n in names { known.insert(n); knownPrefixes.insert(n) }
    }

    /// Throws for the first parameter nobody read: `Received unknown parameter: x[y]`.
    public func rejectUnknown() throws(APIError) {
        for leaf in Self.leaves(root, prefix: []) {
            let full = Self.name(leaf)
            if known.contains(full) { continue }
            if (1...leaf.count).contains(where: { knownPrefixes.contains(Self.name(Array(leaf.prefix($0)))) }) { continue }
            // Report the shallowest unknown name, as Stripe does.
            let shallowest = (1...leaf.count).map { Self.name(Array(leaf.prefix($0))) }
                .first { n in !known.contains(n) && !known.contains(where: { $0.hasPrefix(n + "[") }) } ?? full
            throw APIError.invalidRequest("Received unknown parameter: \(shallowest)", param: shallowest)
        }
    }

    private static func leaves(_ node: FormNode, prefix: [String]) -> [[String]] {
        switch node {
        case .value: return [prefix]
        case .object(let d, let order):
            if d.isEmpty { return prefix.isEmpty ? [] : [prefix] }
            return order.flatMap { leaves(d[$0]!, prefix: prefix + [$0]) }
        case .list(let l):
            return l.indices.flatMap { leaves(l[$0], prefix: prefix + [String($0)]) }
        }
    }
}
