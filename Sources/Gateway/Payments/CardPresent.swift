import EMV
import Foundation
import PaymentCore
import PaymentCrypto

/// A card-present payment method as a terminal sends it (our documented extension, `payment_method_data[type]=card_present`):
///
/// - `[card_present][vtpe_read_method]`: contactless_emv, contact_emv, magnetic_stripe_fallback or magnetic_stripe_track2;
/// - `[card_present][vtpe_ksn]`: the DUKPT key serial number (20 hex digits TDES, 24 AES);
/// - `[card_present][vtpe_encrypted_track2]`: track 2 (equivalent) enciphered under the KSN's data key;
/// - `[card_present][vtpe_encrypted_pin_block]`: the online PIN block (ISO 9564 format 4 AES / 0 TDES), when entered;
/// - `[card_present][vtpe_emv_data]`: the ICC data (DE55) in hex — required for chip reads, absent for swipes;
/// - `[card_present][vtpe_offline][stored_at]`: for a payment the terminal approved offline and forwards now, when
///   it stored it (Unix seconds). Chip reads only, with the card's TC or ARQC (9F27 40 or 80), at most 30 days old;
///   the charge shows `offline: {stored_at, type: "deferred"}` as Stripe's do.
///
/// Nothing of it is stored but what a charge shows (brand, last four, expiry, cryptogram, TVR, ...): the PAN goes
/// into the vault sealed, the PIN is compared and forgotten.
///
/// Refunds carry the same fields (but the PIN block) under `vtpe_card_present[…]`, as proof of the card presented.
struct SealedCardPresent: Sendable {
    var readMethod: String
    var ksn: DUKPTSerialNumber
    var track2: [UInt8]
    var pinBlock: [UInt8]?
    var emvData: [TLV]?
    /// When the terminal stored the payment it approved offline (Unix seconds); nil for an online payment.
    var offlineStoredAt: Int64? = nil
    /// Where the fields were sent, for the names in errors.
    var prefix: [String]

    static let paymentMethodPrefix = ["payment_method_data", "card_present"]
    static let refundPrefix = ["vtpe_card_present"]
    static let readMethods = ["contactless_emv", "contact_emv", "magnetic_stripe_fallback", "magnetic_stripe_track2"]

    func param(_ name: String) -> String { FormParams.name(prefix + [name]) }

    /// The fields under `prefix`; `takesPIN` is false where no PIN is asked for (refunds).
    static func parse(_ params: inout FormParams, prefix: [String] = paymentMethodPrefix, takesPIN: Bool = true, now: Date = Date()) throws(APIError) -> SealedCardPresent {
        func param(_ name: String) -> String { FormParams.name(prefix + [name]) }
        let readMethod = try params.string(prefix + ["vtpe_read_method"]) ?? "contactless_emv"
        guard readMethods.contains(readMethod) else {
            throw APIError.invalidRequest("Invalid vtpe_read_method: must be \(readMethods.joined(separator: ", ")).", param: param("vtpe_read_method"))
        }
        let ksnText = try params.requiredString(prefix + ["vtpe_ksn"])
        let ksn: DUKPTSerialNumber
        do { ksn = try DUKPTSerialNumber(hex: ksnText) } catch {
            throw APIError.invalidRequest("Invalid vtpe_ksn: \(error.message).", param: param("vtpe_ksn"))
        }
        let track2 = try hex(&params, prefix, "vtpe_encrypted_track2", required: true) ?? []
        let pinBlock = takesPIN ? try hex(&params, prefix, "vtpe_encrypted_pin_block", required: false) : nil
        var emvData: [TLV]?
        if let bytes = try hex(&params, prefix, "vtpe_emv_data", required: false) {
            do { emvData = try BERTLV.decode(bytes) } catch {
                throw APIError.invalidRequest("Invalid vtpe_emv_data: \(error.message).", param: param("vtpe_emv_data"))
            }
            // Card data never travels in the clear DE55: track 2 goes enciphered in `vtpe_encrypted_track2`.
            if let tag = emvData?.first(where: { $0.tag.isSensitive })?.tag {
                throw APIError.invalidRequest("Invalid vtpe_emv_data: tag \(tag.hex) carries clear card data; send track 2 enciphered in vtpe_encrypted_track2 only.",
                                              param: param("vtpe_emv_data"))
            }
        }
        let chipRead = readMethod.hasSuffix("_emv")
        if chipRead, emvData == nil {
            throw APIError.invalidRequest("Missing vtpe_emv_data: a \(readMethod) read must carry the card's EMV data (DE55).", param: param("vtpe_emv_data"))
        }
        if !chipRead, emvData != nil {
            throw APIError.invalidRequest("Unexpected vtpe_emv_data: a \(readMethod) read has no EMV data.", param: param("vtpe_emv_data"))
        }
        var sealed = SealedCardPresent(readMethod: readMethod, ksn: ksn, track2: track2, pinBlock: pinBlock, emvData: emvData, prefix: prefix)
        if prefix == paymentMethodPrefix, params.has(prefix + ["vtpe_offline"]) {
            sealed.offlineStoredAt = try offlineStoredAt(&params, prefix: prefix, chipData: emvData, now: now)
        }
        return sealed
    }

    /// `vtpe_offline[stored_at]`: a time in the last 30 days (5 minutes of clock skew allowed) of a chip payment
    /// whose cryptogram is a TC or an ARQC — an AAC is the card's decline, with nothing to forward.
    private static func offlineStoredAt(_ params: inout FormParams, prefix: [String], chipData: [TLV]?, now: Date) throws(APIError) -> Int64 {
        let name = FormParams.name(prefix + ["vtpe_offline", "stored_at"])
        let current = Int64(now.timeIntervalSince1970)
        guard let storedAt = try params.integer(prefix + ["vtpe_offline", "stored_at"], range: (current - 30 * 86_400)...(current + 300)) else {
            throw APIError.invalidRequest("Missing required param: \(name).", param: name)
        }
        guard let chipData else {
            throw APIError.invalidRequest("Invalid \(name): only chip payments (contact_emv, contactless_emv) are taken offline.", param: name)
        }
        if let cid = chipData.first(where: { $0.tag == .cryptogramInformationData })?.value.first, cid & 0xC0 != 0x40, cid & 0xC0 != 0x80 {
            throw APIError.invalidRequest("Invalid \(FormParams.name(prefix + ["vtpe_emv_data"])): an offline payment carries the card's TC or ARQC (9F27 40 or 80), not an AAC.",
                                          param: FormParams.name(prefix + ["vtpe_emv_data"]))
        }
        return storedAt
    }

    private static func hex(_ params: inout FormParams, _ prefix: [String], _ name: String, required: Bool) throws(APIError) -> [UInt8]? {
        let text = required ? try params.requiredString(prefix + [name]) : try params.string(prefix + [name])
        guard let text else { return nil }
        guard text.count <= 2048, let bytes = HexCoding.decode(text), !bytes.isEmpty else {
            throw APIError.invalidRequest("Invalid \(name): must be hexadecimal bytes.", param: FormParams.name(prefix + [name]))
        }
        return bytes
    }

    /// Deciphers track 2 and the PIN block under the keys of the KSN's BDK.
    func open(keys: TerminalKeys) async throws -> CardInput {
        let bdk = try await keys.bdk(for: ksn, param: param("vtpe_ksn"))
        let transactionKeys: DUKPTTransactionKeys
        let track: Track2
        do {
            transactionKeys = try DUKPTTransactionKeys(bdk: bdk, ksn: ksn)
            track = try transactionKeys.decipherTrack2(track2)
        } catch {
            throw APIError.invalidRequest("Invalid vtpe_encrypted_track2: \(error.message)", param: param("vtpe_encrypted_track2"))
        }
        var entered: EnteredPIN?
        if let pinBlock {
            // A block that does not decipher to a PIN is a wrong PIN to the issuer, not a malformed request: a
            // terminal cannot tell a damaged block from a mistyped PIN either.
            do { entered = .entered(try PINEntry(transactionKeys.decipherPIN(pinBlock, pan: track.pan))) } catch { entered = .unreadable }
        }
        return CardInput(pan: track.pan, expiry: track.expiry, readMethod: readMethod, existingMethodID: nil,
                         chip: emvData.map(ChipData.init), pin: entered, offlineStoredAt: offlineStoredAt)
    }
}

/// The card's EMV data as the issuer reads it.
public struct ChipData: Sendable {
    public var objects: [TLV]
    public var values: [Tag: [UInt8]]

    public init(_ objects: [TLV]) {
        self.objects = objects
        var values: [Tag: [UInt8]] = [:]
        for object in objects where values[object.tag] == nil { values[object.tag] = object.value }
        self.values = values
    }

    /// PAN sequence number (5F34, one BCD byte); 0 when absent.
    public var psn: UInt8 {
        guard let b = values[.panSequenceNumber]?.first else { return 0 }
        return (b >> 4) * 10 + (b & 0x0F)
    }

    public var atc: UInt16? {
        values[.applicationTransactionCounter].flatMap { $0.count == 2 ? UInt16($0[0]) << 8 | UInt16($0[1]) : nil }
    }

    public var cryptogram: [UInt8]? { values[.applicationCryptogram] }

    func hex(_ tag: Tag) -> String? { values[tag].map(HexCoding.encode) }
}

/// What the cardholder entered as online PIN, deciphered only for the issuer's comparison.
public enum EnteredPIN: Sendable, CustomStringConvertible {
    case entered(PINEntry)
    /// A PIN block that did not decipher to a PIN (wrong key, damaged block).
    case unreadable

    public var description: String { "PIN(****)" }
}

/// The card-present fields of a charge's `payment_method_details.card_present`, as Stripe shows them.
enum CardPresentDetails {
    /// `amountAuthorized` is nil for a decline; `incrementalAuthorizationSupported` says whether the charge can be
    /// incremented (see `IncrementalAuthorization`).
    static func fields(card: CardInput, readMethod: String, authCode: String?, emvResponse: [TLV]?,
                       amountAuthorized: Int64?, incrementalAuthorizationSupported: Bool) -> [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [
            ("read_method", .string(readMethod)),
            ("amount_authorized", .int(amountAuthorized)),
            ("authorization_code", .string(authCode)),
            ("cardholder_name", .null),
            ("emv_auth_data", .string(emvResponse.map { HexCoding.encode(BERTLV.encode($0)) })),
            ("generated_card", .null),
            ("incremental_authorization_supported", .bool(incrementalAuthorizationSupported)),
            ("offline", card.offlineStoredAt.map { .object([("stored_at", .int($0)), ("type", "deferred")]) } ?? .null),
            ("overcapture_supported", false),
        ]
        guard let chip = card.chip else {
            fields.append(("receipt", .null))
            return fields
        }
        let arc = emvResponse?.first { $0.tag == .authorisationResponseCode }.map { HexCoding.encode($0.value) }
        fields.append(("receipt", .object([
            ("account_type", "unknown"),
            ("application_cryptogram", .string(chip.hex(.applicationCryptogram))),
            ("application_preferred_name", .string(chip.values[.applicationLabel].map { String(decoding: $0, as: UTF8.self) })),
            ("authorization_code", .string(authCode)),
            ("authorization_response_code", .string(arc)),
            ("cardholder_verification_method", .string(cardholderVerificationMethod(chip.values[.cvmResults]))),
            ("dedicated_file_name", .string(chip.hex(.dedicatedFileName))),
            ("terminal_verification_results", .string(chip.hex(.terminalVerificationResults))),
            ("transaction_status_information", .string(chip.hex(.transactionStatusInformation))),
        ])))
        return fields
    }

    /// The network the payment went through: Cartes Bancaires when the chip's selected application (84, else 4F)
    /// is a CB one (RID A000000042) — a co-badged card whose holder or terminal chose CB — else the brand's own.
    static func network(brand: CardBrand, chip: ChipData?) -> String {
        let aid = chip.flatMap { $0.values[.dedicatedFileName] ?? $0.values[.applicationIdentifier] }
        if let aid, aid.starts(with: cartesBancairesRID) { return "cartes_bancaires" }
        return brand.rawValue
    }

    /// The registered application provider identifier of Cartes Bancaires.
    static let cartesBancairesRID: [UInt8] = [0xA0, 0x00, 0x00, 0x00, 0x42]

    /// Stripe's name for the CVM the terminal performed (CVM results 9F34, byte 1 without its "apply next" bit).
    static func cardholderVerificationMethod(_ cvmResults: [UInt8]?) -> String {
        guard let cvmResults, cvmResults.count == 3 else { return "none" }
        if cvmResults[2] == 0x01 { return "failure" }
        switch cvmResults[0] & 0x3F {
        case 0x01, 0x04: return "offline_pin"
        case 0x02: return "online_pin"
        case 0x03, 0x05: return "offline_pin_and_signature"
        case 0x1E: return "signature"
        case 0x00: return "failure"
        // 0x1F no CVM, 0x3F not performed; a consumer device (CDCVM) verified its holder itself.
        default: return "none"
        }
    }
}
