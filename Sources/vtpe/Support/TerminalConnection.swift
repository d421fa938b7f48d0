import ArgumentParser
import Foundation

/// How a command reaches the running terminal: `--terminal SOCKET` or `<data-dir>/terminal.sock`. Exit 1 when no
/// terminal listens or it cannot be reached; the terminal's own refusals are the caller's to map.
struct TerminalConnection: ParsableArguments {
    @Option(help: ArgumentHelp("Control socket of the terminal (default <data-dir>/terminal.sock).", valueName: "socket"))
    var terminal: String?
    @OptionGroup var data: DataDirectoryOption

    var socket: String { terminal ?? data.controlSocket }

    /// Sends one request line and returns the terminal's reply line.
    func ask(_ request: String) async throws -> String {
        guard FileManager.default.fileExists(atPath: socket) else {
            throw CLIError("no terminal is listening on \(socket): start one with `vtpe` (or pass --terminal SOCKET)").exit()
        }
        do { return try await ControlSocket.request(path: socket, request) } catch {
            throw CLIError("cannot reach the terminal on \(socket): \(error)").exit()
        }
    }

    /// Sends one request and prints the reply as `vtpe tap` does (exit 2 refused, 3 declined, 4 failed, 5 PIN pad).
    func send(_ request: String) async throws {
        let reply = try await ask(request)
        do { try ControlSocket.printReply(reply) } catch let error as CLIError { throw error.exit() }
    }
}
