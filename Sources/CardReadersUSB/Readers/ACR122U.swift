/// The ACS ACR122U (072f:2200): a CCID reader whose contactless front end is a PN532 reached through pseudo-APDUs.
/// It has no slot-change interrupt worth trusting for contactless cards, so a card is found by polling
/// InListPassiveTarget, and its departure by the card no longer answering (or the next poll finding none).
public enum ACR122U {
    /// One PN532 frame through the reader: direct transmit, then GET RESPONSE for the `61 xx` it answers; the
    /// PN532's frame without the reader's `90 00`.
    public static func pn532(_ session: CCIDSession, _ frame: [UInt8]) async throws(ReaderError) -> [UInt8] {
        let answer = try await session.pn532(frame)
        guard answer.count >= 2, answer[answer.count - 2] == 0x90, answer[answer.count - 1] == 0x00 else {
            // 63 00: the PN532 did not answer in time (the reader's own error).
            throw .malformed("the reader answered \(frameHead(answer)) to a PN532 command")
        }
        return Array(answer.dropLast(2))
    }

    /// Looks for a card in the field: its target, or nil.
    public static func poll(_ session: CCIDSession) async throws(ReaderError) -> PN532.Target? {
        try PN532.parseTarget(try await pn532(session, PN532.listPassiveTarget))
    }
}
