import PaymentCore

/// Everything a virtual card is personalised with: applications, card data, PIN, CVM list, issuer action codes and
/// card risk management. The standard profiles live in `Resources/card-profiles.json`.
///
/// The PIN is a `PINEntry`, so it never shows in logs; the PAN masks itself.
public struct CardProfile: Sendable, Hashable, Identifiable {
    /// The network whose card behaviour the profile imitates (response formats, data object lists, issuer authentication).
    public enum Scheme: String, Sendable, Hashable, CaseIterable, Codable {
        /// Format 1 responses (tag 80), PDOL with TTQ, ARPC through EXTERNAL AUTHENTICATE.
        case visa
        /// Format 2 responses (tag 77), no PDOL, ARPC inside the second GENERATE AC (tag 91 in CDOL2).
        case mastercard
    }

    /// Credit, debit or prepaid; only informs labels and the UI.
    public enum Product: String, Sendable, Hashable, CaseIterable, Codable {
        case credit, debit, prepaid
    }

    /// One payment application on the card.
    public struct Application: Sendable, Hashable {
        /// Application identifier (tag 4F / 84), 5–16 bytes.
        public var aid: [UInt8]
        /// Application label (tag 50), 1–16 characters.
        public var label: String
        /// Application priority indicator (tag 87): priority 1 (highest)–15, 0 for none; bit 8 asks for confirmation.
        public var priority: UInt8

        public init(aid: [UInt8], label: String, priority: UInt8) {
            self.aid = aid
            self.label = label
            self.priority = priority
        }
    }

    /// Issuer action codes (9F0E denial, 9F0F online, 9F0D default).
    public typealias IssuerActionCodes = ActionCodes

    /// How the card decides between TC, ARQC and AAC.
    public struct RiskManagement: Sendable, Hashable {
        /// Offline approvals in a row after which the card asks to go online when the terminal asks for a TC.
        public var lowerConsecutiveOfflineLimit: Int
        /// Offline approvals in a row after which the card declines when the terminal cannot go online (Y3).
        public var upperConsecutiveOfflineLimit: Int
        /// The card answers every GENERATE AC with an AAC.
        public var alwaysDeclines: Bool

        public init(lowerConsecutiveOfflineLimit: Int, upperConsecutiveOfflineLimit: Int, alwaysDeclines: Bool = false) {
            self.lowerConsecutiveOfflineLimit = lowerConsecutiveOfflineLimit
            self.upperConsecutiveOfflineLimit = upperConsecutiveOfflineLimit
            self.alwaysDeclines = alwaysDeclines
        }
    }

    /// The counters a European card keeps of its taps without cardholder verification (PSD2 RTS art. 11): once the
    /// taps since the last PIN would go over `cumulativeAmountLimit` (in the card's currency) or number more than
    /// `consecutiveTransactionLimit`, the card asks for the PIN (Visa CTQ 9F6C "online PIN required" in its
    /// contactless GPO answer) and declines a tap that goes on without one. A PIN verified on any interface (CVM
    /// results 9F34 in CDOL1 show a PIN method not failed) sets them back to zero.
    public struct ContactlessSCA: Sendable, Hashable {
        /// Minor units, e.g. 15000 for EUR 150.
        public var cumulativeAmountLimit: Int64
        /// Taps in a row without a PIN, e.g. 5.
        public var consecutiveTransactionLimit: Int

        public init(cumulativeAmountLimit: Int64, consecutiveTransactionLimit: Int) {
            self.cumulativeAmountLimit = cumulativeAmountLimit
            self.consecutiveTransactionLimit = consecutiveTransactionLimit
        }
    }

    /// Unique snake_case name, e.g. "visa_credit".
    public var name: String
    /// One line for people.
    public var summary: String
    public var scheme: Scheme
    public var product: Product
    /// The name of the PaymentCore test card with the same number, when there is one.
    public var testCardName: String?
    public var pan: PAN
    /// PAN sequence number (5F34), 0–99.
    public var psn: UInt8
    public var expiry: Expiry
    /// First month of validity (5F25), when the card has one.
    public var effective: Expiry?
    public var serviceCode: ServiceCode
    public var cardholderName: String
    /// ISO 3166 numeric country of the issuer (5F28), e.g. 840.
    public var issuerCountryCode: Int
    /// Application currency (9F42).
    public var currency: Currency
    public var interfaces: Set<CardInterface>
    public var applications: [Application]
    /// The offline PIN; nil for a card without one.
    public var pin: PINEntry?
    public var pinTryLimit: Int
    /// PIN tries left when the card is made; 0 makes a card whose PIN is blocked.
    public var pinTriesRemaining: Int
    public var cvmList: CVMList
    public var issuerActionCodes: IssuerActionCodes
    /// Application usage control (9F07), 2 bytes.
    public var applicationUsageControl: [UInt8]
    public var riskManagement: RiskManagement
    /// PSD2 counters of taps without a PIN; nil for a card that keeps none.
    public var contactlessSCA: ContactlessSCA?
    /// ATC before the first transaction.
    public var initialATC: UInt16
    /// A phone or watch that verifies its holder itself (consumer device CVM).
    public var supportsCDCVM: Bool
    /// The whole card is blocked: every SELECT answers 6A81.
    public var cardBlocked: Bool
    public var pdol: DOL
    public var cdol1: DOL
    public var cdol2: DOL
    /// Application version number (9F08), 2 bytes.
    public var applicationVersion: [UInt8]

    public var id: String { name }

    /// A profile; defaults give a scheme's data object lists and version. Use `validated()` before making cards from
    /// hand-built values.
    public init(
        name: String,
        summary: String = "",
        scheme: Scheme,
        product: Product = .credit,
        testCardName: String? = nil,
        pan: PAN,
        psn: UInt8 = 1,
        expiry: Expiry,
        effective: Expiry? = nil,
        serviceCode: ServiceCode,
        cardholderName: String = "TEST/CARDHOLDER",
        issuerCountryCode: Int = 840,
        currency: Currency = .usd,
        interfaces: Set<CardInterface> = [.contact, .contactless],
        applications: [Application],
        pin: PINEntry? = nil,
        pinTryLimit: Int = 3,
        pinTriesRemaining: Int = 3,
        cvmList: CVMList,
        issuerActionCodes: IssuerActionCodes,
        applicationUsageControl: [UInt8] = [0xFF, 0x00],
        riskManagement: RiskManagement = RiskManagement(lowerConsecutiveOfflineLimit: 0, upperConsecutiveOfflineLimit: 0),
        contactlessSCA: ContactlessSCA? = nil,
        initialATC: UInt16 = 0,
        supportsCDCVM: Bool = false,
        cardBlocked: Bool = false,
        pdol: DOL? = nil,
        cdol1: DOL? = nil,
        cdol2: DOL? = nil,
        applicationVersion: [UInt8]? = nil
    ) {
        self.name = name
        self.summary = summary
        self.scheme = scheme
        self.product = product
        self.testCardName = testCardName
        self.pan = pan
        self.psn = psn
        self.expiry = expiry
        self.effective = effective
        self.serviceCode = serviceCode
        self.cardholderName = cardholderName
        self.issuerCountryCode = issuerCountryCode
        self.currency = currency
        self.interfaces = interfaces
        self.applications = applications
        self.pin = pin
        self.pinTryLimit = pinTryLimit
        self.pinTriesRemaining = pinTriesRemaining
        self.cvmList = cvmList
        self.issuerActionCodes = issuerActionCodes
        self.applicationUsageControl = applicationUsageControl
        self.riskManagement = riskManagement
        self.contactlessSCA = contactlessSCA
        self.initialATC = initialATC
        self.supportsCDCVM = supportsCDCVM
        self.cardBlocked = cardBlocked
        self.pdol = pdol ?? scheme.defaultPDOL
        self.cdol1 = cdol1 ?? scheme.defaultCDOL1
        self.cdol2 = cdol2 ?? scheme.defaultCDOL2
        self.applicationVersion = applicationVersion ?? scheme.defaultApplicationVersion
    }

    /// Checks the rules a card needs; the error names the profile and the field.
    public func validated() throws(EMVError) -> CardProfile {
        func fail(_ field: String, _ message: String) -> EMVError {
            EMVError(.invalidProfile, "Card profile \"\(name)\": \(message)", location: field)
        }
        guard !name.isEmpty else { throw fail("name", "the name must not be empty.") }
        guard psn <= 99 else { throw fail("psn", "the PAN sequence number is 0–99, not \(psn).") }
        guard !interfaces.isEmpty else { throw fail("interfaces", "a card needs at least one interface (contact, contactless).") }
        guard !applications.isEmpty else { throw fail("applications", "a card needs at least one application.") }
        for (index, application) in applications.enumerated() {
            guard (5...16).contains(application.aid.count) else {
                throw fail("applications[\(index)].aid", "an AID is 5 to 16 bytes, not \(application.aid.count).")
            }
            guard (1...16).contains(application.label.utf8.count), application.label.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw fail("applications[\(index)].label", "a label is 1 to 16 printable ASCII characters.")
            }
            guard application.priority & 0x70 == 0 else {
                throw fail("applications[\(index)].priority", "the priority is 0–15 (plus 128 to ask for confirmation).")
            }
        }
        guard (1...15).contains(pinTryLimit), (0...pinTryLimit).contains(pinTriesRemaining) else {
            throw fail("pin_tries", "the PIN try limit is 1–15 and the tries left 0 up to it.")
        }
        guard applicationUsageControl.count == 2 else { throw fail("auc", "the application usage control is 2 bytes.") }
        guard applicationVersion.count == 2 else { throw fail("application_version", "the application version is 2 bytes.") }
        guard (0...999).contains(issuerCountryCode) else { throw fail("issuer_country", "the issuer country is an ISO 3166 numeric code.") }
        guard riskManagement.lowerConsecutiveOfflineLimit >= 0, riskManagement.upperConsecutiveOfflineLimit >= 0 else {
            throw fail("risk", "offline limits cannot be negative.")
        }
        if let sca = contactlessSCA {
            guard sca.cumulativeAmountLimit > 0, sca.consecutiveTransactionLimit > 0 else {
                throw fail("contactless_sca", "the cumulative amount and the consecutive taps are positive.")
            }
            guard scheme == .visa else {
                throw fail("contactless_sca", "only a visa card asks for the PIN in its GPO answer (CTQ 9F6C).")
            }
            guard pdol.entries.contains(where: { $0.tag == .amountAuthorised }) else {
                throw fail("pdol", "a card that counts its taps needs the amount (9F02) in its PDOL.")
            }
            guard cdol1.entries.contains(where: { $0.tag == .cvmResults }) else {
                throw fail("cdol1", "a card that counts its taps needs the CVM results (9F34) in its CDOL1 to see a PIN.")
            }
        }
        guard cdol1.totalLength <= 252, cdol2.totalLength <= 252, pdol.totalLength <= 250 else {
            throw fail("cdol1", "the data object lists must fit a short APDU.")
        }
        do throws(PaymentCoreError) {
            _ = try track2()
        } catch {
            throw fail("pan", "track 2 cannot be built: \(error.message)")
        }
        return self
    }

    /// Track 2 equivalent data (tag 57) for this card.
    public func track2() throws(PaymentCoreError) -> Track2 {
        // Discretionary data: PIN verification key index and a fixed CVV-like value, shortened for 19-digit PANs.
        let discretionary = pan.length > 16 ? "000000000" : "00000123400000"
        return try Track2(pan: pan, expiry: expiry, serviceCode: serviceCode, discretionaryData: String(discretionary.prefix(37 - 8 - pan.length)))
    }
}

extension CardProfile.Scheme {
    /// Visa qVSDC's PDOL: TTQ, amounts, country, TVR, currency, date, type, unpredictable number. Mastercard: none.
    public var defaultPDOL: DOL {
        switch self {
        case .visa:
            DOL(entries: [.init(tag: .terminalTransactionQualifiers, length: 4)] + CryptogramInput.terminalFields)
        case .mastercard:
            DOL(entries: [])
        }
    }

    /// CDOL1: the terminal data of `CryptogramInput`, plus for Mastercard terminal type, DAC, ICC dynamic number and CVM results.
    public var defaultCDOL1: DOL {
        switch self {
        case .visa:
            DOL(entries: CryptogramInput.terminalFields)
        case .mastercard:
            DOL(entries: CryptogramInput.terminalFields + [
                .init(tag: .terminalType, length: 1), .init(tag: .dataAuthenticationCode, length: 2),
                .init(tag: .iccDynamicNumber, length: 8), .init(tag: .cvmResults, length: 3),
            ])
        }
    }

    /// CDOL2: Visa asks for the ARC and the terminal data again; Mastercard for the issuer authentication data too.
    public var defaultCDOL2: DOL {
        switch self {
        case .visa:
            DOL(entries: [.init(tag: .authorisationResponseCode, length: 2)] + CryptogramInput.terminalFields)
        case .mastercard:
            DOL(entries: [
                .init(tag: .issuerAuthenticationData, length: 10), .init(tag: .authorisationResponseCode, length: 2),
                .init(tag: .terminalVerificationResults, length: 5), .init(tag: .unpredictableNumber, length: 4),
                .init(tag: .iccDynamicNumber, length: 8),
            ])
        }
    }

    /// 9F08: VIS 1.5 (0096) or M/Chip (0002).
    public var defaultApplicationVersion: [UInt8] {
        self == .visa ? [0x00, 0x96] : [0x00, 0x02]
    }
}

extension CryptogramInput {
    /// The terminal-sourced entries of `fixedFields` (all but AIP and ATC), the core of every CDOL1.
    static var terminalFields: [DOL.Entry] {
        fixedFields.entries.filter { $0.tag != .applicationInterchangeProfile && $0.tag != .applicationTransactionCounter }
    }
}
