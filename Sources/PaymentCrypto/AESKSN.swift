import PaymentCore

/// The 12-byte key serial number of AES DUKPT (ANSI X9.24-3-2017): the 8-byte initial key ID (BDK ID ‖
/// derivation ID) and a 32-bit transaction counter. It travels in the clear, so it prints itself in full.
public struct AESKSN: Sendable, Hashable, CustomStringConvertible {
    /// Length of a KSN in bytes.
    public static let byteCount = 12
    /// The most one bits a counter the originator uses may have.
    public static let maximumOneBits = 16
    /// The last counter an originator uses: the largest 32-bit value with sixteen one bits.
    public static let maximumCounter: UInt32 = 0xFFFF_0000

    /// The 8-byte initial key ID: BDK ID (4 bytes) ‖ derivation ID (4 bytes).
    public let initialKeyID: [UInt8]
    /// The 32-bit transaction counter.
    public let counter: UInt32

    /// Wraps twelve bytes.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(.invalidKSN, "an AES DUKPT KSN is 12 bytes (24 hex digits), not \(bytes.count)")
        }
        initialKeyID = Array(bytes[0..<8])
        counter = bytes[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Parses 24 hex digits (spaces allowed).
    public init(hex: String) throws(CryptoError) {
        try self.init(bytes: HexInput.bytes(hex))
    }

    /// Puts an 8-byte initial key ID and a counter together.
    public init(initialKeyID: [UInt8], counter: UInt32) throws(CryptoError) {
        guard initialKeyID.count == 8 else {
            throw CryptoError(.invalidKSN, "an AES DUKPT initial key ID is 8 bytes (16 hex digits), not \(initialKeyID.count)")
        }
        self.initialKeyID = initialKeyID
        self.counter = counter
    }

    /// The twelve bytes.
    public var bytes: [UInt8] {
        initialKeyID + [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF), UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF)]
    }

    /// True when the originator may use this counter: at most sixteen one bits.
    public var hasValidCounter: Bool { counter.nonzeroBitCount <= Self.maximumOneBits }

    /// This KSN with another counter.
    public func withCounter(_ counter: UInt32) -> AESKSN {
        AESKSN(checkedInitialKeyID: initialKeyID, counter: counter)
    }

    /// The KSN of the originator's next transaction: the smallest larger counter with at most sixteen one bits.
    /// Throws `counterExhausted` after FFFF0000, when the device must stop and be given a new initial key.
    public func next() throws(CryptoError) -> AESKSN {
        guard let following = KSN.nextCounter(after: counter, maximumOneBits: Self.maximumOneBits, limit: UInt32.max) else {
            throw CryptoError(.counterExhausted, "the KSN counter is exhausted; the device needs a new initial key")
        }
        return withCounter(following)
    }

    /// The KSN in 24 upper-case hex digits.
    public var hex: String { HexCoding.encode(bytes) }

    public var description: String { hex }

    private init(checkedInitialKeyID: [UInt8], counter: UInt32) {
        initialKeyID = checkedInitialKeyID
        self.counter = counter
    }
}
