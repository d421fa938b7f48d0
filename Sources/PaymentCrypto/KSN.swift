import PaymentCore

/// The 10-byte key serial number of TDES DUKPT (ANSI X9.24-1:2009): 59 bits naming the BDK and the device,
/// then a 21-bit transaction counter. It travels in the clear, so it prints itself in full.
public struct KSN: Sendable, Hashable, CustomStringConvertible {
    /// Length of a KSN in bytes.
    public static let byteCount = 10
    /// The counter bits: the rightmost 21 of the KSN.
    public static let counterMask: UInt32 = 0x1F_FFFF
    /// The most one bits a counter the originator uses may have (X9.24-1 A.2).
    public static let maximumOneBits = 10
    /// The last counter an originator uses: the largest 21-bit value with ten one bits.
    public static let maximumCounter: UInt32 = 0x1F_F800

    /// The ten bytes.
    public let bytes: [UInt8]

    /// Wraps ten bytes.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(.invalidKSN, "a TDES DUKPT KSN is 10 bytes (20 hex digits), not \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Parses 20 hex digits (spaces allowed).
    public init(hex: String) throws(CryptoError) {
        try self.init(bytes: HexInput.bytes(hex))
    }

    /// The 21-bit transaction counter.
    public var counter: UInt32 {
        (UInt32(bytes[7]) << 16 | UInt32(bytes[8]) << 8 | UInt32(bytes[9])) & Self.counterMask
    }

    /// True when the originator may use this counter: at most ten one bits.
    public var hasValidCounter: Bool { counter.nonzeroBitCount <= Self.maximumOneBits }

    /// This KSN with the counter replaced (0 gives the initial KSN the IPEK is derived from).
    public func withCounter(_ counter: UInt32) throws(CryptoError) -> KSN {
        guard counter <= Self.counterMask else {
            throw CryptoError(.invalidKSN, "a TDES DUKPT counter has 21 bits (at most 1FFFFF), not \(String(counter, radix: 16, uppercase: true))")
        }
        var out = bytes
        out[7] = out[7] & 0xE0 | UInt8(counter >> 16)
        out[8] = UInt8(counter >> 8 & 0xFF)
        out[9] = UInt8(counter & 0xFF)
        return try KSN(bytes: out)
    }

    /// The KSN of the originator's next transaction: the smallest larger counter with at most ten one bits.
    /// Throws `counterExhausted` after 1FF800, when the device must stop and be given a new initial key.
    public func next() throws(CryptoError) -> KSN {
        guard let following = Self.nextCounter(after: counter, maximumOneBits: Self.maximumOneBits, limit: Self.counterMask) else {
            throw CryptoError(.counterExhausted, "the KSN counter is exhausted; the device needs a new initial key")
        }
        return try withCounter(following)
    }

    /// The KSN in 20 upper-case hex digits.
    public var hex: String { HexCoding.encode(bytes) }

    public var description: String { hex }

    /// The smallest counter above `counter` with at most `maximumOneBits` one bits, or nil past `limit`.
    static func nextCounter(after counter: UInt32, maximumOneBits: Int, limit: UInt32) -> UInt32? {
        var candidate = UInt64(counter) + 1
        while candidate.nonzeroBitCount > maximumOneBits {
            // Every value up to the next multiple of the lowest set bit keeps all these one bits; skip them.
            candidate += candidate & (~candidate &+ 1)
        }
        return candidate <= UInt64(limit) ? UInt32(candidate) : nil
    }
}
