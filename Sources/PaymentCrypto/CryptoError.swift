/// The one error type of PaymentCrypto: what went wrong, in words a payment engineer can act on.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        case invalidKeyLength
        case invalidDataLength
        case invalidHex
        case cipherFailure
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
