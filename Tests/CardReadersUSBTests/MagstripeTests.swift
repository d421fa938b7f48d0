import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import CardReadersUSB

/// Swipes: the MagTek HID report, and keyboard-emulation readers told apart from typing.
@Suite struct MagstripeTests {
    static let track1 = "%B4242424242424242^DOE/JANE^3412101000000000000?"
    static let track2 = ";4242424242424242=3412101000000000?"

    @Test func aMagTekReportHasItsTracksAtTheirOffsets() throws {
        let report = MagTekReport.encode(track1: Self.track1, track2: Self.track2)
        #expect(report.count == 337)
        // The layout, read independently: status 0 0 1, lengths, then the buffers at 7 and 117.
        #expect(Array(report[0...5]) == [0, 0, 1, UInt8(Self.track1.count), UInt8(Self.track2.count), 0])
        #expect(String(decoding: report[7..<(7 + Self.track1.count)], as: UTF8.self) == Self.track1)
        #expect(String(decoding: report[117..<(117 + Self.track2.count)], as: UTF8.self) == Self.track2)
        let parsed = try MagTekReport(report)
        #expect(parsed.tracks == [Self.track1, Self.track2, nil])
        let swipe = try Swipe(track1: parsed.tracks[0], track2: parsed.tracks[1])
        #expect(swipe.track2.pan.last4 == "4242" && swipe.track2.serviceCode.isChipCard == false)
        #expect(swipe.track1?.name == "DOE/JANE")
        #expect(swipe.description == "swipe 424242******4242")
    }

    @Test func badReportsAreNamedWithoutTheirContent() throws {
        #expect(throws: ReaderError.malformed("a MagTek report has 337 bytes, this one 64")) { try MagTekReport([UInt8](repeating: 0, count: 64)) }
        var report = MagTekReport.encode(track1: nil, track2: Self.track2)
        report[4] = 200
        #expect(throws: ReaderError.malformed("track 2 length 200 is over the report's 110")) { try MagTekReport(report) }
        // Track 2 garbled, track 1 good: track 2 is made from track 1.
        let fixed = try Swipe(track1: Self.track1, track2: ";4242=99?")
        #expect(fixed.track2.pan.last4 == "4242")
        do {
            _ = try Swipe(track1: nil, track2: ";4242424242424242=34?")
            Issue.record("a short track 2 was taken")
        } catch {
            #expect(!error.description.contains("4242424242424242"), "the PAN in an error: \(error)")
        }
    }

    /// Keys with their times (ms); a reader types a key every 2 ms.
    static func type(_ decoder: inout KeyboardWedgeDecoder, _ text: String, from start: Int, every gap: Int) -> [KeyboardWedgeDecoder.Output] {
        var out: [KeyboardWedgeDecoder.Output] = []
        for (i, c) in text.enumerated() { out += decoder.key(c, at: .milliseconds(start + i * gap)) }
        return out
    }

    @Test func aKeyboardReaderSwipeIsASwipe() throws {
        var decoder = KeyboardWedgeDecoder()
        let out = Self.type(&decoder, Self.track1 + Self.track2 + "\r", from: 0, every: 2)
        guard case .swipe(let swipe)? = out.last, out.count == 1 else { Issue.record("\(out)"); return }
        #expect(swipe.track2.pan.last4 == "4242" && swipe.track1 != nil)
        // Without Enter: the pause after the closing sentinel ends it.
        var quiet = KeyboardWedgeDecoder()
        #expect(Self.type(&quiet, Self.track2, from: 0, every: 3).isEmpty)
        guard case .swipe? = quiet.flush(at: .milliseconds(500)).first else { Issue.record("no swipe after the pause"); return }
    }

    @Test func typingIsTyping() {
        // A person types ";" and then a digit 300 ms later: both come back as keys, in order.
        var decoder = KeyboardWedgeDecoder()
        #expect(decoder.key(";", at: .milliseconds(0)).isEmpty && decoder.holding)
        #expect(decoder.key("1", at: .milliseconds(300)) == [.typed([";"]), .typed(["1"])])
        // Plain digits are never held back.
        #expect(decoder.key("5", at: .milliseconds(400)) == [.typed(["5"])])
        // A fast "%" then Enter without a track: typing, Enter included.
        #expect(Self.type(&decoder, "%1\r", from: 1000, every: 5) == [.typed(["%", "1", "\r"])])
    }

    /// A reader's burst that goes wrong (no end sentinel, a key no track has, a pause) is a bad swipe: its digits never
    /// come back as keys.
    @Test func aBrokenBurstIsABadSwipeNotKeys() {
        var noEnd = KeyboardWedgeDecoder()
        #expect(Self.type(&noEnd, ";4242424242424242=3412\r", from: 0, every: 2) == [.badSwipe(KeyboardWedgeDecoder.garbled)])
        var paused = KeyboardWedgeDecoder()
        #expect(Self.type(&paused, ";4242424242", from: 0, every: 2).isEmpty)
        #expect(paused.flush(at: .milliseconds(500)) == [.badSwipe(KeyboardWedgeDecoder.garbled)])
        var odd = KeyboardWedgeDecoder()
        #expect(Self.type(&odd, ";4242424242é5", from: 0, every: 2) == [.badSwipe(KeyboardWedgeDecoder.garbled), .typed(["é"]), .typed(["5"])])
    }

    @Test func aGarbledSwipeSaysSoWithoutTheTrack() {
        var decoder = KeyboardWedgeDecoder()
        // The reader's error marker: %E? ;E? (neither track read).
        #expect(Self.type(&decoder, "%E?;E?\r", from: 0, every: 2) == [.badSwipe("odd reader answer: the reader could not read the stripe (swipe again)")])
    }
}
