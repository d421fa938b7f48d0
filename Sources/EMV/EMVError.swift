/// The one error type of the EMV module: a code, a sentence, and where (byte offset or tag path) when known.
public struct EMVError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidAPDU
        case cardRemoved
        case cardError
        case malformedCardResponse
    }

    public let code: Code
    public let message: String
    public let offset: Int?

    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        offset.map { "\(message) (at byte \($0))" } ?? message
    }
}
