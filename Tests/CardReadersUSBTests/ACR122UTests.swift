import CardReaders
import EMV
import Foundation
import PaymentCore
import Testing
import TestSupport
@testable import CardReadersUSB

/// A card that answers one fixed response, whatever it is sent (the trace's card).
actor FixedCard: CardChannel {
    let answer: ResponseAPDU
    private(set) var received: [CommandAPDU] = []
    init(_ answer: ResponseAPDU) { self.answer = answer }
    func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        received.append(command)
        return answer
    }
}

/// The ACR122U driver (PN532 pseudo-APDUs) against a recorded trace, and against the emulated reader.
@Suite struct ACR122UTests {
    static func trace(_ name: String) throws -> ReaderTrace {
        let url = try #require(Bundle.module.url(forResource: "Traces/\(name)", withExtension: "trace"))
        return try ReaderTrace(parsing: String(contentsOf: url, encoding: .utf8))
    }

    static let selectPPSE = try! CommandAPDU.select(name: Array("2PAY.SYS.DDF01".utf8))
    /// The FCI of the trace's card.
    static let fci = try! ResponseAPDU(bytes: HexCoding.decode(
        "6F23840E325041592E5359532E4444463031A511BF0C0E610C4F07A0000000031010870101" + "9000")!)

    @Test(arguments: [ReplayTransport.Chunking.whole, .bytes, .random(seed: 1), .random(seed: 42)])
    func aTapAndASelectThroughTheTrace(_ chunking: ReplayTransport.Chunking) async throws {
        let replay = ReplayTransport(try Self.trace("acr122u-tap-ppse"), chunking: chunking)
        let session = CCIDSession(transport: replay, timeout: .milliseconds(200))
        #expect(try await session.powerOn() == EmulatedCCIDReader.atr)
        let target = try #require(try await ACR122U.poll(session))
        #expect(target == PN532.Target(number: 1, atqa: [0x00, 0x04], sak: 0x20, uid: [0x04, 0x5A, 0x31, 0xC2], ats: [0x05, 0x78, 0x80, 0x70, 0x02]))
        #expect(target.speaksISO14443_4)
        let channel = CCIDCardChannel(session: session, carrier: .pn532)
        #expect(try await channel.transmit(Self.selectPPSE) == Self.fci)
        #expect(await replay.finished)
    }

    /// The emulated reader is checked against the hand-written trace: the same commands get the same bytes back.
    @Test func theEmulatedReaderAnswersAsTheTraceSays() async throws {
        let emulated = EmulatedCCIDReader()
        await emulated.place(FixedCard(Self.fci))
        for step in try Self.trace("acr122u-tap-ppse").steps {
            switch step {
            case .out(let bytes): try await emulated.write(bytes, timeout: .seconds(1))
            case .bulkIn(.bytes(let expected)): #expect(try await emulated.read(maxLength: 271, timeout: .seconds(1)) == expected)
            default: Issue.record("unexpected step \(step)")
            }
        }
    }

    @Test func pn532FramesAreParsed() throws {
        #expect(try PN532.parseTarget([0xD5, 0x4B, 0x00]) == nil)
        #expect(throws: ReaderError.malformed("InListPassiveTarget answer D5 41 00")) { try PN532.parseTarget([0xD5, 0x41, 0x00]) }
        #expect(throws: ReaderError.malformed("InListPassiveTarget UID cut short: D5 4B 01 01 … (9 bytes)")) {
            try PN532.parseTarget([0xD5, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x07, 0x01])
        }
        // A MIFARE Classic tag (SAK 08) is no payment card.
        #expect(try PN532.parseTarget([0xD5, 0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 1, 2, 3, 4])?.speaksISO14443_4 == false)
        #expect(try PN532.parseExchange([0xD5, 0x41, 0x00, 0x90, 0x00]) == .success([0x90, 0x00]))
        #expect(try PN532.parseExchange([0xD5, 0x41, 0x01]) == .failure(.cardGone))
        #expect(try PN532.parseExchange([0xD5, 0x41, 0x13]) == .failure(.error(0x13)))
        #expect(try PN532.parseExchange([0xD5, 0x41, 0x2B]) == .failure(.cardGone))
        #expect(try PN532.parseExchange([0xD5, 0x41, 0x0A]) == .failure(.error(0x0A)))
        #expect(try PN532.parseExchange([0xD5, 0x41, 0x40, 0x90]) == .failure(.chained))
        #expect(PN532.directTransmit(PN532.listPassiveTarget) == [0xFF, 0x00, 0x00, 0x00, 0x04, 0xD4, 0x4A, 0x01, 0x00])
    }

    @Test func aCardThatLeftTheFieldEndsTheDialogueAsARemoval() async throws {
        let emulated = EmulatedCCIDReader()
        await emulated.place(FixedCard(Self.fci))
        let session = CCIDSession(transport: emulated, timeout: .milliseconds(200))
        _ = try await session.powerOn()
        _ = try await ACR122U.poll(session)
        let channel = CCIDCardChannel(session: session, carrier: .pn532)
        #expect(try await channel.transmit(Self.selectPPSE) == Self.fci)
        await emulated.remove()
        await #expect(throws: EMVError(.cardRemoved, "the card left the reader's field")) { try await channel.transmit(Self.selectPPSE) }
    }

    /// A virtual card read straight and through the emulated ACR122U gives the same answers to the same commands:
    /// the USB path adds nothing and loses nothing (61 xx and 6C xx included).
    @Test func aVirtualCardAnswersTheSameThroughTheReader() async throws {
        let pan = try PAN("4242424242424242")
        let profile = CardProfile.virtualCard(for: pan, name: "visa", expiry: try Expiry(month: 12, year: 2030))
        let direct = VirtualCardChannel(card: VirtualCard(profile: profile), interface: .contactless)
        let behind = VirtualCardChannel(card: VirtualCard(profile: profile), interface: .contactless)
        let emulated = EmulatedCCIDReader()
        await emulated.place(behind)
        let session = CCIDSession(transport: emulated, timeout: .milliseconds(200))
        _ = try await session.powerOn()
        _ = try #require(try await ACR122U.poll(session))
        let usb = CCIDCardChannel(session: session, carrier: .pn532)
        let commands = [Self.selectPPSE, try CommandAPDU.select(name: [0xA0, 0, 0, 0, 0x03, 0x10, 0x10]),
                        try CommandAPDU(cla: 0x00, ins: 0xB2, p1: 1, p2: 0x0C, le: 0)]
        for command in commands {
            #expect(try await usb.transmit(command) == (try await direct.transmit(command)), "\(command)")
        }
    }
}
