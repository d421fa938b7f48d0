import EMV

/// An ACS ACR122U in software, behind the same `USBTransport` a real one is reached through: it decodes the driver's
/// CCID commands, answers the PN532 pseudo-APDUs as the reader's firmware does (`61 xx`, then the frame on GET
/// RESPONSE) and passes the card's APDUs to a card channel — one of our virtual cards. Tests run the real driver
/// against it, and its exchanges become the umockdev scripts of the libusb tests (tests/usb).
public actor EmulatedACR122U: USBTransport {
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

    public static let firmware = Array("ACR122U207".utf8)
    /// The ATR the ACR122U reports for its contactless slot (PC/SC part 3, storage card pseudo-ATR).
    public static let atr: [UInt8] = [0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x68]

    public init(card: (any CardChannel)? = nil) {
        self.card = card
    }

    /// A card enters the field.
    public func place(_ card: any CardChannel, uid: [UInt8] = [0x04, 0x5A, 0x31, 0xC2]) {
        self.card = card
        self.uid = uid
        interrupts.append([0x50, 0x03])
    }

    /// The card leaves the field.
    public func remove() {
        card = nil
        targetActive = false
        interrupts.append([0x50, 0x02])
    }

    public func write(_ bytes: [UInt8], timeout: Duration) async throws(ReaderError) {
        received.append(bytes)
        guard bytes.count >= CCID.headerLength, let type = CCID.Command(rawValue: bytes[0]) else {
            throw .stall("bulk OUT: not a CCID command")
        }
        let length = Int(bytes[1]) | Int(bytes[2]) << 8
        guard bytes.count == CCID.headerLength + length else { throw .stall("bulk OUT: the length says \(length) bytes") }
        let sequence = bytes[6]
        let payload = Array(bytes[CCID.headerLength...])
        let status: UInt8 = 0x00 // the PN532 behind the slot is always there, powered
        switch type {
        case .iccPowerOn: reply(.dataBlock, sequence, status, Self.atr)
        case .iccPowerOff: reply(.slotStatus, sequence, 0x01, [])
        case .getSlotStatus: reply(.slotStatus, sequence, status, [])
        case .escape: reply(.escape, sequence, status, Self.firmware)
        case .xfrBlock: reply(.dataBlock, sequence, status, await pseudoAPDU(payload))
        }
    }

    private func reply(_ type: CCID.Reply, _ sequence: UInt8, _ status: UInt8, _ payload: [UInt8]) {
        let n = payload.count
        bulkIn.append([type.rawValue, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0, 0, sequence, status, 0, 0] + payload)
    }

    /// The reader's pseudo-APDUs: direct transmit to the PN532, GET RESPONSE, and the firmware version.
    private func pseudoAPDU(_ apdu: [UInt8]) async -> [UInt8] {
        switch (apdu.first, apdu.count > 1 ? apdu[1] : nil) {
        case (0xFF, 0x00) where apdu.count >= 5 && apdu.count == 5 + Int(apdu[4]):
            waiting = await pn532(Array(apdu[5...])) + [0x90, 0x00]
            return [0x61, UInt8(waiting.count)]
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
        guard !bulkIn.isEmpty else { throw .timeout("bulk IN: no answer") }
        let message = bulkIn.removeFirst()
        guard message.count > maxLength else { return message }
        bulkIn.insert(Array(message[maxLength...]), at: 0)
        return Array(message.prefix(maxLength))
    }

    public func readInterrupt(maxLength: Int, timeout: Duration) async throws(ReaderError) -> [UInt8] {
        guard !interrupts.isEmpty else {
            try? await Task.sleep(for: min(timeout, .milliseconds(50)))
            throw .timeout("no slot change")
        }
        return interrupts.removeFirst()
    }
}
