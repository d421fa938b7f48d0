import Foundation

/// What a terminal keeps across restarts: its id and the next STAN. Written atomically (temp file + rename), so a
/// crash leaves either the old or the new state, never half of one.
public struct TerminalIdentity: Sendable, Codable, Equatable {
    public var terminalID: String
    public var nextSTAN: UInt32

    enum CodingKeys: String, CodingKey {
        case terminalID = "terminal_id"
        case nextSTAN = "next_stan"
    }

    /// Loads the identity from `<dir>/terminal-<profile>.json`, creating one on first start.
    public static func loadOrCreate(in dir: URL, profileID: String) throws -> TerminalIdentity {
        let url = file(in: dir, profileID: profileID)
        if let data = try? Data(contentsOf: url) {
            do {
                return try JSONDecoder().decode(TerminalIdentity.self, from: data)
            } catch {
                throw TerminalStateError(message: "\(url.path) is damaged (\(error)); move it away to start a new terminal identity")
            }
        }
        let id = String(format: "%08u", UInt32.random(in: 10_000_000...99_999_999))
        let identity = TerminalIdentity(terminalID: id, nextSTAN: 1)
        try identity.save(in: dir, profileID: profileID)
        return identity
    }

    public func save(in dir: URL, profileID: String) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: Self.file(in: dir, profileID: profileID), options: .atomic)
    }

    static func file(in dir: URL, profileID: String) -> URL {
        dir.appendingPathComponent("terminal-\(profileID).json")
    }
}

public struct TerminalStateError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
