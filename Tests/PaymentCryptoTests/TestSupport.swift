import Foundation
import TestSupport

/// Loads a JSON vector file from `Vectors/` next to this file (written by `Vectors/generate_vectors.py`).
func loadVectors<T: Decodable>(_ name: String, as type: T.Type) -> T {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/\(name)")
    do {
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    } catch {
        fatalError("cannot read vector file \(name): \(error)")
    }
}

/// Hands out the given values in order (then zeros): for published examples whose "random" bytes are fixed.
struct ScriptedGenerator: RandomNumberGenerator {
    var values: [UInt64]

    mutating func next() -> UInt64 { values.isEmpty ? 0 : values.removeFirst() }
}

