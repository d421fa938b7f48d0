import PaymentCore
import PaymentCrypto

/// The issuer of every virtual card: the TEST keys its cards are personalised with, and the checks an issuer makes.
///
/// The gateway's issuer simulator uses this to verify ARQCs and answer with an ARPC that the cards accept.
public enum TestIssuer {
    /// TEST KEY, never for real cards: issuer master key for application cryptograms (IMK-AC),
    /// `9E15204313F7318ACB79B90BD986AD29`, a fixed value chosen for this project.
    public static let applicationCryptogramMasterKey: SymmetricKey = {
        do throws(CryptoError) {
            return try SymmetricKey(hex: "9E15204313F7318ACB79B90BD986AD29")
        } catch {
            preconditionFailure("the test IMK literal is 16 bytes of hex")
        }
    }()

    /// Option A, or option B for PANs longer than 16 digits (EMV Book 2 A1.4).
    public static func derivationOption(for pan: PAN) -> EMVKeys.Option {
        pan.length > 16 ? .b : .a
    }

    /// The card's MK-AC.
    public static func cardMasterKey(pan: PAN, psn: UInt8) throws(CryptoError) -> SymmetricKey {
        try EMVKeys.iccMasterKey(
            issuerMasterKey: applicationCryptogramMasterKey,
            pan: pan.revealDigits(),
            psn: psn,
            option: derivationOption(for: pan)
        )
    }

    /// The application cryptogram session key for one ATC.
    public static func sessionKey(pan: PAN, psn: UInt8, atc: UInt16) throws(CryptoError) -> SymmetricKey {
        try EMVKeys.sessionKey(masterKey: cardMasterKey(pan: pan, psn: psn), atc: atc)
    }

    /// The cryptogram (9F26) a virtual card computes over `tlv`, which must hold the ATC (9F36).
    public static func expectedCryptogram(for tlv: [Tag: [UInt8]], pan: PAN, psn: UInt8) throws(CryptoError) -> [UInt8] {
        guard let atc = tlv[.applicationTransactionCounter], atc.count == 2 else {
            throw CryptoError(.invalidDataLength, "the ATC (9F36) must be present and 2 bytes long")
        }
        let key = try sessionKey(pan: pan, psn: psn, atc: UInt16(atc[0]) << 8 | UInt16(atc[1]))
        return try ApplicationCryptogram.generate(sessionKey: key, data: CryptogramInput.build(from: tlv), padding: CryptogramInput.padding)
    }

    /// True when 9F26 in `tlv` (e.g. a decoded DE55) is the cryptogram the card with this PAN and PSN computes.
    public static func verifyCryptogram(in tlv: [Tag: [UInt8]], pan: PAN, psn: UInt8) throws(CryptoError) -> Bool {
        guard let cryptogram = tlv[.applicationCryptogram] else { return false }
        let expected = try expectedCryptogram(for: tlv, pan: pan, psn: psn)
        return cryptogram.count == expected.count && zip(cryptogram, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Issuer authentication data (tag 91) for ARPC method 1: `ARPC (8) ‖ ARC (2)`, ARPC = TDES(SK, ARQC ⊕ ARC‖00…).
    /// `arc` is the two ASCII bytes of the authorisation response code, e.g. "00" = `30 30`.
    public static func issuerAuthenticationData(arqc: [UInt8], arc: [UInt8], pan: PAN, psn: UInt8, atc: UInt16) throws(CryptoError) -> [UInt8] {
        let key = try sessionKey(pan: pan, psn: psn, atc: atc)
        return try ApplicationCryptogram.arpcMethod1(sessionKey: key, arqc: arqc, arc: arc) + arc
    }
}
