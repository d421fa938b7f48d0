import PaymentCore

/// Terminal Capabilities, tag 9F33 (EMV Book 4 Annex A2): card input, CVM and security capabilities.
public struct TerminalCapabilities: NamedBitSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & 0xFF_FFFF }
    public static let byteCount = 3

    public static let manualKeyEntry = bit(byte: 1, 0x80)
    public static let magneticStripe = bit(byte: 1, 0x40)
    public static let icWithContacts = bit(byte: 1, 0x20)
    public static let plaintextPINForICCVerification = bit(byte: 2, 0x80)
    public static let encipheredPINForOnlineVerification = bit(byte: 2, 0x40)
    public static let signature = bit(byte: 2, 0x20)
    public static let encipheredPINForOfflineVerification = bit(byte: 2, 0x10)
    public static let noCVMRequired = bit(byte: 2, 0x08)
    public static let sda = bit(byte: 3, 0x80)
    public static let dda = bit(byte: 3, 0x40)
    public static let cardCapture = bit(byte: 3, 0x20)
    public static let cda = bit(byte: 3, 0x08)

    public static let namedBits: [(bit: TerminalCapabilities, name: String)] = [
        (manualKeyEntry, "manual key entry"),
        (magneticStripe, "magnetic stripe"),
        (icWithContacts, "IC with contacts"),
        (plaintextPINForICCVerification, "plaintext PIN for ICC verification"),
        (encipheredPINForOnlineVerification, "enciphered PIN for online verification"),
        (signature, "signature (paper)"),
        (encipheredPINForOfflineVerification, "enciphered PIN for offline verification"),
        (noCVMRequired, "no CVM required"),
        (sda, "SDA"),
        (dda, "DDA"),
        (cardCapture, "card capture"),
        (cda, "CDA"),
    ]
}

/// What the terminal is and may do: capabilities, country, action codes, limits and the applications it accepts.
///
/// Amounts are minor units of `currency`; a transaction in another currency is treated as above every limit.
public struct TerminalConfiguration: Sendable, Hashable {
    /// An application the terminal accepts.
    public struct SupportedApplication: Sendable, Hashable {
        /// The terminal's AID (9F06).
        public var aid: [UInt8]
        /// Whether a card AID that only starts with `aid` matches (partial selection).
        public var allowsPartialSelection: Bool
        /// The terminal's application version number (9F09).
        public var applicationVersion: [UInt8]
        /// Terminal priority for the list-of-AIDs method: lower first.
        public var priority: Int

        public init(aid: [UInt8], allowsPartialSelection: Bool = true, applicationVersion: [UInt8], priority: Int = 0) {
            self.aid = aid
            self.allowsPartialSelection = allowsPartialSelection
            self.applicationVersion = applicationVersion
            self.priority = priority
        }

        /// True when a card application with `cardAID` is this one.
        func matches(_ cardAID: [UInt8]) -> Bool {
            allowsPartialSelection ? cardAID.starts(with: aid) : cardAID == aid
        }
    }

    /// Terminal action codes (9F0D-style denial, online, default), the terminal's side of action analysis.
    public typealias ActionCodes = EMV.ActionCodes

    /// Random transaction selection (EMV Book 3 §10.6.2); a target of 0 turns it off.
    public struct RandomSelection: Sendable, Hashable {
        /// Below this amount transactions are selected with `targetPercentage`.
        public var thresholdAmount: Int64
        public var targetPercentage: Int
        /// Reached at the floor limit; between threshold and floor limit the percentage grows linearly.
        public var maximumTargetPercentage: Int

        public init(thresholdAmount: Int64, targetPercentage: Int, maximumTargetPercentage: Int) {
            self.thresholdAmount = thresholdAmount
            self.targetPercentage = targetPercentage
            self.maximumTargetPercentage = maximumTargetPercentage
        }

        public static let off = RandomSelection(thresholdAmount: 0, targetPercentage: 0, maximumTargetPercentage: 0)
    }

    public var terminalCapabilities: TerminalCapabilities
    /// Additional terminal capabilities (9F40), 5 bytes.
    public var additionalTerminalCapabilities: [UInt8]
    /// Terminal type (9F35), e.g. 0x22: attended, offline with online capability.
    public var terminalType: UInt8
    /// ISO 3166 numeric country (9F1A), e.g. 840.
    public var countryCode: Int
    /// The currency of the limits below.
    public var currency: Currency
    public var actionCodes: ActionCodes
    /// Contact floor limit: at or above it the transaction goes online.
    public var floorLimit: Int64
    /// Contactless floor limit: above it the reader asks for an online cryptogram.
    public var contactlessFloorLimit: Int64
    /// At or above it a tap is refused ("insert card"); nil for no limit.
    public var contactlessTransactionLimit: Int64?
    /// At or above it a tap needs a CVM.
    public var cvmRequiredLimit: Int64
    public var randomSelection: RandomSelection
    public var applications: [SupportedApplication]
    /// Terminal transaction qualifiers (9F66) for contactless; the kernel sets byte 2's "online cryptogram required"
    /// and "CVM required" bits per transaction.
    public var terminalTransactionQualifiers: [UInt8]
    /// The cardholder may choose among several applications (contact).
    public var supportsCardholderSelection: Bool
    /// The terminal accepts on-device cardholder verification (phones, watches).
    public var supportsConsumerDeviceCVM: Bool
    /// Other terminal data a card may ask for in a DOL (9F15 merchant category, 9F16, 9F1C, 9F1E, 9F4E, ...).
    public var additionalData: [Tag: [UInt8]]

    public init(
        terminalCapabilities: TerminalCapabilities,
        additionalTerminalCapabilities: [UInt8],
        terminalType: UInt8,
        countryCode: Int,
        currency: Currency,
        actionCodes: ActionCodes,
        floorLimit: Int64,
        contactlessFloorLimit: Int64,
        contactlessTransactionLimit: Int64?,
        cvmRequiredLimit: Int64,
        randomSelection: RandomSelection = .off,
        applications: [SupportedApplication],
        terminalTransactionQualifiers: [UInt8],
        supportsCardholderSelection: Bool = true,
        supportsConsumerDeviceCVM: Bool = true,
        additionalData: [Tag: [UInt8]] = [:]
    ) {
        self.terminalCapabilities = terminalCapabilities
        self.additionalTerminalCapabilities = additionalTerminalCapabilities
        self.terminalType = terminalType
        self.countryCode = countryCode
        self.currency = currency
        self.actionCodes = actionCodes
        self.floorLimit = floorLimit
        self.contactlessFloorLimit = contactlessFloorLimit
        self.contactlessTransactionLimit = contactlessTransactionLimit
        self.cvmRequiredLimit = cvmRequiredLimit
        self.randomSelection = randomSelection
        self.applications = applications
        self.terminalTransactionQualifiers = terminalTransactionQualifiers
        self.supportsCardholderSelection = supportsCardholderSelection
        self.supportsConsumerDeviceCVM = supportsConsumerDeviceCVM
        self.additionalData = additionalData
    }

    /// Terminal types x1, x2, x4, x5 can go online; x3 and x6 are offline only.
    public var isOnlineCapable: Bool { [1, 2, 4, 5].contains(terminalType & 0x0F) }

    /// Terminal types x4–x6 are unattended.
    public var isUnattended: Bool { (4...6).contains(terminalType & 0x0F) }

    /// An attended US countertop: contact and contactless, plaintext offline PIN, online PIN, signature, no CVM; no ODA.
    ///
    /// Floor limit USD 50.00, contactless floor limit 0 (every tap goes online), contactless limit USD 200.00,
    /// CVM-required limit USD 50.00, random selection off. TACs: denial "service not allowed"; online: expired or not
    /// yet effective, CVM failed, online PIN entered, floor limit, offline limits, random selection, forced online;
    /// default: the same without online PIN and random selection.
    public static let standard = TerminalConfiguration(
        terminalCapabilities: [.manualKeyEntry, .magneticStripe, .icWithContacts, .plaintextPINForICCVerification,
                               .encipheredPINForOnlineVerification, .signature, .noCVMRequired],
        additionalTerminalCapabilities: [0x70, 0x00, 0xF0, 0xA0, 0x01],
        terminalType: 0x22,
        countryCode: 840,
        currency: .usd,
        actionCodes: ActionCodes(
            denial: TerminalVerificationResults(hex: "0010000000") ?? [],
            online: TerminalVerificationResults(hex: "006084F800") ?? [],
            default: TerminalVerificationResults(hex: "006080E800") ?? []
        ),
        floorLimit: 5000,
        contactlessFloorLimit: 0,
        contactlessTransactionLimit: 20000,
        cvmRequiredLimit: 5000,
        applications: [
            SupportedApplication(aid: [0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10], applicationVersion: [0x00, 0x96], priority: 1),
            SupportedApplication(aid: [0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10], applicationVersion: [0x00, 0x02], priority: 2),
            SupportedApplication(aid: [0xA0, 0x00, 0x00, 0x00, 0x04, 0x30, 0x60], applicationVersion: [0x00, 0x02], priority: 3),
        ],
        terminalTransactionQualifiers: [0x36, 0x00, 0x40, 0x00],
        additionalData: [
            .merchantCategoryCode: [0x59, 0x99],
            .terminalIdentification: Array("VTPE0001".utf8),
            .ifdSerialNumber: Array("VTPE0001".utf8),
        ]
    )
}
