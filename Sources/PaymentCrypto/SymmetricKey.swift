import PaymentCore

/// A symmetric key (TDES or AES) whose bytes never appear in `description`, logs or errors.
///
/// The raw bytes are reachable only through `withUnsafeKeyBytes`/`revealBytes()`, so every use is explicit.
public struct SymmetricKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let bytes: [UInt8]

    /// Wraps key bytes; lengths 8, 16, 24 (DES/TDES) and 32 (AES-256) are accepted.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard [8, 16, 24, 32].contains(bytes.count) else {
            throw CryptoError(.invalidKeyLength, "a key must be 8, 16, 24 or 32 bytes long, not \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Parses a key from hex (spaces allowed).
    public init(hex: String) throws(CryptoError) {
        try self.init(bytes: HexInput.bytes(hex))
    }

    /// Key length in bytes.
    public var count: Int { bytes.count }

    /// The key bytes; call sites that need them are the only ones that may see them.
    public func revealBytes() -> [UInt8] { bytes }

    /// Key check value: the first three bytes of the key enciphering a block of zeros under `cipher`
    /// (the classic KCV printed on key ceremonies and terminal key loads).
    public func checkValue(_ cipher: BlockCipher = .tdes) throws(CryptoError) -> String {
        let zeros = [UInt8](repeating: 0, count: cipher.blockSize)
        return HexCoding.encode(try cipher.encrypt(zeros, key: self, mode: .ecb).prefix(3))
    }

    public var description: String { "SymmetricKey(\(bytes.count * 8) bits, ****)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["bits": bytes.count * 8]) }
}
