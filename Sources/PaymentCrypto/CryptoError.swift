/// The one error type of PaymentCrypto: what went wrong, in words a payment engineer can act on.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        case invalidKeyLength
        case invalidDataLength
        case invalidHex
        case cipherFailure
        /// A key serial number of the wrong length, or a transaction counter the originator never uses.
        case invalidKSN
        /// The DUKPT transaction counter has no valid next value: the device must stop and be re-keyed.
        case counterExhausted
        /// A PIN that is not 4–12 decimal digits.
        case invalidPIN
        /// A PAN that is not decimal digits of an acceptable length.
        case invalidPAN
        /// A PIN block that does not decode: wrong format nibble, PIN length, fill, PAN, key or size.
        case invalidPINBlock
        /// A parameter outside what the algorithm defines (MAC length, key type for a derivation…).
        case invalidParameter
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
