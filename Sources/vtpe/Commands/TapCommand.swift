import ArgumentParser
import CardReaders
import Foundation
import PaymentCore

struct TapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap",
        abstract: "Present a simulator card to a running terminal.",
        discussion: """
        CARD is a catalog name (visa, visa_insufficient_funds, …), a test card number, a pm_card_… id or a simulator
        key 1-9. `vtpe tap --list` shows the catalog. The terminal must be waiting for a card; --amount enters one first.
        A chip card that asks for a PIN takes the one given with --pin (every test card's PIN is 1234); without it the
        terminal's PIN pad opens for the person at the terminal.
        A co-badged card (CB + Visa) asks the cardholder which brand to use; --app chooses ahead (CB, VISA or 1, 2).
        Exit codes with --wait: 0 approved, 3 declined, 4 not completed, 5 waiting for a PIN or an application choice at the
        terminal, 1 error.
        """
    )

    @Argument(help: "The card to present.") var card: String?
    @Option(help: "How the card is presented: tap, insert or swipe.") var mode = "tap"
    @Option(help: ArgumentHelp("Enter this amount (e.g. 12.34) before presenting the card.", valueName: "amount"))
    var amount: String?
    @Option(help: ArgumentHelp("The PIN the cardholder types when the card asks for one (4-12 digits).", valueName: "digits"))
    var pin: String?
    @Option(help: ArgumentHelp("The application the cardholder picks on a card with several brands (its label, e.g. CB, or its position).", valueName: "app"))
    var app: String?
    @Flag(help: "Wait for the result and print it.") var wait = false
    @Flag(help: "With --mode swipe: the card is inserted first and its chip fails, so the stripe is read as the EMV fallback (a chip card swiped otherwise is refused: use chip).")
    var fallback = false
    @Flag(help: "List the test cards and exit.") var list = false
    @OptionGroup var connection: TerminalConnection

    func validate() throws {
        if !list, card == nil { throw ValidationError("give the card to present, or --list") }
        if EntryMode(word: mode) == nil { throw ValidationError("--mode must be tap, insert or swipe") }
        if let pin, !((4...12).contains(pin.count) && pin.allSatisfy({ $0.isASCII && $0.isNumber })) {
            throw ValidationError("--pin must be 4 to 12 digits")
        }
    }

    func run() async throws {
        if list {
            for c in TestCardCatalog.standard.cards {
                let key = c.simulatorKey.map { "[\($0)]" } ?? "   "
                print("\(key) \(c.name.padding(toLength: 48, withPad: " ", startingAt: 0)) \(c.pan?.revealDigits() ?? "(fails Luhn)")  \(c.description)")
            }
            return
        }
        // Resolve the card here too, so a typo is reported the same way whatever the terminal is doing.
        do { _ = try SimulatedCardReader().card(for: card!) } catch {
            throw CLIError(error.description, exitCode: 2).exit()
        }
        do {
            if let amount {
                let reply = try await connection.ask("amount \(amount)")
                if reply.hasPrefix("error ") { throw CLIError(String(reply.dropFirst(6)), exitCode: 2) }
            }
            let modeWord = EntryMode(word: mode)!.rawValue
            let reply = try await connection.ask("tap \(card!) \(modeWord)\(pin.map { " pin=\($0)" } ?? "")\(app.map { " app=\($0)" } ?? "")\(fallback ? " fallback" : "")\(wait ? " wait" : "")")
            try ControlSocket.printReply(reply)
        } catch let error as CLIError {
            throw error.exit()
        } catch let error as ExitCode {
            throw error
        }
    }
}
