import Foundation

/// What a terminal keeps across restarts: its id and the next STAN — in the journal database
/// (`TerminalDatabase.identity()`, saved before a request leaves under a STAN).
public struct TerminalIdentity: Sendable, Codable, Equatable {
    public var terminalID: String
    public var nextSTAN: UInt32

    public init(terminalID: String, nextSTAN: UInt32) {
        self.terminalID = terminalID
        self.nextSTAN = nextSTAN
    }

    enum CodingKeys: String, CodingKey {
        case terminalID = "terminal_id"
        case nextSTAN = "next_stan"
    }
}

public struct TerminalStateError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
