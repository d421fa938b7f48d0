import Testing
import TestSupport
import PaymentCore

/// Feeds the decoder random and damaged input: it must never crash, and must throw only `.invalidTLV`
/// with an offset inside the input; whatever it accepts must re-encode and decode to the same objects.
@Suite("BER-TLV fuzz")
struct BERTLVFuzzTests {
    /// Bytes that steer the decoder into its interesting branches.
    static let interesting: [UInt8] = [0x00, 0xFF, 0x1F, 0x9F, 0xBF, 0xDF, 0x70, 0x77, 0x5A, 0x57, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x01, 0x7F]

    /// Outcome of one decode attempt; `problem` is set when the decoder broke a promise.
    static func check(_ bytes: [UInt8]) -> (accepted: Bool, problem: String?) {
        do {
            let items = try BERTLV.decode(bytes)
            let encoded = BERTLV.encode(items)
            let again = try BERTLV.decode(encoded)
            guard again == items, BERTLV.encode(again) == encoded else {
                return (true, "round trip changed \(hexString(bytes))")
            }
            return (true, nil)
        } catch {
            // The decoder's typed throws make PaymentCoreError the only possible error type.
            guard error.code == .invalidTLV else { return (false, "code \(error.code) for \(hexString(bytes))") }
            guard let offset = error.offset, (0...bytes.count).contains(offset) else {
                return (false, "offset \(String(describing: error.offset)) outside \(bytes.count) bytes")
            }
            guard error.location != nil, !error.message.isEmpty else { return (false, "no location for \(hexString(bytes))") }
            return (false, nil)
        }
    }

    @Test func randomBytes() {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        var problems: [String] = []
        var accepted = 0
        for _ in 0..<5000 {
            let count = Int.random(in: 0...48, using: &generator)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &generator) ? Self.interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            let result = Self.check(bytes)
            if result.accepted { accepted += 1 }
            if let problem = result.problem { problems.append(problem) }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(accepted > 100, "the generator should also produce valid input; got \(accepted)")
    }

    @Test func truncationsAndMutationsOfValidEncodings() throws {
        let vectors = try loadVectors("tlv-vectors", as: [TLVVector].self)
        var generator = SeededGenerator(seed: 0x5EED_0002)
        var problems: [String] = []
        var rejected = 0
        for vector in vectors {
            let bytes = hex(vector.hex)
            for cut in 0..<bytes.count {
                let result = Self.check(Array(bytes[..<cut]))
                if !result.accepted { rejected += 1 }
                if let problem = result.problem { problems.append(problem) }
            }
            for _ in 0..<300 where !bytes.isEmpty {
                var mutated = bytes
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let index = Int.random(in: 0..<mutated.count, using: &generator)
                    mutated[index] = Bool.random(using: &generator)
                        ? Self.interesting.randomElement(using: &generator)!
                        : UInt8.random(in: 0...255, using: &generator)
                }
                if let problem = Self.check(mutated).problem { problems.append(problem) }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(rejected > 500, "truncation should mostly be rejected; got \(rejected)")
    }

    @Test func randomTreesRoundTrip() throws {
        var generator = SeededGenerator(seed: 0x5EED_0003)
        let primitives: [Tag] = [0x5A, 0x9F26, 0x9F02, 0xDF8129, 0x84, 0x50]
        let templates: [Tag] = [0x70, 0x77, 0xA5, 0xBF0C, 0x61]
        func tree(depth: Int) -> TLV {
            if depth == 0 || Int.random(in: 0..<3, using: &generator) == 0 {
                let length = Int.random(in: 0...(Bool.random(using: &generator) ? 20 : 300), using: &generator)
                return TLV(tag: primitives.randomElement(using: &generator)!, value: (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            }
            let children = (0..<Int.random(in: 0...4, using: &generator)).map { _ in tree(depth: depth - 1) }
            return TLV(tag: templates.randomElement(using: &generator)!, children: children)
        }
        for _ in 0..<300 {
            let items = (0..<Int.random(in: 1...3, using: &generator)).map { _ in tree(depth: 4) }
            let encoded = BERTLV.encode(items)
            let decoded = try BERTLV.decode(encoded)
            #expect(decoded == items)
            #expect(BERTLV.encode(decoded) == encoded)
        }
    }
}
