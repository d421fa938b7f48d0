import CardReaders
import EMV
import Foundation
import PaymentCore
import Synchronization
import Testing
import TestSupport
@testable import CardReadersUSB

/// One of our virtual cards in a real PC/SC stack: pcscd with vsmartcard's vpcd driver (`make test` starts it and
/// sets VTPE_TEST_PCSCD), whose "Virtual PCD 00 00" reader takes a card over TCP on 127.0.0.1:35963. This test is
/// that card; `PCSCCardReader` sees it arrive through pcsc-lite, and its APDUs go through pcscd and back.
final class VPCDCard: Sendable {
    private let fd: Int32
    private let card: Mutex<VirtualCard>
    /// The ATR of a contactless card as PC/SC part 3 builds it: 3B 88 80 01, eight zero historical bytes, TCK.
    static let atr: [UInt8] = [0x3B, 0x88, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x09]

    init(port: UInt16, card: VirtualCard) throws {
        var card = card
        _ = card.reset(interface: .contactless)
        self.card = Mutex(card)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            close(fd)
            throw ReaderError.io("cannot reach vpcd on 127.0.0.1:\(port) (is pcscd running with vsmartcard-vpcd?)")
        }
        // Blocking reads on a thread of its own (the card answers whenever pcscd asks).
        Thread.detachNewThread { [self] in serve() }
    }

    /// Takes the card away: the reader sees it leave.
    func remove() { shutdown(fd, Int32(SHUT_RDWR)) }

    private func readExactly(_ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            guard n > 0 else { return nil }
            got += n
        }
        return out
    }

    private func send(_ bytes: [UInt8]) {
        let framed = [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
        _ = framed.withUnsafeBytes { write(fd, $0.baseAddress, framed.count) }
    }

    /// vpcd's protocol: a 2-byte big-endian length, then a control byte (0 power off, 1 power on, 2 reset, 4 ATR?)
    /// or an APDU, to which the card answers with its response, framed the same way.
    private func serve() {
        while let header = readExactly(2) {
            let length = Int(header[0]) << 8 | Int(header[1])
            guard let message = readExactly(length) else { break }
            if length == 1 {
                switch message[0] {
                case 0x04: send(Self.atr)
                case 0x01, 0x02: card.withLock { _ = $0.reset(interface: .contactless) }
                default: break
                }
                continue
            }
            let response: ResponseAPDU = (try? CommandAPDU(bytes: message)).map { command in card.withLock { $0.process(command) } }
                ?? ResponseAPDU(status: StatusWord(0x6700))
            send(response.bytes)
        }
        close(fd)
    }
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["VTPE_TEST_PCSCD"] != nil, "pcscd with vpcd (make test starts it)"))
struct PCSCTests {
    static func profile() throws -> CardProfile {
        CardProfile.virtualCard(for: try PAN("4242424242424242"), name: "visa", expiry: try Expiry(month: 12, year: 2030))
    }

    @Test func aVirtualCardThroughPCSCAnswersAsItDoesDirectly() async throws {
        let reader = PCSCCardReader(readerName: "Virtual PCD 00 00")
        defer { reader.stop() }
        let events = USBCardReaderTests.Events()
        let task = Task { for await e in reader.events { await events.add(e) } }
        defer { task.cancel() }
        let card = try VPCDCard(port: 35963, card: VirtualCard(profile: try Self.profile()))
        let seen = try await USBCardReaderTests.waitFor(events, "the card through pcscd") { $0.contains { if case .cardPresented = $0 { true } else { false } } }
        guard case .cardPresented(let presented)? = seen.first(where: { if case .cardPresented = $0 { true } else { false } }),
              case .chip(let chip) = presented.medium else { Issue.record("\(seen)"); return }
        #expect(presented.entryMode == .contactless)
        let direct = VirtualCardChannel(card: VirtualCard(profile: try Self.profile()), interface: .contactless)
        let commands = [try CommandAPDU.select(name: Array("2PAY.SYS.DDF01".utf8)), try CommandAPDU.select(name: [0xA0, 0, 0, 0, 0x03, 0x10, 0x10]),
                        try CommandAPDU(cla: 0x00, ins: 0xB2, p1: 1, p2: 0x0C, le: 0)]
        for command in commands {
            #expect(try await chip.channel.transmit(command) == (try await direct.transmit(command)), "\(command)")
        }
        card.remove()
        _ = try await USBCardReaderTests.waitFor(events, "the card leaving") { $0.contains(.cardRemoved) }
    }
}
