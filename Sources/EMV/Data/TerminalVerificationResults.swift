import PaymentCore

/// Terminal Verification Results, tag 95 (EMV Book 3 Annex C5): what the terminal found wrong during the transaction.
public struct TerminalVerificationResults: NamedBitSet {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFF_FFFF_FFFF }
    public static let byteCount = 5

    // Byte 1: offline data authentication.
    public static let offlineDataAuthenticationNotPerformed = bit(byte: 1, 0x80)
    public static let sdaFailed = bit(byte: 1, 0x40)
    public static let iccDataMissing = bit(byte: 1, 0x20)
    public static let cardOnExceptionFile = bit(byte: 1, 0x10)
    public static let ddaFailed = bit(byte: 1, 0x08)
    public static let cdaFailed = bit(byte: 1, 0x04)
    // Byte 2: processing restrictions.
    public static let differentApplicationVersions = bit(byte: 2, 0x80)
    public static let expiredApplication = bit(byte: 2, 0x40)
    public static let applicationNotYetEffective = bit(byte: 2, 0x20)
    public static let serviceNotAllowed = bit(byte: 2, 0x10)
    public static let newCard = bit(byte: 2, 0x08)
    // Byte 3: cardholder verification.
    public static let cardholderVerificationNotSuccessful = bit(byte: 3, 0x80)
    public static let unrecognisedCVM = bit(byte: 3, 0x40)
    public static let pinTryLimitExceeded = bit(byte: 3, 0x20)
    public static let pinPadNotPresentOrNotWorking = bit(byte: 3, 0x10)
    public static let pinNotEntered = bit(byte: 3, 0x08)
    public static let onlinePINEntered = bit(byte: 3, 0x04)
    // Byte 4: terminal risk management.
    public static let exceedsFloorLimit = bit(byte: 4, 0x80)
    public static let lowerConsecutiveOfflineLimitExceeded = bit(byte: 4, 0x40)
    public static let upperConsecutiveOfflineLimitExceeded = bit(byte: 4, 0x20)
    public static let selectedRandomlyForOnline = bit(byte: 4, 0x10)
    public static let merchantForcedOnline = bit(byte: 4, 0x08)
    // Byte 5: issuer authentication and scripts.
    public static let defaultTDOLUsed = bit(byte: 5, 0x80)
    public static let issuerAuthenticationFailed = bit(byte: 5, 0x40)
    public static let scriptFailedBeforeFinalGenerateAC = bit(byte: 5, 0x20)
    public static let scriptFailedAfterFinalGenerateAC = bit(byte: 5, 0x10)

    public static let namedBits: [(bit: TerminalVerificationResults, name: String)] = [
        (offlineDataAuthenticationNotPerformed, "offline data authentication was not performed"),
        (sdaFailed, "SDA failed"),
        (iccDataMissing, "ICC data missing"),
        (cardOnExceptionFile, "card appears on terminal exception file"),
        (ddaFailed, "DDA failed"),
        (cdaFailed, "CDA failed"),
        (differentApplicationVersions, "ICC and terminal have different application versions"),
        (expiredApplication, "expired application"),
        (applicationNotYetEffective, "application not yet effective"),
        (serviceNotAllowed, "requested service not allowed for card product"),
        (newCard, "new card"),
        (cardholderVerificationNotSuccessful, "cardholder verification was not successful"),
        (unrecognisedCVM, "unrecognised CVM"),
        (pinTryLimitExceeded, "PIN try limit exceeded"),
        (pinPadNotPresentOrNotWorking, "PIN entry required and PIN pad not present or not working"),
        (pinNotEntered, "PIN entry required, PIN pad present, but PIN was not entered"),
        (onlinePINEntered, "online PIN entered"),
        (exceedsFloorLimit, "transaction exceeds floor limit"),
        (lowerConsecutiveOfflineLimitExceeded, "lower consecutive offline limit exceeded"),
        (upperConsecutiveOfflineLimitExceeded, "upper consecutive offline limit exceeded"),
        (selectedRandomlyForOnline, "transaction selected randomly for online processing"),
        (merchantForcedOnline, "merchant forced transaction online"),
        (defaultTDOLUsed, "default TDOL used"),
        (issuerAuthenticationFailed, "issuer authentication failed"),
        (scriptFailedBeforeFinalGenerateAC, "script processing failed before final GENERATE AC"),
        (scriptFailedAfterFinalGenerateAC, "script processing failed after final GENERATE AC"),
    ]

    /// Parses hex such as "0010000000" (spaces allowed); nil unless it is five bytes.
    public init?(hex: String) {
        guard let bytes = HexCoding.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }
}

/// Transaction Status Information, tag 9B (EMV Book 3 Annex C6): which functions the terminal performed.
public struct TransactionStatusInformation: NamedBitSet {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let byteCount = 2

    public static let offlineDataAuthenticationPerformed = bit(byte: 1, 0x80)
    public static let cardholderVerificationPerformed = bit(byte: 1, 0x40)
    public static let cardRiskManagementPerformed = bit(byte: 1, 0x20)
    public static let issuerAuthenticationPerformed = bit(byte: 1, 0x10)
    public static let terminalRiskManagementPerformed = bit(byte: 1, 0x08)
    public static let scriptProcessingPerformed = bit(byte: 1, 0x04)

    public static let namedBits: [(bit: TransactionStatusInformation, name: String)] = [
        (offlineDataAuthenticationPerformed, "offline data authentication was performed"),
        (cardholderVerificationPerformed, "cardholder verification was performed"),
        (cardRiskManagementPerformed, "card risk management was performed"),
        (issuerAuthenticationPerformed, "issuer authentication was performed"),
        (terminalRiskManagementPerformed, "terminal risk management was performed"),
        (scriptProcessingPerformed, "script processing was performed"),
    ]
}

/// Application Interchange Profile, tag 82 (EMV Book 3 Annex C1, contactless byte 2 per Book C-2).
public struct ApplicationInterchangeProfile: NamedBitSet {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let byteCount = 2

    public static let sdaSupported = bit(byte: 1, 0x40)
    public static let ddaSupported = bit(byte: 1, 0x20)
    public static let cardholderVerificationSupported = bit(byte: 1, 0x10)
    public static let terminalRiskManagementRequired = bit(byte: 1, 0x08)
    public static let issuerAuthenticationSupported = bit(byte: 1, 0x04)
    public static let onDeviceCardholderVerificationSupported = bit(byte: 1, 0x02)
    public static let cdaSupported = bit(byte: 1, 0x01)
    public static let emvModeSupported = bit(byte: 2, 0x80)

    public static let namedBits: [(bit: ApplicationInterchangeProfile, name: String)] = [
        (sdaSupported, "SDA supported"),
        (ddaSupported, "DDA supported"),
        (cardholderVerificationSupported, "cardholder verification is supported"),
        (terminalRiskManagementRequired, "terminal risk management is to be performed"),
        (issuerAuthenticationSupported, "issuer authentication is supported"),
        (onDeviceCardholderVerificationSupported, "on device cardholder verification is supported"),
        (cdaSupported, "CDA supported"),
        (emvModeSupported, "EMV mode is supported (contactless)"),
    ]
}
