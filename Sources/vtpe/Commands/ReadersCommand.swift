import ArgumentParser
import CardReadersUSB
import Foundation

/// `vtpe readers`: the card readers attached, what they are and whether vtpe can take them.
struct ReadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers",
        abstract: "List the card readers attached (USB, and PC/SC when pcscd runs) and the built-in simulator.",
        discussion: """
        Each line: vendor:product, model, kind, bus address, and who holds it (free, a kernel driver, another program \
        such as pcscd). Open one with `vtpe terminal --reader usb` (the first known reader) or `--reader usb:VID:PID`. \
        docs/readers.md lists the supported readers and the udev rule for running without root.
        """
    )
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "List every USB device, not only the card readers vtpe knows.") var all = false

    struct Entry: Encodable {
        var id: String
        var model: String
        var kind: String
        var reader: String
        var bus: Int?
        var address: Int?
        var path: String?
        var state: String
        var detail: String
    }

    func run() async throws {
        let attached: [AttachedReader]
        var problem: String?
        do {
            attached = try AttachedReader.list(all: all)
        } catch {
            // No USB bus to read (a container): the simulator is still there.
            attached = []
            problem = error.description
        }
        var entries = [Entry(id: "simulator", model: "vtpe card simulator", kind: "simulator", reader: "simulator", bus: nil, address: nil, path: nil,
                             state: "free", detail: "the built-in test cards (vtpe tap, the QA panel)")]
        // The readers pcscd has (when it runs): it holds them, vtpe reaches them through it.
        var pcscProblem: String?
        do {
            for name in try PCSCCardReader.readers() {
                entries.append(Entry(id: "pcsc:\(name)", model: name, kind: "PC/SC", reader: "pcsc:\(name)", bus: nil, address: nil, path: nil,
                                     state: "pcscd", detail: "through pcscd"))
            }
        } catch {
            pcscProblem = error.description
        }
        for r in attached {
            let id = r.device.idText
            entries.append(Entry(id: id, model: r.device.model?.name ?? "unknown device", kind: r.device.model?.kind.rawValue ?? "-",
                                 reader: "usb:\(id)", bus: Int(r.device.bus), address: Int(r.device.address), path: r.path,
                                 state: r.state.word, detail: r.state.description))
        }
        if json {
            struct Listing: Encodable { var readers: [Entry]; var usb_error: String?; var pcsc_error: String? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Listing(readers: entries, usb_error: problem, pcsc_error: pcscProblem)), as: UTF8.self))
            return
        }
        for e in entries {
            let place = e.path.map { " \($0)" } ?? ""
            print("\(e.id.padding(toLength: 10, withPad: " ", startingAt: 0)) \(e.model) (\(e.kind))\(place) — \(e.detail)  [--reader \(e.reader)]")
        }
        if let problem { FileHandle.standardError.write(Data("vtpe: cannot read the USB bus: \(problem)\n".utf8)) }
        if attached.isEmpty, problem == nil, !all { print("(no USB card reader attached)") }
    }
}
