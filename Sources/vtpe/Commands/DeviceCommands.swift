import ArgumentParser

/// The battery of a portable or mobile terminal, for tests: below 20 % it warns, at 5 % new transactions are refused.
struct BatteryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "battery",
        abstract: "Show or set the running terminal's battery: a level (0-100) or `charge`.",
        discussion: "`vtpe battery 4` empties it (a new sale is refused; one in progress completes); `vtpe battery charge` plugs the charger in."
    )
    @Argument(help: "A level in percent, or charge; nothing to show it.") var level: String?
    @OptionGroup var connection: TerminalConnection

    func validate() throws {
        if let level, level != "charge", !(Double(level).map { (0...100).contains($0) } ?? false) {
            throw ValidationError("the level is 0 to 100 (percent), or charge")
        }
    }

    func run() async throws { try await connection.send((["battery"] + (level.map { [$0] } ?? [])).joined(separator: " ")) }
}

/// The receipt printer, for tests: out of paper or cover open, receipts wait and print when it is ready again.
struct PrinterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "printer",
        abstract: "Show or set the running terminal's printer: paper (ready), out (of paper) or open (cover).",
        discussion: "Receipts made while the printer cannot print are held; `vtpe printer paper` prints them (and reprints work again)."
    )
    @Argument(help: "paper, out or open; nothing to show it.") var state: String?
    @OptionGroup var connection: TerminalConnection

    func validate() throws {
        if let state, !["paper", "out", "open"].contains(state) { throw ValidationError("the printer state is paper, out or open") }
    }

    func run() async throws { try await connection.send((["printer"] + (state.map { [$0] } ?? [])).joined(separator: " ")) }
}

/// The customer's answer to "customer receipt?", for scripts (profiles that print the customer copy on request).
struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Answer the running terminal's \"customer receipt?\": print, email ADDRESS or none.",
        discussion: "Profiles whose customer copy is `on_request` (smartpos, mpos, softpos, fr) ask after each approved payment; unanswered, the question lapses after 30 s with no receipt."
    )
    @Argument(help: "print, email or none.") var choice: String
    @Argument(help: "The customer's e-mail address (with email).") var address: String?
    @OptionGroup var connection: TerminalConnection

    func validate() throws {
        guard ["print", "email", "none"].contains(choice) else { throw ValidationError("the choice is print, email ADDRESS or none") }
        if choice == "email", address == nil { throw ValidationError("email needs the customer's address: vtpe receipt email ADDRESS") }
        if choice != "email", address != nil { throw ValidationError("only email takes an address") }
    }

    func run() async throws { try await connection.send((["receipt", choice] + (address.map { [$0] } ?? [])).joined(separator: " ")) }
}

/// Takes the inserted card out of the simulator's slot (the terminal stops asking to remove it).
struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Take the card out of the running terminal's reader (an inserted card, also mid-transaction)."
    )
    @OptionGroup var connection: TerminalConnection

    func run() async throws { try await connection.send("remove") }
}
