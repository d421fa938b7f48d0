import Foundation
import PaymentCore
import Testing
@testable import CardReadersUSB

/// The CCID framing (USB CCID rev 1.1 §6) byte by byte, and the session's handling of what readers do wrong.
@Suite struct CCIDTests {
    static func bytes(_ hex: String) -> [UInt8] { HexCoding.decode(hex)! }

    @Test func commandsAreTheSpecificationsBytes() {
        #expect(CCIDCommand(.iccPowerOn, sequence: 0).bytes == Self.bytes("62 00000000 00 00 000000"))
        #expect(CCIDCommand(.getSlotStatus, sequence: 7).bytes == Self.bytes("65 00000000 00 07 000000"))
        #expect(CCIDCommand(.xfrBlock, sequence: 0xFF, payload: [0x00, 0xA4, 0x04, 0x00]).bytes == Self.bytes("6F 04000000 00 FF 000000 00A40400"))
        // The length is little-endian over four bytes.
        let long = CCIDCommand(.escape, sequence: 1, payload: [UInt8](repeating: 0xAB, count: 0x0102))
        #expect(Array(long.bytes.prefix(10)) == Self.bytes("6B 02010000 00 01 000000"))
    }

    static let dataBlock = bytes("80 05000000 00 03 00 00 00 6F 02 84 00 90") // DataBlock, seq 3, 5 bytes
    static let slotStatus = bytes("81 00000000 00 04 02 00 00")             // SlotStatus, seq 4, card absent

    @Test(arguments: [0, 1, 3, 7]) func theDecoderReassemblesMessagesHoweverTheyAreCut(_ piece: Int) throws {
        var decoder = CCIDFrameDecoder()
        let stream = Self.dataBlock + Self.slotStatus
        var messages: [CCIDResponse] = []
        if piece == 0 {
            decoder.feed(stream)
        }
        var rest = piece == 0 ? [] : stream[...]
        repeat {
            if !rest.isEmpty {
                decoder.feed(rest.prefix(piece))
                rest = rest.dropFirst(piece)
            }
            while let m = try decoder.next() { messages.append(m) }
        } while !rest.isEmpty
        #expect(messages.count == 2 && decoder.pending == 0)
        #expect(messages[0] == CCIDResponse(type: .dataBlock, slot: 0, sequence: 3, status: 0, error: 0, parameter: 0, payload: Self.bytes("6F 02 84 00 90")))
        #expect(messages[1].type == .slotStatus && messages[1].sequence == 4 && messages[1].cardStatus == .absent && !messages[1].failed)
    }

    @Test func badFramesAreNamed() {
        #expect(throws: CCIDError.shortFrame(got: 6, needed: 10)) { try CCIDFrameDecoder.decode(Self.bytes("80 05 00 00 00 00")) }
        #expect(throws: CCIDError.shortFrame(got: 12, needed: 15)) { try CCIDFrameDecoder.decode(Array(Self.dataBlock.prefix(12))) }
        #expect(throws: CCIDError.unknownMessageType(0x99)) { try CCIDFrameDecoder.decode(Self.bytes("99 00000000 00 00 000000")) }
        #expect(throws: CCIDError.lengthTooLarge(0x0100_0000)) { try CCIDFrameDecoder.decode(Self.bytes("80 00000001 00 00 000000")) }
        #expect(CCIDError.commandFailed(error: 0xFE, card: .presentInactive).description
                == "the reader reports an error: card mute (no answer) (0xFE); the card is in the slot, not powered")
    }

    @Test func slotChangesFromTheInterruptEndpoint() throws {
        #expect(try CCIDInterrupt.decode([0x50, 0x03]) == .slotChange(present: true, changed: true))
        #expect(try CCIDInterrupt.decode([0x50, 0x02]) == .slotChange(present: false, changed: true))
        #expect(try CCIDInterrupt.decode([0x51, 0x00, 0x07, 0x01]) == .hardwareError(sequence: 7, code: 1))
        #expect(throws: CCIDError.shortFrame(got: 1, needed: 2)) { try CCIDInterrupt.decode([0x50]) }
    }

    // MARK: The session against a replayed reader

    static func session(_ trace: String, chunking: ReplayTransport.Chunking = .whole) throws -> (CCIDSession, ReplayTransport) {
        let replay = ReplayTransport(try ReaderTrace(parsing: trace), chunking: chunking)
        return (CCIDSession(transport: replay, timeout: .milliseconds(200)), replay)
    }

    @Test func aTimeExtensionIsWaitedThrough() async throws {
        let (session, replay) = try Self.session("""
        > 6F 02000000 00 00 000000 00 B2
        < 80 00000000 00 00 80 01 00          # bmCommandStatus 2: time extension
        < 80 00000000 00 00 80 01 00
        < 80 02000000 00 00 00 00 00 90 00
        """)
        #expect(try await session.transmit([0x00, 0xB2]) == [0x90, 0x00])
        #expect(await replay.finished)
    }

    @Test func whatAReaderDoesWrongIsAReaderError() async throws {
        // An answer to another command.
        let (stale, _) = try Self.session("> 65 00000000 00 00 000000\n< 81 00000000 00 05 00 00 00")
        await #expect(throws: ReaderError.protocolError(.wrongSequence(expected: 0, got: 5))) { try await stale.cardStatus() }
        // The command failed: card mute.
        let (mute, _) = try Self.session("> 62 00000000 00 00 000000\n< 80 00000000 00 00 41 FE 00")
        await #expect(throws: ReaderError.protocolError(.commandFailed(error: 0xFE, card: .presentInactive))) { try await mute.powerOn() }
        // An empty slot that says so by failing is an empty slot.
        let (empty, _) = try Self.session("> 65 00000000 00 00 000000\n< 81 00000000 00 00 42 FE 00")
        #expect(try await empty.cardStatus() == .absent)
        // The wrong kind of answer.
        let (wrong, _) = try Self.session("> 6F 01000000 00 00 000000 00\n< 81 00000000 00 00 00 00 00")
        await #expect(throws: ReaderError.protocolError(.unexpectedReply(expected: .dataBlock, got: .slotStatus))) { try await wrong.transmit([0]) }
        // Half a message, then nothing.
        let (short, _) = try Self.session("> 6F 01000000 00 00 000000 00\n< 80 05 00 00\n< timeout")
        await #expect(throws: ReaderError.protocolError(.shortFrame(got: 4, needed: 10))) { try await short.transmit([0]) }
        // A stalled endpoint, a reader pulled out mid-APDU, a reader that never answers.
        let (stall, _) = try Self.session("> 6F 01000000 00 00 000000 00\n< stall")
        await #expect(throws: ReaderError.stall("bulk IN")) { try await stall.transmit([0]) }
        let (gone, _) = try Self.session("> 6F 01000000 00 00 000000 00\n< disconnect")
        await #expect(throws: ReaderError.disconnected) { try await gone.transmit([0]) }
        let (silent, _) = try Self.session("> 6F 01000000 00 00 000000 00\n< timeout")
        await #expect(throws: ReaderError.timeout("the reader did not answer")) { try await silent.transmit([0]) }
    }

    @Test func aReaderAskingForTimeForeverIsGivenUp() async throws {
        let extensions = String(repeating: "< 80 00000000 00 00 80 01 00\n", count: CCIDSession.maxTimeExtensions + 1)
        let (session, _) = try Self.session("> 6F 01000000 00 00 000000 00\n" + extensions)
        await #expect(throws: ReaderError.timeout("the reader asked for more time 61 times")) { try await session.transmit([0]) }
    }

    @Test func traceFilesRoundTrip() throws {
        let text = "> 62 00 00 00 00 00 00 00 00 00\n< 80 00 00 00 00 00 00 00 00 00\n! 50 03\n< timeout\n< stall\n< disconnect\n"
        #expect(try ReaderTrace(parsing: text).text == text)
        #expect(throws: ReaderError.malformed("trace line 2 starts with '?': use >, <, ! or #")) { try ReaderTrace(parsing: "# x\n? 00") }
        #expect(throws: ReaderError.malformed("trace line 1: not hex bytes")) { try ReaderTrace(parsing: "> 6") }
    }
}

/// A trace never holds a PIN: VERIFY's data is masked, plain or inside the ACR122U's InDataExchange.
@Suite struct TraceHygieneTests {
    @Test func verifyIsMasked() {
        let plain = HexCoding.decode("6F 0D000000 00 05 000000 00 20 00 80 08 24 12 34 FF FF FF FF FF")!
        #expect(TracingTransport.maskingPIN(plain) == HexCoding.decode("6F 0D000000 00 05 000000 00 20 00 80 08 FF FF FF FF FF FF FF FF")!)
        let wrapped = HexCoding.decode("6F 15000000 00 06 000000 FF 00 00 00 10 D4 40 01 00 20 00 80 08 24 12 34 FF FF FF FF FF")!
        #expect(TracingTransport.maskingPIN(wrapped) == HexCoding.decode("6F 15000000 00 06 000000 FF 00 00 00 10 D4 40 01 00 20 00 80 08 FF FF FF FF FF FF FF FF")!)
        // Anything else is written as it is.
        let select = HexCoding.decode("6F 05000000 00 07 000000 00 A4 04 00 00")!
        #expect(TracingTransport.maskingPIN(select) == select)
    }
}
