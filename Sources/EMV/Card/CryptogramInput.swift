import PaymentCore
import PaymentCrypto

/// The data that the virtual cards MAC into an application cryptogram (ARQC, TC, AAC), shared with the issuer.
///
/// The layout is that of Visa CVN 18 (IAD byte 3 = 0x12), in this order:
///
/// | tag  | bytes | source                                   |
/// |------|-------|------------------------------------------|
/// | 9F02 | 6     | amount, authorised (terminal, via CDOL1) |
/// | 9F03 | 6     | amount, other (terminal)                 |
/// | 9F1A | 2     | terminal country code                    |
/// | 95   | 5     | TVR                                      |
/// | 5F2A | 2     | transaction currency code                |
/// | 9A   | 3     | transaction date                         |
/// | 9C   | 1     | transaction type                         |
/// | 9F37 | 4     | unpredictable number                     |
/// | 82   | 2     | AIP (card)                               |
/// | 9F36 | 2     | ATC (card)                               |
/// | 9F10 | all   | issuer application data as sent (7 bytes: `06 01 12 03` + CVR) |
///
/// The MAC is ISO 9797-1 algorithm 3 with padding method 2 (`ApplicationCryptogram.Padding.emv`), under the session
/// key `EMVKeys.sessionKey(MK-AC, ATC)`, MK-AC derived from `TestIssuer.applicationCryptogramMasterKey` with option A
/// (option B for PANs longer than 16 digits). Missing values are zeros and values of the wrong length are fitted as
/// `DOL.build` fits them, so the issuer rebuilds exactly what the card MACed from the DE55 objects of the same names.
/// For the second GENERATE AC the card uses its CDOL1 values overridden by the CDOL2 values of the same tags.
public enum CryptogramInput {
    /// The fixed-length part, before the issuer application data.
    public static let fixedFields = DOL(entries: [
        .init(tag: .amountAuthorised, length: 6),
        .init(tag: .amountOther, length: 6),
        .init(tag: .terminalCountryCode, length: 2),
        .init(tag: .terminalVerificationResults, length: 5),
        .init(tag: .transactionCurrencyCode, length: 2),
        .init(tag: .transactionDate, length: 3),
        .init(tag: .transactionType, length: 1),
        .init(tag: .unpredictableNumber, length: 4),
        .init(tag: .applicationInterchangeProfile, length: 2),
        .init(tag: .applicationTransactionCounter, length: 2),
    ])

    /// The padding the cards use before the MAC.
    public static let padding: ApplicationCryptogram.Padding = .emv

    /// The bytes to MAC: `fixedFields` built from `tlv`, then the whole value of 9F10.
    public static func build(from tlv: [Tag: [UInt8]]) -> [UInt8] {
        fixedFields.build(tlv) + (tlv[.issuerApplicationData] ?? [])
    }

    /// Same, from a list of objects such as a decoded DE55 (the first occurrence of each tag counts).
    public static func build(from objects: [TLV]) -> [UInt8] {
        var values: [Tag: [UInt8]] = [:]
        for object in objects where values[object.tag] == nil {
            values[object.tag] = object.value
        }
        return build(from: values)
    }
}
