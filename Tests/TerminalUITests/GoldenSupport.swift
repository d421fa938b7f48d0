import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine
@testable import TerminalUI

/// Golden screens: the rendered text and its style map (`ScreenBuffer.legendText`) compared with
/// `Snapshots/<path>.txt`. A mismatch prints a line diff. `RECORD_SNAPSHOTS=1 swift test --filter TerminalUITests`
/// writes the files and fails the run, so a recording can never pass as a test.
enum Golden {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    static let profiles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("firmware-profiles")
    static let date = Date(timeIntervalSince1970: 1_795_000_000)
    static let reading = DeviceReading(now: date, network: .up, timeZone: TimeZone(identifier: "Europe/Paris")!)
    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    static func profile(_ name: String) throws -> FirmwareProfile {
        try FirmwareProfile.load(named: name, searching: [profiles])
    }

    static func model(_ phase: TransactionPhase, profile name: String = "countertop", language: FirmwareProfile.Language? = nil,
                      size: ScreenSize = fullLayoutSize, kind: TransactionKind = .sale, notice: String? = nil) throws -> UIModel {
        var profile = try profile(name)
        // As `vtpe terminal --lang`: the screen and the receipts speak it.
        if let language { profile.language = language }
        let snapshot = TerminalSnapshot(phase: phase, notice: notice, profile: profile, terminalID: "12345678",
                                        gatewayLabel: "embedded (http://127.0.0.1:4242)", readerName: "Simulator", kind: kind)
        var model = UIModel(snapshot: snapshot, size: size)
        _ = update(&model, .tick(reading))
        return model
    }

    /// Compares (or records) one screen.
    static func check(_ screen: ScreenBuffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = snapshots.appendingPathComponent(name + ".txt")
        let actual = screen.legendText
        if recording {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(name): a recording run always fails; run the tests again without RECORD_SNAPSHOTS", sourceLocation: sourceLocation)
            return
        }
        guard let golden = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("no golden file \(name).txt; record it with RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
            return
        }
        if actual != golden {
            Issue.record("screen \(name) differs from its golden file (- golden, + now):\n\(diff(golden, actual))", sourceLocation: sourceLocation)
        }
    }

    /// The lines that differ, numbered, golden first.
    static func diff(_ golden: String, _ actual: String) -> String {
        let a = golden.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? String(a[i]) : nil
            let y = i < b.count ? String(b[i]) : nil
            guard x != y else { continue }
            let number = String(repeating: " ", count: max(0, 3 - String(i + 1).count)) + String(i + 1)
            if let x { out.append("\(number) - \(x)") }
            if let y { out.append("\(number) + \(y)") }
        }
        return out.joined(separator: "\n")
    }
}
