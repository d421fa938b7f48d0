// Names follow EMV Book 3 Annex A (and the contactless kernel books for 9F66, 9F6B, 9F6C, 9F6E, 9F7C).
extension Tag {
    /// 42 Issuer Identification Number.
    public static let issuerIdentificationNumber: Tag = 0x42
    /// 4F Application Identifier (AID) – card.
    public static let applicationIdentifier: Tag = 0x4F
    /// 50 Application Label.
    public static let applicationLabel: Tag = 0x50
    /// 56 Track 1 Data (contactless magstripe).
    public static let track1Data: Tag = 0x56
    /// 57 Track 2 Equivalent Data.
    public static let track2Equivalent: Tag = 0x57
    /// 5A Application Primary Account Number.
    public static let pan: Tag = 0x5A
    /// 5F20 Cardholder Name.
    public static let cardholderName: Tag = 0x5F20
    /// 5F24 Application Expiration Date (YYMMDD).
    public static let applicationExpirationDate: Tag = 0x5F24
    /// 5F25 Application Effective Date (YYMMDD).
    public static let applicationEffectiveDate: Tag = 0x5F25
    /// 5F28 Issuer Country Code.
    public static let issuerCountryCode: Tag = 0x5F28
    /// 5F2A Transaction Currency Code.
    public static let transactionCurrencyCode: Tag = 0x5F2A
    /// 5F2D Language Preference.
    public static let languagePreference: Tag = 0x5F2D
    /// 5F30 Service Code.
    public static let serviceCode: Tag = 0x5F30
    /// 5F34 Application PAN Sequence Number.
    public static let panSequenceNumber: Tag = 0x5F34
    /// 5F36 Transaction Currency Exponent.
    public static let transactionCurrencyExponent: Tag = 0x5F36
    /// 61 Application Template.
    public static let applicationTemplate: Tag = 0x61
    /// 6F File Control Information (FCI) Template.
    public static let fciTemplate: Tag = 0x6F
    /// 70 READ RECORD Response Message Template.
    public static let readRecordResponseTemplate: Tag = 0x70
    /// 71 Issuer Script Template 1.
    public static let issuerScriptTemplate1: Tag = 0x71
    /// 72 Issuer Script Template 2.
    public static let issuerScriptTemplate2: Tag = 0x72
    /// 73 Directory Discretionary Template.
    public static let directoryDiscretionaryTemplate: Tag = 0x73
    /// 77 Response Message Template Format 2.
    public static let responseMessageTemplateFormat2: Tag = 0x77
    /// 80 Response Message Template Format 1.
    public static let responseMessageTemplateFormat1: Tag = 0x80
    /// 82 Application Interchange Profile.
    public static let applicationInterchangeProfile: Tag = 0x82
    /// 84 Dedicated File (DF) Name.
    public static let dedicatedFileName: Tag = 0x84
    /// 87 Application Priority Indicator.
    public static let applicationPriorityIndicator: Tag = 0x87
    /// 88 Short File Identifier (SFI).
    public static let shortFileIdentifier: Tag = 0x88
    /// 89 Authorisation Code.
    public static let authorisationCode: Tag = 0x89
    /// 8A Authorisation Response Code.
    public static let authorisationResponseCode: Tag = 0x8A
    /// 8C Card Risk Management Data Object List 1 (CDOL1).
    public static let cdol1: Tag = 0x8C
    /// 8D Card Risk Management Data Object List 2 (CDOL2).
    public static let cdol2: Tag = 0x8D
    /// 8E Cardholder Verification Method (CVM) List.
    public static let cvmList: Tag = 0x8E
    /// 8F Certification Authority Public Key Index.
    public static let caPublicKeyIndex: Tag = 0x8F
    /// 90 Issuer Public Key Certificate.
    public static let issuerPublicKeyCertificate: Tag = 0x90
    /// 91 Issuer Authentication Data.
    public static let issuerAuthenticationData: Tag = 0x91
    /// 92 Issuer Public Key Remainder.
    public static let issuerPublicKeyRemainder: Tag = 0x92
    /// 93 Signed Static Application Data.
    public static let signedStaticApplicationData: Tag = 0x93
    /// 94 Application File Locator (AFL).
    public static let applicationFileLocator: Tag = 0x94
    /// 95 Terminal Verification Results (TVR).
    public static let terminalVerificationResults: Tag = 0x95
    /// 97 Transaction Certificate Data Object List (TDOL).
    public static let tdol: Tag = 0x97
    /// 99 Transaction Personal Identification Number (PIN) Data.
    public static let transactionPINData: Tag = 0x99
    /// 9A Transaction Date (YYMMDD).
    public static let transactionDate: Tag = 0x9A
    /// 9B Transaction Status Information (TSI).
    public static let transactionStatusInformation: Tag = 0x9B
    /// 9C Transaction Type.
    public static let transactionType: Tag = 0x9C
    /// 9D Directory Definition File (DDF) Name.
    public static let ddfName: Tag = 0x9D
    /// 9F01 Acquirer Identifier.
    public static let acquirerIdentifier: Tag = 0x9F01
    /// 9F02 Amount, Authorised (Numeric).
    public static let amountAuthorised: Tag = 0x9F02
    /// 9F03 Amount, Other (Numeric).
    public static let amountOther: Tag = 0x9F03
    /// 9F06 Application Identifier (AID) – terminal.
    public static let terminalApplicationIdentifier: Tag = 0x9F06
    /// 9F07 Application Usage Control.
    public static let applicationUsageControl: Tag = 0x9F07
    /// 9F08 Application Version Number (card).
    public static let applicationVersionNumber: Tag = 0x9F08
    /// 9F09 Application Version Number (terminal).
    public static let terminalApplicationVersionNumber: Tag = 0x9F09
    /// 9F0D Issuer Action Code – Default.
    public static let issuerActionCodeDefault: Tag = 0x9F0D
    /// 9F0E Issuer Action Code – Denial.
    public static let issuerActionCodeDenial: Tag = 0x9F0E
    /// 9F0F Issuer Action Code – Online.
    public static let issuerActionCodeOnline: Tag = 0x9F0F
    /// 9F10 Issuer Application Data.
    public static let issuerApplicationData: Tag = 0x9F10
    /// 9F11 Issuer Code Table Index.
    public static let issuerCodeTableIndex: Tag = 0x9F11
    /// 9F12 Application Preferred Name.
    public static let applicationPreferredName: Tag = 0x9F12
    /// 9F13 Last Online Application Transaction Counter (ATC) Register.
    public static let lastOnlineATCRegister: Tag = 0x9F13
    /// 9F14 Lower Consecutive Offline Limit.
    public static let lowerConsecutiveOfflineLimit: Tag = 0x9F14
    /// 9F15 Merchant Category Code.
    public static let merchantCategoryCode: Tag = 0x9F15
    /// 9F16 Merchant Identifier.
    public static let merchantIdentifier: Tag = 0x9F16
    /// 9F17 PIN Try Counter.
    public static let pinTryCounter: Tag = 0x9F17
    /// 9F1A Terminal Country Code.
    public static let terminalCountryCode: Tag = 0x9F1A
    /// 9F1B Terminal Floor Limit.
    public static let terminalFloorLimit: Tag = 0x9F1B
    /// 9F1C Terminal Identification.
    public static let terminalIdentification: Tag = 0x9F1C
    /// 9F1D Terminal Risk Management Data.
    public static let terminalRiskManagementData: Tag = 0x9F1D
    /// 9F1E Interface Device (IFD) Serial Number.
    public static let ifdSerialNumber: Tag = 0x9F1E
    /// 9F1F Track 1 Discretionary Data.
    public static let track1DiscretionaryData: Tag = 0x9F1F
    /// 9F20 Track 2 Discretionary Data.
    public static let track2DiscretionaryData: Tag = 0x9F20
    /// 9F21 Transaction Time (HHMMSS).
    public static let transactionTime: Tag = 0x9F21
    /// 9F23 Upper Consecutive Offline Limit.
    public static let upperConsecutiveOfflineLimit: Tag = 0x9F23
    /// 9F26 Application Cryptogram.
    public static let applicationCryptogram: Tag = 0x9F26
    /// 9F27 Cryptogram Information Data.
    public static let cryptogramInformationData: Tag = 0x9F27
    /// 9F32 Issuer Public Key Exponent.
    public static let issuerPublicKeyExponent: Tag = 0x9F32
    /// 9F33 Terminal Capabilities.
    public static let terminalCapabilities: Tag = 0x9F33
    /// 9F34 Cardholder Verification Method (CVM) Results.
    public static let cvmResults: Tag = 0x9F34
    /// 9F35 Terminal Type.
    public static let terminalType: Tag = 0x9F35
    /// 9F36 Application Transaction Counter (ATC).
    public static let applicationTransactionCounter: Tag = 0x9F36
    /// 9F37 Unpredictable Number.
    public static let unpredictableNumber: Tag = 0x9F37
    /// 9F38 Processing Options Data Object List (PDOL).
    public static let pdol: Tag = 0x9F38
    /// 9F39 Point-of-Service (POS) Entry Mode.
    public static let posEntryMode: Tag = 0x9F39
    /// 9F40 Additional Terminal Capabilities.
    public static let additionalTerminalCapabilities: Tag = 0x9F40
    /// 9F41 Transaction Sequence Counter.
    public static let transactionSequenceCounter: Tag = 0x9F41
    /// 9F42 Application Currency Code.
    public static let applicationCurrencyCode: Tag = 0x9F42
    /// 9F44 Application Currency Exponent.
    public static let applicationCurrencyExponent: Tag = 0x9F44
    /// 9F45 Data Authentication Code.
    public static let dataAuthenticationCode: Tag = 0x9F45
    /// 9F46 ICC Public Key Certificate.
    public static let iccPublicKeyCertificate: Tag = 0x9F46
    /// 9F47 ICC Public Key Exponent.
    public static let iccPublicKeyExponent: Tag = 0x9F47
    /// 9F48 ICC Public Key Remainder.
    public static let iccPublicKeyRemainder: Tag = 0x9F48
    /// 9F49 Dynamic Data Authentication Data Object List (DDOL).
    public static let ddol: Tag = 0x9F49
    /// 9F4A Static Data Authentication Tag List.
    public static let sdaTagList: Tag = 0x9F4A
    /// 9F4B Signed Dynamic Application Data.
    public static let signedDynamicApplicationData: Tag = 0x9F4B
    /// 9F4C ICC Dynamic Number.
    public static let iccDynamicNumber: Tag = 0x9F4C
    /// 9F4D Log Entry.
    public static let logEntry: Tag = 0x9F4D
    /// 9F4E Merchant Name and Location.
    public static let merchantNameAndLocation: Tag = 0x9F4E
    /// 9F5B Issuer Script Results.
    public static let issuerScriptResults: Tag = 0x9F5B
    /// 9F66 Terminal Transaction Qualifiers (TTQ).
    public static let terminalTransactionQualifiers: Tag = 0x9F66
    /// 9F6B Track 2 Data (contactless magstripe).
    public static let track2Data: Tag = 0x9F6B
    /// 9F6C Card Transaction Qualifiers (CTQ).
    public static let cardTransactionQualifiers: Tag = 0x9F6C
    /// 9F6E Form Factor Indicator / Third Party Data.
    public static let formFactorIndicator: Tag = 0x9F6E
    /// 9F7C Customer Exclusive Data.
    public static let customerExclusiveData: Tag = 0x9F7C
    /// A5 FCI Proprietary Template.
    public static let fciProprietaryTemplate: Tag = 0xA5
    /// BF0C FCI Issuer Discretionary Data.
    public static let fciIssuerDiscretionaryData: Tag = 0xBF0C

    /// True for tags whose value must never be logged in clear: PAN, track data, PIN data, cardholder name.
    public var isSensitive: Bool {
        Self.sensitive.contains(self)
    }

    private static let sensitive: Set<Tag> = [
        .track1Data, .track2Equivalent, .pan, .cardholderName, .track1DiscretionaryData,
        .track2DiscretionaryData, .transactionPINData, .track2Data, 0x9F0B,
    ]
}
