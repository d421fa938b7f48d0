import PaymentCore

/// The card's own record of a transaction (CVR), carried in the Issuer Application Data; Visa VIS layout, bytes 2–4.
///
/// The AC-type fields are two-bit values, modelled here as one flag per value.
public struct CardVerificationResults: NamedBitSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & 0xFF_FFFF }
    public static let byteCount = 3

    public static let secondACNotRequested = bit(byte: 1, 0x80)
    public static let secondACTC = bit(byte: 1, 0x40)
    public static let firstACARQC = bit(byte: 1, 0x20)
    public static let firstACTC = bit(byte: 1, 0x10)
    public static let issuerAuthenticationFailed = bit(byte: 1, 0x08)
    public static let offlinePINPerformed = bit(byte: 1, 0x04)
    public static let offlinePINFailed = bit(byte: 1, 0x02)
    public static let unableToGoOnline = bit(byte: 1, 0x01)
    public static let lastOnlineTransactionNotCompleted = bit(byte: 2, 0x80)
    public static let pinTryLimitExceeded = bit(byte: 2, 0x40)
    public static let velocityCountersExceeded = bit(byte: 2, 0x20)
    public static let newCard = bit(byte: 2, 0x10)
    public static let issuerAuthenticationFailedLastOnline = bit(byte: 2, 0x08)
    public static let issuerAuthenticationNotPerformed = bit(byte: 2, 0x04)
    public static let applicationBlockedByPINTryLimit = bit(byte: 2, 0x02)

    public static let namedBits: [(bit: CardVerificationResults, name: String)] = [
        (secondACNotRequested, "second GENERATE AC not requested"),
        (secondACTC, "second GENERATE AC returned TC"),
        (firstACARQC, "first GENERATE AC returned ARQC"),
        (firstACTC, "first GENERATE AC returned TC"),
        (issuerAuthenticationFailed, "issuer authentication performed and failed"),
        (offlinePINPerformed, "offline PIN verification performed"),
        (offlinePINFailed, "offline PIN verification failed"),
        (unableToGoOnline, "unable to go online"),
        (lastOnlineTransactionNotCompleted, "last online transaction not completed"),
        (pinTryLimitExceeded, "PIN try limit exceeded"),
        (velocityCountersExceeded, "exceeded velocity checking counters"),
        (newCard, "new card"),
        (issuerAuthenticationFailedLastOnline, "issuer authentication failure on last online transaction"),
        (issuerAuthenticationNotPerformed, "issuer authentication not performed after online authorisation"),
        (applicationBlockedByPINTryLimit, "application blocked by card because PIN try limit exceeded"),
    ]
}

/// Issuer Application Data (tag 9F10) as the virtual cards write it: the Visa VIS "format 0" layout.
///
/// `06 DKI CVN 03 CVR1 CVR2 CVR3`: a length byte (6), the derivation key index, the cryptogram version number,
/// the CVR length (3) and the three CVR bytes — 7 bytes in all.
public struct IssuerApplicationData: Sendable, Hashable {
    /// Cryptogram version of the virtual cards: the input layout of Visa CVN 18 (see `CryptogramInput`).
    public static let cryptogramVersion: UInt8 = 0x12

    public var derivationKeyIndex: UInt8
    public var cryptogramVersion: UInt8
    public var cardVerificationResults: CardVerificationResults

    public init(derivationKeyIndex: UInt8 = 0x01, cryptogramVersion: UInt8 = Self.cryptogramVersion, cardVerificationResults: CardVerificationResults) {
        self.derivationKeyIndex = derivationKeyIndex
        self.cryptogramVersion = cryptogramVersion
        self.cardVerificationResults = cardVerificationResults
    }

    /// Reads the 7-byte layout; nil for anything else (other cards' IAD formats).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 7, bytes[0] == 0x06, bytes[3] == 0x03,
              let cvr = CardVerificationResults(bytes: Array(bytes[4...]))
        else { return nil }
        self.init(derivationKeyIndex: bytes[1], cryptogramVersion: bytes[2], cardVerificationResults: cvr)
    }

    /// The value of tag 9F10.
    public var bytes: [UInt8] {
        [0x06, derivationKeyIndex, cryptogramVersion, 0x03] + cardVerificationResults.bytes
    }
}
