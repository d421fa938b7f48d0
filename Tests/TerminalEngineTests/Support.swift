import CardReaders
import EMV
import Foundation
import PaymentCore
@testable import TerminalEngine

/// The repository's firmware-profiles folder.
let profilesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("firmware-profiles")

func countertop() throws -> FirmwareProfile {
    try FirmwareProfile.load(named: "countertop", searching: [profilesDirectory])
}

/// A card as a reader presents it: swiped (track 2), or a chip (a virtual card of that number) for taps and inserts.
func card(_ digits: String, _ mode: EntryMode = .contactless, pin: String? = nil) throws -> CardPresentation {
    let track = try Track2(parsing: "\(digits)=3412201000000000")
    let typed = try pin.map { try PINEntry($0) }
    guard let interface = mode.chipInterface else { return CardPresentation(swiped: track, pin: typed) }
    let profile = CardProfile.virtualCard(for: track.pan, name: digits, expiry: track.expiry)
    let channel = VirtualCardChannel(card: VirtualCard(profile: profile), interface: interface)
    return CardPresentation(entryMode: mode, medium: .chip(ChipCard(channel: channel, knownPAN: track.pan)), pin: typed)
}

let fixedDate = Date(timeIntervalSince1970: 1_795_000_000) // 2026-11-18 UTC
