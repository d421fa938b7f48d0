import PaymentCore
import Yams

/// A profile that cannot be used, with where the problem is: the file, the line and what is allowed.
public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
    }

    static func from(_ error: DecodingError, document: ProfileDocument) -> ProfileError {
        func at(_ path: [any CodingKey]) -> (String, Int?) { document.location(of: path.map { $0.intValue.map(String.init) ?? $0.stringValue }) }
        let name = codingPathDescription
        switch error {
        case .keyNotFound(let key, let ctx):
            let (file, line) = at(ctx.codingPath)
            let within = ctx.codingPath.isEmpty ? "" : " in '\(name(ctx.codingPath))'"
            return ProfileError(file: file, line: line, message: "missing field '\(key.stringValue)'\(within)")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            let (file, line) = at(ctx.codingPath)
            return ProfileError(file: file, line: line, message: "field '\(name(ctx.codingPath))': \(ctx.debugDescription)")
        @unknown default:
            return ProfileError(file: document.source, line: nil, message: "\(error)")
        }
    }
}
