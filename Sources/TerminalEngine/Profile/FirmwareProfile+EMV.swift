import EMV
import PaymentCore

extension FirmwareProfile {
    /// ISO 3166-1 numeric codes of the countries a profile may name (9F1A, the terminal country code).
    public static let numericCountryCodes: [String: Int] = [
        "AT": 40, "AU": 36, "BE": 56, "BR": 76, "CA": 124, "CH": 756, "CN": 156, "CZ": 203, "DE": 276, "DK": 208,
        "ES": 724, "FI": 246, "FR": 250, "GB": 826, "GR": 300, "HK": 344, "IE": 372, "IN": 356, "IT": 380, "JP": 392,
        "KR": 410, "KW": 414, "LU": 442, "MA": 504, "MX": 484, "NL": 528, "NO": 578, "NZ": 554, "PL": 616, "PT": 620,
        "RO": 642, "SE": 752, "SG": 702, "TN": 788, "TR": 792, "US": 840, "ZA": 710,
    ]

    /// The applications this terminal accepts, in its priority order (partial selection, so longer card AIDs match).
    var acceptedApplications: [TerminalConfiguration.SupportedApplication] {
        emv.applications.enumerated().compactMap { index, name in
            guard let scheme = RawProfile.schemes.first(where: { $0.name == name }) else { return nil }
            return TerminalConfiguration.SupportedApplication(aid: HexCoding.decode(scheme.aid) ?? [], applicationVersion: HexCoding.decode(scheme.version) ?? [],
                                                              priority: index + 1)
        }
    }

    /// The EMV kernel's configuration for this terminal model.
    ///
    /// Capabilities follow the profile: chip and stripe readers from its interfaces, plaintext offline PIN with a
    /// chip slot, enciphered online PIN always (every model has a PIN pad or PIN on glass), signature only with a
    /// printer. Limits are the profile's; the kernel's "at or above" limits are the profile's "above" plus one.
    public func emvConfiguration(terminalID: String) -> TerminalConfiguration {
        var capabilities: TerminalCapabilities = [.encipheredPINForOnlineVerification, .noCVMRequired]
        if interfaces.contains(.contact) { capabilities.formUnion([.icWithContacts, .plaintextPINForICCVerification]) }
        if interfaces.contains(.magstripe) { capabilities.insert(.magneticStripe) }
        if printerColumns != nil { capabilities.insert(.signature) }
        var configuration = TerminalConfiguration.standard
        configuration.terminalCapabilities = emv.terminalCapabilities.map { TerminalCapabilities(rawValue: $0.reduce(0) { $0 << 8 | UInt32($1) }) } ?? capabilities
        configuration.additionalTerminalCapabilities = emv.additionalTerminalCapabilities
        configuration.terminalType = emv.terminalType
        if let tac = emv.tac {
            configuration.actionCodes = ActionCodes(denial: TerminalVerificationResults(hex: HexCoding.encode(tac.denial)) ?? [],
                                                    online: TerminalVerificationResults(hex: HexCoding.encode(tac.online)) ?? [],
                                                    default: TerminalVerificationResults(hex: HexCoding.encode(tac.default)) ?? [])
        }
        configuration.countryCode = Self.numericCountryCodes[country] ?? 0
        configuration.currency = currency
        configuration.floorLimit = limits.floorLimit.minorUnits
        configuration.contactlessFloorLimit = limits.floorLimit.minorUnits
        let contactless = contactlessLimits(for: currency)
        configuration.contactlessTransactionLimit = contactless.transaction.minorUnits + 1
        configuration.cvmRequiredLimit = contactless.cvm.minorUnits + 1
        configuration.applications = acceptedApplications
        let id = Array(terminalID.utf8.prefix(8))
        configuration.additionalData[.terminalIdentification] = id + [UInt8](repeating: 0x20, count: 8 - id.count)
        configuration.additionalData[.ifdSerialNumber] = id + [UInt8](repeating: 0x20, count: 8 - id.count)
        return configuration
    }
}
