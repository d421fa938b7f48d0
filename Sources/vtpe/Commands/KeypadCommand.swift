import ArgumentParser
import Foundation

/// Presses keys on a running terminal's keypad: the PIN pad from a script, or cancelling a sale.
struct KeypadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keypad",
        abstract: "Press keys on a running terminal (digits, E enter, C cancel, B backspace).",
        discussion: """
        Example: `vtpe keypad 1234E` types a PIN and confirms it; `vtpe keypad C` cancels. With --wait, waits for the
        sale's result and prints it (exit codes as `vtpe tap --wait`).
        """
    )

    @Argument(help: "The keys, in order: 0-9, E (Enter), C (Cancel), B (Backspace).") var keys: String
    @Flag(help: "Wait for the result of the sale and print it.") var wait = false
    @OptionGroup var connection: TerminalConnection

    func validate() throws {
        guard !keys.isEmpty, keys.count <= 64, keys.allSatisfy({ "0123456789ECB".contains($0.uppercased()) }) else {
            throw ValidationError("keys are 0-9, E (Enter), C (Cancel) and B (Backspace), at most 64 of them")
        }
    }

    func run() async throws {
        try await connection.send("keys \(keys.uppercased())\(wait ? " wait" : "")")
    }
}
