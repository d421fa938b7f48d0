import Yams

/// The fields a profile may have, for naming unknown ones with the nearest known name ("did you mean …?").
/// The values themselves are checked when the profile is decoded and validated.
enum ProfileSchema {
    indirect enum Shape: Sendable {
        case value
        /// A mapping with these fields.
        case fields([String: Shape])
        /// A mapping whose keys are data (currency codes), each value of this shape.
        case keyed(Shape)
    }

    static let limits: Shape = .fields(["max_amount": .value, "floor_limit": .value, "contactless_transaction_limit": .value, "contactless_cvm_limit": .value])

    static let root: Shape = .fields([
        "id": .value, "extends": .value, "name": .value, "model": .value, "form_factor": .value, "language": .value,
        "display": .fields(["columns": .value, "rows": .value]),
        "keypad": .fields(["keys": .value, "touch": .value]),
        "printer": .fields(["columns": .value, "paper_mm": .value]),
        "currency": .value, "country": .value, "interfaces": .value, "connectivity": .value,
        "battery": .fields(["capacity_mah": .value, "drain_per_transaction": .value, "drain_per_idle_minute": .value]),
        "limits": limits,
        "transactions": .fields(["enabled": .value, "incremental_authorization": .value, "unreferenced_refund": .value]),
        "tipping": .fields(["mode": .value, "percentages": .value]),
        "receipt": .fields(["header": .value, "footer": .value, "merchant_copy": .value, "customer_copy": .value, "email": .value]),
        "emv": .fields([
            "terminal_type": .value, "terminal_capabilities": .value, "additional_terminal_capabilities": .value,
            "tac": .fields(["denial": .value, "online": .value, "default": .value]),
            "applications": .value,
            "contactless_limits": .keyed(.fields(["transaction": .value, "cvm": .value])),
        ]),
        "merchant": .fields(["name": .value, "city": .value, "contract_number": .value]),
        "key_management": .value,
        "firmware": .fields(["version": .value, "kernel_version": .value]),
        "offline": .fields([
            "enabled": .value, "limits": .keyed(.fields(["per_payment": .value, "total": .value])), "max_count": .value, "max_age_hours": .value,
        ]),
        "network": .fields([
            "latency_ms": .value, "jitter_ms": .value, "loss_percent": .value, "outages": .value, "seed": .value,
            "random_outages": .fields(["every_s": .value, "for_s": .value]),
        ]),
    ])

    /// Throws for the first field no profile has, naming its file, line and the nearest known name.
    static func check(_ node: Node, file: String) throws(ProfileError) {
        try check(node, shape: root, path: [], file: file)
    }

    private static func check(_ node: Node, shape: Shape, path: [String], file: String) throws(ProfileError) {
        switch shape {
        case .value:
            return
        case .keyed(let inner):
            guard let mapping = node.mapping else { return }
            for (_, value) in mapping { try check(value, shape: inner, path: path + ["*"], file: file) }
        case .fields(let fields):
            // `battery: false` and `printer: none`-style scalars are decoded (and refused if wrong) later.
            guard let mapping = node.mapping else { return }
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                guard let inner = fields[name] else {
                    let within = path.isEmpty ? "" : " in '\(path.joined(separator: "."))'"
                    let known = fields.keys.sorted()
                    let hint = nearest(name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                    throw ProfileError(file: file, line: key.mark?.line,
                                       message: "unknown field '\(name)'\(within)\(hint); known fields: \(known.joined(separator: ", "))")
                }
                try check(value, shape: inner, path: path + [name], file: file)
            }
        }
    }

    /// The known name closest to `name` by edit distance, when it is close enough to be a typo.
    static func nearest(_ name: String, in known: [String]) -> String? {
        if let prefix = known.filter({ name.hasPrefix($0) || $0.hasPrefix(name) }).max(by: { $0.count < $1.count }) { return prefix }
        let scored = known.map { ($0, distance(name.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored, d <= max(2, best.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance (no library here does it; it is ten lines).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
