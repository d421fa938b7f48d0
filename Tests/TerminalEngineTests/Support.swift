import CardReaders
@testable import EMV
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// The repository's firmware-profiles folder.
let profilesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("firmware-profiles")

func countertop() throws -> FirmwareProfile {
    try FirmwareProfile.load(named: "countertop", searching: [profilesDirectory])
}

/// A card as a reader presents it: swiped (track 2), or a chip (a virtual card of that number) for taps and inserts.
func card(_ digits: String, _ mode: EntryMode = .contactless, pin: String? = nil, chip: Bool = true) throws -> CardPresentation {
    let track = try Track2(parsing: "\(digits)=3412\(chip ? "201" : "101")000000000")
    let typed = try pin.map { try PINEntry($0) }
    guard let interface = mode.chipInterface else { return CardPresentation(swiped: track, pin: typed) }
    let profile = CardProfile.virtualCard(for: track.pan, name: digits, expiry: track.expiry)
    let channel = VirtualCardChannel(card: VirtualCard(profile: profile), interface: interface)
    return CardPresentation(entryMode: mode, medium: .chip(ChipCard(channel: channel, knownPAN: track.pan)), pin: typed)
}

let fixedDate = Date(timeIntervalSince1970: 1_795_000_000) // 2026-11-18 UTC

/// The kernel's online request for a virtual card of that number, as a real dialogue produces it.
func onlineRequest(_ digits: String, amount: Int64 = 6000) throws -> OnlineRequest {
    let pan = try PAN(digits)
    let tlv = [TLV(tag: .applicationCryptogram, value: [1, 2, 3, 4, 5, 6, 7, 8])]
    return OnlineRequest(tlv: tlv, pan: pan, track2: nil, panSequenceNumber: 1, amount: Money(minorUnits: amount, currency: .eur),
                         otherAmount: nil, entryMode: .contact, onlinePIN: nil, applicationIdentifier: [0xA0, 0, 0, 0, 3, 0x10, 0x10])
}

/// A `set_reader_display` action for reader `tmr_1`.
func display(_ cart: CartDisplay, status: ReaderAction.Status = .inProgress) -> ReaderAction? {
    ReaderAction(readerID: "tmr_1", kind: .setReaderDisplay(cart), status: status)
}

