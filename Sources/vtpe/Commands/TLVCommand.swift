import ArgumentParser
import EMV
import Foundation
import PaymentCore

/// `vtpe tlv decode HEX`: nested BER-TLV with EMV tag names, and TVR/TSI/AIP/CVM fields decoded bit by bit.
struct TLVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlv",
        abstract: "Decode BER-TLV (EMV data, DE55) into named, nested fields.",
        subcommands: [Decode.self]
    )

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pretty-print BER-TLV hex; card numbers and track data are masked unless --reveal.",
            discussion: "Example: vtpe tlv decode 9F3403420300950580000480009B02E800"
        )
        @Argument(help: "The TLV bytes in hex (spaces allowed).") var hex: [String]
        @Flag(help: "Show PAN, track and cardholder-name values in full (test cards only).") var reveal = false

        func run() async throws {
            guard let bytes = HexCoding.decode(hex.joined()) else {
                throw CLIError("not hex: expected an even number of 0-9/A-F digits", exitCode: 2).exit()
            }
            let items: [TLV]
            do { items = try BERTLV.decode(bytes) } catch {
                throw CLIError("invalid TLV: \(error.description)", exitCode: 2).exit()
            }
            var lines: [String] = []
            for item in items { TLVCommand.render(item, depth: 0, reveal: reveal, into: &lines) }
            printLine(lines.joined(separator: "\n"))
        }
    }

    static func render(_ tlv: TLV, depth: Int, reveal: Bool, into lines: inout [String]) {
        let indent = String(repeating: "  ", count: depth)
        let name = EMVTags.info(for: tlv.tag)?.name ?? "unknown tag"
        if tlv.tag.isConstructed {
            lines.append("\(indent)\(tlv.tag.hex) \(name) (\(tlv.value.count) bytes)")
            for child in tlv.children { render(child, depth: depth + 1, reveal: reveal, into: &lines) }
            return
        }
        let shown = tlv.tag.isSensitive && !reveal ? masked(tlv) : HexCoding.encode(tlv.value)
        lines.append("\(indent)\(tlv.tag.hex) \(name) [\(tlv.value.count)] \(shown)\(text(tlv))")
        for detail in details(tlv) { lines.append("\(indent)    \(detail)") }
    }

    /// Sensitive values keep their length and at most the first 6 / last 4 digits.
    static func masked(_ tlv: TLV) -> String {
        if tlv.tag == .pan, let pan = try? PAN(HexCoding.encode(tlv.value).filter { $0 != "F" }) { return pan.masked }
        if tlv.tag == .track2Equivalent, let t2 = try? Track2(emvBytes: tlv.value) { return "\(t2)" }
        return String(repeating: "*", count: tlv.value.count * 2)
    }

    /// Printable text for alphanumeric tags (labels, names of applications).
    static func text(_ tlv: TLV) -> String {
        guard let format = EMVTags.info(for: tlv.tag)?.format, [.a, .an, .ans].contains(format), !tlv.tag.isSensitive,
              let s = String(bytes: tlv.value, encoding: .ascii), s.allSatisfy({ $0.isASCII && !$0.isNewline }) else { return "" }
        return "  \"\(s)\""
    }

    /// Bit-by-bit decoding of the fields engineers read most.
    static func details(_ tlv: TLV) -> [String] {
        func bits<T: NamedBitSet>(_ type: T.Type) -> [String] {
            guard let value = T(bytes: tlv.value) else { return ["(expected \(T.byteCount) bytes)"] }
            let names = value.setBitNames
            return names.isEmpty ? ["(no bits set)"] : names.map { "• " + $0 }
        }
        switch tlv.tag.rawValue {
        case 0x95: return bits(TerminalVerificationResults.self)
        case 0x9B: return bits(TransactionStatusInformation.self)
        case 0x82: return bits(ApplicationInterchangeProfile.self)
        case 0x9F33: return bits(TerminalCapabilities.self)
        case 0x9F34: return CVMResults(bytes: tlv.value).map { ["• \($0)"] } ?? ["(expected 3 bytes)"]
        case 0x8E:
            guard let list = try? CVMList(bytes: tlv.value) else { return ["(not a valid CVM list)"] }
            return ["amount X \(list.amountX), amount Y \(list.amountY)"] + list.rules.map { "• \($0)" }
        default: return []
        }
    }
}
