import EMV

/// A CCID reader in software, behind the same `USBTransport` a real one is reached through: it decodes the driver's
/// CCID commands and passes the card's APDUs to a card channel — one of our virtual cards. As an ACS ACR122U it
/// answers the PN532 pseudo-APDUs as that reader's firmware does (`61 xx`, then the frame on GET RESPONSE); as a
/// plain reader (a contact slot, an ACR1252U) it reports the slot's card and carries APDUs in XfrBlock as they are.
/// Tests run the real drivers against it; `unplug` makes it a reader pulled out mid-transfer.
public actor EmulatedCCIDReader: USBTransport {
    public enum Firmware: Sendable, Equatable {
        /// ACS ACR122U: PN532 behind pseudo-APDUs.
        case acr122u
        /// APDUs in XfrBlock, the card's presence in the slot status.
        case plain
    }

    public let firmware: Firmware
    /// The card in the field (nil: none), and its UID.
    private var card: (any CardChannel)?
    private var uid: [UInt8] = [0x04, 0x5A, 0x31, 0xC2]
    private var bulkIn: [[UInt8]] = []
    private var interrupts: [[UInt8]] = []
    /// The PN532 answer waiting for GET RESPONSE.
    private var waiting: [UInt8] = []
    /// The PN532 lost the target after the last InListPassiveTarget found none (a card must be listed again).
    private var targetActive = false
    /// Every command received (tests read them).
    public private(set) var received: [[UInt8]] = []
    /// Pulled out: every transfer fails as on a device that is gone.
    private var unplugged = false
    /// IccPowerOn came (the ACR122U's PN532 answers nothing before).
    private var powered = false

    /// The firmware version the ACR122U reports (Escape).
    public static let version = Array("ACR122U207".utf8)
    /// The ATR the ACR122U reports for its contactless slot (PC/SC part 3, storage card pseudo-ATR).
    public static let atr: [UInt8] = [0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x68]

    public init(_ firmware: Firmware = .acr122u, card: (any CardChannel)? = nil) {
        self.firmware = firmware
        self.card = card
    }

    /// The reader is pulled out: what is in flight and everything after fails with `disconnected`.
    public func unplug() { unplugged = true }

    /// A card enters the field.
    public func place(_ card: any CardChannel, uid: [UInt8] = [0x04, 0x5A, 0x31, 0xC2]) {
        self.card = card
        self.uid = uid
        interrupts.append([0x50, 0x03])
    }

    /// The card leaves the field (or the slot: a plain slot's card goes unpowered with it).
    public func remove() {
        card = nil
        if firmware == .plain { powered = false }
        targetActive = false
        interrupts.append([0x50, 0x02])
    }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(ReaderError) {
        guard !unplugged else { throw .disconnected }
        received.append(bytes)
        guard bytes.count >= CCID.headerLength, let type = CCID.Command(rawValue: bytes[0]) else {
            throw .stall("bulk OUT: not a CCID command")
        }
        let length = Int(bytes[1]) | Int(bytes[2]) << 8
        guard bytes.count == CCID.headerLength + length else { throw .stall("bulk OUT: the length says \(length) bytes") }
        let sequence = bytes[6]
        let payload = Array(bytes[CCID.headerLength...])
        // The ACR122U's slot is its PN532, always there; a plain slot has a card or not. Unpowered, it is inactive.
        let present = firmware == .acr122u || card != nil
        let status: UInt8 = !present ? 0x02 : powered ? 0x00 : 0x01
        switch type {
        case .iccPowerOn where !present: reply(.dataBlock, sequence, 0x42, [], error: 0xFE) // no card: mute
        case .iccPowerOn:
            powered = true
            reply(.dataBlock, sequence, 0x00, Self.atr)
        case .iccPowerOff:
            powered = false
            reply(.slotStatus, sequence, present ? 0x01 : 0x02, [])
        case .getSlotStatus: reply(.slotStatus, sequence, status, [])
        case .escape: reply(.escape, sequence, status, Self.version)
        case .xfrBlock where status != 0x00: reply(.dataBlock, sequence, 0x40 | status, [], error: 0xFE) // nothing powered to answer
        case .xfrBlock where firmware == .acr122u: reply(.dataBlock, sequence, status, await pseudoAPDU(payload))
        case .xfrBlock: reply(.dataBlock, sequence, status, await plainAPDU(payload))
        }
    }

    private func reply(_ type: CCID.Reply, _ sequence: UInt8, _ status: UInt8, _ payload: [UInt8], error: UInt8 = 0) {
        let n = payload.count
        bulkIn.append([type.rawValue, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0, 0, sequence, status, error, 0] + payload)
    }

    /// A plain reader's APDU: to the card as it is; a card that does not answer is "no precise diagnosis".
    private func plainAPDU(_ apdu: [UInt8]) async -> [UInt8] {
        guard let card, let command = try? CommandAPDU(bytes: apdu), let answer = try? await card.transmit(command) else { return [0x6F, 0x00] }
        return answer.bytes
    }

    /// The reader's pseudo-APDUs: direct transmit to the PN532, GET RESPONSE, and the firmware version.
    private func pseudoAPDU(_ apdu: [UInt8]) async -> [UInt8] {
        switch (apdu.first, apdu.count > 1 ? apdu[1] : nil) {
        case (0xFF, 0x00) where apdu.count >= 5 && apdu.count == 5 + Int(apdu[4]):
            waiting = await pn532(Array(apdu[5...])) + [0x90, 0x00]
            guard waiting.count <= 256 else {
                waiting = []
                return [0x6A, 0x80] // more than one GET RESPONSE carries
            }
            return [0x61, UInt8(truncatingIfNeeded: waiting.count)] // 00: 256 bytes

        case (0xFF, 0xC0) where apdu.count == 5:
            defer { waiting = [] }
            return waiting.isEmpty ? [0x6A, 0x81] : Array(waiting.prefix(Int(apdu[4])))
        default:
            return [0x6A, 0x81] // function not supported
        }
    }

    private func pn532(_ frame: [UInt8]) async -> [UInt8] {
        guard frame.count >= 2, frame[0] == 0xD4 else { return [0x7F] } // the PN532's syntax error frame
        switch frame[1] {
        case 0x4A:
            guard card != nil else {
                targetActive = false
                return [0xD5, 0x4B, 0x00]
            }
            targetActive = true
            let ats: [UInt8] = [0x05, 0x78, 0x80, 0x70, 0x02]
            return [0xD5, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x20, UInt8(uid.count)] + uid + ats
        case 0x40:
            guard frame.count >= 3, let card, targetActive else { return [0xD5, 0x41, 0x01] } // time-out: no target
            do {
                let command = try CommandAPDU(bytes: Array(frame[3...]))
                return [0xD5, 0x41, 0x00] + (try await card.transmit(command)).bytes
            } catch {
                return [0xD5, 0x41, 0x01]
            }
        default:
            return [0xD5, frame[1] &+ 1]
        }
    }

    public func read(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        guard !unplugged else { throw .disconnected }
        guard !bulkIn.isEmpty else { throw .timeout("bulk IN: no answer") }
        let message = bulkIn.removeFirst()
        guard message.count > maxLength else { return message }
        bulkIn.insert(Array(message[maxLength...]), at: 0)
        return Array(message.prefix(maxLength))
    }

    public func readInterrupt(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        guard !unplugged else { throw .disconnected }
        guard !interrupts.isEmpty else {
            try? await Task.sleep(for: min(timeout, .milliseconds(50)))
            throw .timeout("no slot change")
        }
        return interrupts.removeFirst()
    }
}
