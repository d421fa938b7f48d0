import CardReaders
import Foundation
import PaymentCore
@testable import TerminalEngine

/// The repository's firmware-profiles folder.
let profilesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("firmware-profiles")

func countertop() throws -> FirmwareProfile {
    try FirmwareProfile.load(named: "countertop", searching: [profilesDirectory])
}

func card(_ digits: String, _ mode: EntryMode = .contactless) throws -> CardPresentation {
    CardPresentation(entryMode: mode, track2: try Track2(parsing: "\(digits)=3412201000000000"))
}

let fixedDate = Date(timeIntervalSince1970: 1_795_000_000) // 2026-11-18 UTC
