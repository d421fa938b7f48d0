import ArgumentParser
import CardReaders
import EMV
import Foundation
import PaymentCore

/// One of the simulator's cards on a pipe: command APDUs in, the card's answers out, one hex line each. QA scripts a
/// card dialogue with it, and the USB tests put it behind an emulated reader, so a real driver talks to our card.
struct APDUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apdu",
        abstract: "Talk to a simulator card APDU by APDU: hex commands on stdin, the card's answers on stdout.",
        discussion: """
        CARD is a catalog name, a test card number, a pm_card_… id or a simulator key, as for `vtpe tap`. The card is
        powered up through --mode (tap: contactless, insert: contact) and answers each line of stdin — a command APDU
        in hex, spaces allowed — with one line: its answer in hex, status word last. A line `reset` powers it up again
        (the counters stay); blank lines and lines starting with # are skipped. A line that is not an APDU is answered
        `error: …` and the card goes on. Test cards only: their answers carry the test card number.
        Example: echo 00A404000E325041592E5359532E444446303100 | vtpe apdu visa
        """
    )

    @Argument(help: "The card.") var card: String
    @Option(help: "How the card is presented: tap or insert.") var mode = "tap"

    func validate() throws {
        guard let mode = EntryMode(word: mode), mode.chipInterface != nil else { throw ValidationError("--mode must be tap or insert") }
    }

    func run() async throws {
        let interface = EntryMode(word: mode)!.chipInterface!
        let channel: VirtualCardChannel
        do {
            let profile = try SimulatedCardReader.profile(of: try SimulatedCardReader().card(for: card), now: Date())
            guard profile.interfaces.contains(interface) else {
                throw CLIError("\(card) has no chip on the \(interface) interface", exitCode: 2)
            }
            channel = VirtualCardChannel(card: VirtualCard(profile: profile), interface: interface)
        } catch let error as CardReaderError {
            throw CLIError(error.description, exitCode: 2).exit()
        } catch let error as CLIError {
            throw error.exit()
        }
        while let line = readLine() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            if text.lowercased() == "reset" {
                await interface == .contact ? channel.insert() : channel.tap()
                answer("ok")
                continue
            }
            guard let bytes = HexCoding.decode(text.replacingOccurrences(of: " ", with: "")) else {
                answer("error: not hex")
                continue
            }
            do throws(EMVError) {
                let response = try await channel.transmit(try CommandAPDU(bytes: bytes))
                answer(HexCoding.encode(response.bytes))
            } catch {
                answer("error: \(error.description)")
            }
        }
    }

    /// One line out, at once: the other end waits for it before its next command.
    private func answer(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
