import PaymentCore

/// The ACS ACR122U's contactless front end, an NXP PN532, driven through the reader's "direct transmit"
/// pseudo-APDU `FF 00 00 00 Lc <PN532 frame>` (ACS API for the ACR122U, §6.1; PN532 user manual UM0701-02 §7).
/// The reader answers `61 xx` and the frame comes with GET RESPONSE `FF C0 00 00 xx`, ending in `90 00`.
/// Pure: frames in, frames out (libnfc's `acr122_usb.c` drives the same exchange).
public enum PN532 {
    /// InListPassiveTarget (§7.3.5): one target, 106 kbps type A (ISO 14443-A, what payment cards are).
    public static let listPassiveTarget: [UInt8] = [0xD4, 0x4A, 0x01, 0x00]

    /// InDataExchange (§7.3.8) with target 1: the card's command APDU inside (at most 252 bytes: the reader's Lc is
    /// one byte; `CCIDSession.pn532` refuses longer frames).
    public static func dataExchange(_ apdu: [UInt8]) -> [UInt8] { [0xD4, 0x40, 0x01] + apdu }

    /// The reader's pseudo-APDU around a PN532 frame.
    public static func directTransmit(_ frame: [UInt8]) -> [UInt8] { [0xFF, 0x00, 0x00, 0x00, UInt8(frame.count)] + frame }

    /// The reader's GET RESPONSE for `length` waiting bytes.
    public static func getResponse(_ length: UInt8) -> [UInt8] { [0xFF, 0xC0, 0x00, 0x00, length] }

    /// A target found by InListPassiveTarget.
    public struct Target: Sendable, Equatable {
        public var number: UInt8
        /// SENS_RES (ATQA), SEL_RES (SAK), the UID and the ATS (ISO 14443-4 cards: payment cards have one).
        public var atqa: [UInt8]
        public var sak: UInt8
        public var uid: [UInt8]
        public var ats: [UInt8]

        /// SAK bit 6: the card speaks ISO 14443-4 (APDUs); a MIFARE Classic tag does not.
        public var speaksISO14443_4: Bool { sak & 0x20 != 0 }
    }

    /// The answer to InListPassiveTarget (`D5 4B NbTg [Tg SENS_RES(2) SEL_RES NFCIDLength NFCID ATS]`): the target,
    /// or nil when no card is in the field.
    public static func parseTarget(_ frame: [UInt8]) throws(ReaderError) -> Target? {
        guard frame.count >= 3, frame[0] == 0xD5, frame[1] == 0x4B else { throw .malformed("InListPassiveTarget answer \(frameHead(frame))") }
        guard frame[2] > 0 else { return nil }
        guard frame.count >= 8 else { throw .malformed("InListPassiveTarget target too short: \(frameHead(frame))") }
        let uidLength = Int(frame[7])
        guard frame.count >= 8 + uidLength else { throw .malformed("InListPassiveTarget UID cut short: \(frameHead(frame))") }
        let rest = Array(frame[(8 + uidLength)...])
        // The ATS starts with its own length byte (TL), which counts itself.
        let ats = rest.first.map { Array(rest.prefix(Int($0))) } ?? []
        return Target(number: frame[3], atqa: [frame[4], frame[5]], sak: frame[6], uid: Array(frame[8..<(8 + uidLength)]), ats: ats)
    }

    /// What InDataExchange's status byte (§7.1, error codes) means when it is not 0.
    public enum ExchangeFailure: Error, Sendable, Equatable {
        /// 0x01 time-out, 0x29 target released, 0x2A card swapped, 0x2B card disappeared: the card is not there.
        case cardGone
        case error(UInt8)
        /// Bit 6 (MI): the answer goes on in another frame, which vtpe does not chain (APDU answers fit in one).
        case chained
    }

    /// The card's answer inside InDataExchange's (`D5 41 <status> <R-APDU>`).
    public static func parseExchange(_ frame: [UInt8]) throws(ReaderError) -> Result<[UInt8], ExchangeFailure> {
        guard frame.count >= 3, frame[0] == 0xD5, frame[1] == 0x41 else { throw .malformed("InDataExchange answer \(frameHead(frame))") }
        // Bits 0-5: the error; bit 6 (MI): more information follows in another frame.
        let status = frame[2] & 0x3F
        switch status {
        case 0x00 where frame[2] & 0x40 != 0: return .failure(.chained)
        case 0x00: return .success(Array(frame[3...]))
        case 0x01, 0x29, 0x2A, 0x2B: return .failure(.cardGone)
        default: return .failure(.error(status))
        }
    }
}

/// The start of a frame for an error message: its first bytes and its length, never its whole content (a card's
/// answers carry its number).
func frameHead(_ bytes: [UInt8]) -> String {
    bytes.count <= 4 ? HexCoding.spaced(bytes) : HexCoding.spaced(bytes.prefix(4)) + " … (\(bytes.count) bytes)"
}
