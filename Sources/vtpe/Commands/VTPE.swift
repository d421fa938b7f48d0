import ArgumentParser
import Foundation

@main
struct VTPE: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vtpe",
        abstract: "A virtual card-payment terminal suite: emulated terminals, card simulator and a Stripe-compatible gateway.",
        discussion: """
        With no subcommand, vtpe starts the countertop terminal on an embedded gateway and the card simulator.

        Examples:
          vtpe                                  open the countertop terminal (embedded gateway, simulator)
          vtpe tap visa                         tap the Visa test card on the running terminal
          vtpe tap 4000000000009995 --amount 12.34 --wait
          vtpe sale 12.34 --card visa --wait    a sale with the card presented in the same call
          vtpe preauth 80 --card visa --wait; vtpe complete 000002 95.00 --wait
          vtpe refund 5 --of 000002 --card visa --wait;  vtpe batch close
          vtpe gateway --port 4242              serve the payment API for a shop or remote terminals
          vtpe profiles list                    list the firmware profiles
        """,
        subcommands: [TerminalCommand.self, GatewayCommand.self, TapCommand.self, KeypadCommand.self, SaleCommand.self, PreauthCommand.self,
                      CompleteCommand.self, VoidCommand.self, RefundCommand.self, ReprintCommand.self, BatchCommand.self,
                      NetworkCommand.self, BatteryCommand.self, PrinterCommand.self, ReceiptCommand.self, RemoveCommand.self, ReadersCommand.self, StatusCommand.self, ListenCommand.self, TriggerCommand.self, ECRCommand.self, FleetCommand.self, ScenarioCommand.self, ProfilesCommand.self, CryptoCommand.self, TLVCommand.self, APDUCommand.self, BenchCommand.self],
        defaultSubcommand: TerminalCommand.self
    )
}

/// Options every command that keeps state shares.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where vtpe keeps its database, keys, logs and receipts.", valueName: "dir"))
    var dataDir: String?

    var url: URL {
        if let dataDir { return URL(fileURLWithPath: (dataDir as NSString).expandingTildeInPath) }
        if let xdg = ProcessInfo.processInfo.environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("vtpe")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/vtpe")
    }

    var controlSocket: String { url.appendingPathComponent("terminal.sock").path }
}

/// A failure the CLI reports as one line on stderr with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32
    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }
    var description: String { message }
}

extension CLIError {
    func exit() -> ExitCode {
        FileHandle.standardError.write(Data("vtpe: \(message)\n".utf8))
        return ExitCode(exitCode)
    }
}

/// Prints a line straight to stdout (unbuffered), so scripts reading a pipe see it at once.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
