import Foundation

/// Loads a JSON vector file from `Vectors/` next to this file (written by `Vectors/generate_vectors.py`).
func loadVectors<T: Decodable>(_ name: String, as type: T.Type) -> T {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/\(name)")
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    } catch {
        fatalError("cannot read vector file \(name): \(error)")
    }
}

/// SplitMix64: a seeded generator, so that tests with random fill are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Hands out the given values in order (then zeros): for published examples whose "random" bytes are fixed.
struct ScriptedGenerator: RandomNumberGenerator {
    var values: [UInt64]

    mutating func next() -> UInt64 { values.isEmpty ? 0 : values.removeFirst() }
}

/// Everything a value shows of itself: `description`, `String(reflecting:)` and `dump`.
func renderings(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    return ["\(value)", String(reflecting: value), dumped]
}
