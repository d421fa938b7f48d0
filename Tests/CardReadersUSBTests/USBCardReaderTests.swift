import CardReaders
import EMV
import Foundation
import PaymentCore
import Testing
import TestSupport
@testable import CardReadersUSB

/// The reader's driver loop over the emulated ACR122U: a tap becomes a card event whose channel runs the EMV
/// dialogue, the card leaving is a removal, an unplugged reader is said and looked for again.
@Suite struct USBCardReaderTests {
    /// Collects a reader's events.
    actor Events {
        var seen: [CardEvent] = []
        func add(_ e: CardEvent) { seen.append(e) }
    }

    static func collect(_ reader: USBCardReader) -> (Events, Task<Void, Never>) {
        let events = Events()
        let task = Task { for await e in reader.events { await events.add(e) } }
        return (events, task)
    }

    static func waitFor(_ events: Events, _ what: String, _ predicate: @escaping @Sendable ([CardEvent]) -> Bool) async throws -> [CardEvent] {
        try await within(what, seconds: 10) {
            while true {
                let seen = await events.seen
                if predicate(seen) { return seen }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    static func visa() throws -> VirtualCardChannel {
        let profile = CardProfile.virtualCard(for: try PAN("4242424242424242"), name: "visa", expiry: try Expiry(month: 12, year: 2030))
        return VirtualCardChannel(card: VirtualCard(profile: profile), interface: .contactless)
    }

    @Test func aTapIsACardAndLeavingIsARemoval() async throws {
        let emulated = EmulatedCCIDReader()
        let reader = USBCardReader(name: "ACS ACR122U", driver: .acr122u, poll: .milliseconds(20)) { () throws(ReaderError) -> any USBTransport in emulated }
        defer { reader.stop() }
        let (events, task) = Self.collect(reader)
        defer { task.cancel() }
        await emulated.place(try Self.visa())
        let seen = try await Self.waitFor(events, "the tap") { $0.contains { if case .cardPresented = $0 { true } else { false } } }
        guard case .cardPresented(let card)? = seen.first(where: { if case .cardPresented = $0 { true } else { false } }),
              case .chip(let chip) = card.medium else { Issue.record("\(seen)"); return }
        #expect(card.entryMode == .contactless)
        let fci = try await chip.channel.transmit(try CommandAPDU.select(name: Array("2PAY.SYS.DDF01".utf8)))
        #expect(fci.status.isSuccess)
        // Still in the field after the dialogue: not presented a second time.
        try await Task.sleep(for: .milliseconds(200))
        #expect(await events.seen.filter { if case .cardPresented = $0 { true } else { false } }.count == 1)
        await emulated.remove()
        _ = try await Self.waitFor(events, "the removal") { $0.contains(.cardRemoved) }
    }

    @Test func anUnpluggedReaderIsSaidAndLookedForAgain() async throws {
        // The device is missing twice, then there.
        actor Plug {
            var tries = 0
            let reader = EmulatedCCIDReader()
            func open() throws(ReaderError) -> any USBTransport {
                tries += 1
                guard tries > 2 else { throw .notFound("no USB device 072f:2200 is attached") }
                return reader
            }
        }
        let plug = Plug()
        let reader = USBCardReader(name: "ACS ACR122U", driver: .acr122u, poll: .milliseconds(20), retry: .milliseconds(20)) { () throws(ReaderError) -> any USBTransport in
            try await plug.open()
        }
        defer { reader.stop() }
        let (events, task) = Self.collect(reader)
        defer { task.cancel() }
        let seen = try await Self.waitFor(events, "connected") { $0.contains(.readerConnection(connected: true, message: "ACS ACR122U connected")) }
        // The missing reader is said once, not at every retry.
        let missing = CardEvent.readerConnection(connected: false, message: "ACS ACR122U: no USB device 072f:2200 is attached")
        #expect(seen.first == missing)
        #expect(seen.filter { $0 == missing }.count == 1)
        await plug.reader.place(try Self.visa())
        _ = try await Self.waitFor(events, "the tap") { $0.contains { if case .cardPresented = $0 { true } else { false } } }
    }

    @Test func aReaderPulledOutMidTransactionEndsItAndIsSaid() async throws {
        let trace = try ReaderTrace(parsing: """
        > 62 00000000 00 00 000000
        < 80 02000000 00 00 00 00 00 3B 00
        > 6F 09000000 00 01 000000 FF 00 00 00 04 D4 4A 01 00
        < 80 02000000 00 01 00 00 00 61 13
        > 6F 05000000 00 02 000000 FF C0 00 00 13
        < 80 13000000 00 02 00 00 00 D5 4B 01 01 00 04 20 04 04 5A 31 C2 05 78 80 70 02 90 00
        > 6F 1C000000 00 03 000000 FF 00 00 00 17 D4 40 01 00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00
        < disconnect
        """)
        let replay = ReplayTransport(trace)
        actor Once { var used = false; func take() -> Bool { defer { used = true }; return !used } }
        let once = Once()
        let reader = USBCardReader(name: "ACS ACR122U", driver: .acr122u, poll: .milliseconds(20), retry: .seconds(30)) { () throws(ReaderError) -> any USBTransport in
            guard await once.take() else { throw .notFound("gone") }
            return replay
        }
        defer { reader.stop() }
        let (events, task) = Self.collect(reader)
        defer { task.cancel() }
        let seen = try await Self.waitFor(events, "the tap") { $0.contains { if case .cardPresented = $0 { true } else { false } } }
        guard case .cardPresented(let card)? = seen.first, case .chip(let chip) = card.medium else { Issue.record("\(seen)"); return }
        await #expect(throws: EMVError(.cardRemoved, "the reader was unplugged")) {
            try await chip.channel.transmit(try CommandAPDU.select(name: Array("2PAY.SYS.DDF01".utf8)))
        }
    }

    /// A plain CCID reader (ACR1252U): the slot's status says a card came, IccPowerOn wakes it, its APDUs go in
    /// XfrBlock as they are, and the status saying "absent" is the removal.
    @Test func aCCIDReaderSlotComesAndGoes() async throws {
        let replay = ReplayTransport(try ReaderTrace(parsing: """
        > 65 00000000 00 00 000000
        < 81 00000000 00 00 02 00 00                 # no card
        > 65 00000000 00 01 000000
        < 81 00000000 00 01 01 00 00                 # a card, not powered
        > 62 00000000 00 02 000000
        < 80 0D000000 00 02 00 00 00 3B 88 80 01 00 00 00 00 00 00 00 00 09
        > 6F 14000000 00 03 000000 00 A4 04 00 0E 32 50 41 59 2E 53 59 53 2E 44 44 46 30 31 00
        < 80 02000000 00 03 00 00 00 6A 82
        > 65 00000000 00 04 000000
        < 81 00000000 00 04 02 00 00                 # gone
        """))
        // A poll every four seconds: the test's APDU goes in between (the trace holds the exchanges in that order).
        // One second was not always enough on a loaded CI machine; the removal is still seen well inside the wait.
        let reader = USBCardReader(name: "ACS ACR1252U", driver: .ccid(.contactless), poll: .seconds(4)) { () throws(ReaderError) -> any USBTransport in replay }
        defer { reader.stop() }
        let (events, task) = Self.collect(reader)
        defer { task.cancel() }
        let seen = try await Self.waitFor(events, "the card") { $0.contains { if case .cardPresented = $0 { true } else { false } } }
        guard case .cardPresented(let card)? = seen.first, case .chip(let chip) = card.medium else { Issue.record("\(seen)"); return }
        #expect(card.entryMode == .contactless)
        let answer = try await chip.channel.transmit(try CommandAPDU.select(name: Array("2PAY.SYS.DDF01".utf8)))
        #expect(answer.status == StatusWord(0x6A82))
        _ = try await Self.waitFor(events, "the removal") { $0.contains(.cardRemoved) }
    }

    @Test func readerChoices() throws {
        #expect(try ReaderChoice(parsing: "simulator") == .simulator)
        #expect(try ReaderChoice(parsing: "usb") == .usb(vendorID: nil, productID: nil))
        #expect(try ReaderChoice(parsing: "usb:072F:2200") == .usb(vendorID: 0x072F, productID: 0x2200))
        #expect(try ReaderChoice(parsing: "usb:072f:2200").description == "usb:072f:2200")
        #expect(try ReaderChoice(parsing: "pcsc") == .pcsc(nil))
        #expect(try ReaderChoice(parsing: "pcsc:Virtual PCD 00 00") == .pcsc("Virtual PCD 00 00"))
        #expect(PCSCWatcher.entryMode(atr: [0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F]) == .contactless)
        #expect(PCSCWatcher.entryMode(atr: [0x3B, 0x6E, 0x00, 0x00]) == .contact)
        #expect(throws: ReaderError.notFound("'usb:72f:2200': a USB reader is usb:VID:PID with four hex digits each (usb:072f:2200)")) {
            try ReaderChoice(parsing: "usb:72f:2200")
        }
        #expect(throws: ReaderError.notFound("unknown reader 'nfc': use simulator, usb, usb:VID:PID, pcsc or pcsc:NAME (vtpe readers lists what is attached)")) {
            try ReaderChoice(parsing: "nfc")
        }
        #expect(KnownReader.identify(vendorID: 0x072F, productID: 0x2200)?.driver == .acr122u)
        #expect(KnownReader.identify(vendorID: 0x072F, productID: 0x223E)?.driver == .ccid(.contactless))
        #expect(KnownReader.identify(vendorID: 0x0801, productID: 0x0002)?.driver == .magtekHID)
    }
}
