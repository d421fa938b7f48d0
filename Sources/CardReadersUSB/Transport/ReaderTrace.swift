import Foundation
import PaymentCore

/// A reader's USB traffic as text, one transfer a line — what `TracingTransport` writes and `ReplayTransport`
/// plays back (docs/readers.md: recording a new reader):
///
///     # ACS ACR122U, a Visa tap
///     > 6F 09 00 00 00 00 01 00 00 00 FF 00 00 00 04 D4 4A 01 00     bulk OUT (the driver's command)
///     < 80 02 00 00 00 00 01 00 00 00 61 0C                          bulk IN (the reader's answer)
///     ! 50 03                                                        interrupt IN (a slot change)
///     < timeout | < stall | < disconnect                             a failed transfer
///
/// `#` starts a comment; bytes are hex pairs, spaces optional.
public struct ReaderTrace: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        case out([UInt8])
        case bulkIn(Reply)
        case interruptIn(Reply)
    }

    public enum Reply: Sendable, Equatable {
        case bytes([UInt8])
        case timeout, stall, disconnect
    }

    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// Reads a trace; errors name the line.
    public init(parsing text: String) throws(ReaderError) {
        var steps: [Step] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let direction = trimmed.first else { continue }
            let body = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
            func reply() throws(ReaderError) -> Reply {
                switch body {
                case "timeout": return .timeout
                case "stall": return .stall
                case "disconnect": return .disconnect
                default:
                    guard let bytes = HexCoding.decode(body) else { throw .malformed("trace line \(n + 1): not hex bytes") }
                    return .bytes(bytes)
                }
            }
            switch direction {
            case ">":
                guard let bytes = HexCoding.decode(body) else { throw .malformed("trace line \(n + 1): not hex bytes") }
                steps.append(.out(bytes))
            case "<": steps.append(.bulkIn(try reply()))
            case "!": steps.append(.interruptIn(try reply()))
            default: throw .malformed("trace line \(n + 1) starts with '\(direction)': use >, <, ! or #")
            }
        }
        self.steps = steps
    }

    public var text: String {
        steps.map { step in
            switch step {
            case .out(let bytes): "> " + HexCoding.spaced(bytes)
            case .bulkIn(let reply): "< " + Self.text(reply)
            case .interruptIn(let reply): "! " + Self.text(reply)
            }
        }.joined(separator: "\n") + "\n"
    }

    private static func text(_ reply: Reply) -> String {
        switch reply {
        case .bytes(let bytes): HexCoding.spaced(bytes)
        case .timeout: "timeout"
        case .stall: "stall"
        case .disconnect: "disconnect"
        }
    }
}
