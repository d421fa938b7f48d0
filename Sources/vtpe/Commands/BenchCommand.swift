import ArgumentParser
import Foundation
import PaymentCore
import PaymentCrypto

/// `vtpe bench`: throughput of the hot paths on one core. Run it on a release build (`make bench`); the figures go
/// to docs/benchmarks.md. Timings are measured here and never asserted by tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure crypto and EMV throughput on one core (use a release build).",
        shouldDisplay: false
    )

    @Option(help: "Seconds per measurement.") var seconds: Double = 2

    struct Measurement {
        var name: String
        var operations: Int
        var elapsed: Duration

        var perSecond: Double { Double(operations) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) }
        var microsPerOp: Double { 1e6 / perSecond }
    }

    /// Runs `body` in batches until `seconds` have passed.
    static func measure(_ name: String, seconds: Double, _ body: () throws -> Void) rethrows -> Measurement {
        let clock = ContinuousClock()
        for _ in 0..<100 { try body() }  // warm-up
        var ops = 0
        let start = clock.now
        let budget = Duration.milliseconds(Int(seconds * 1000))
        while clock.now - start < budget {
            for _ in 0..<200 { try body() }
            ops += 200
        }
        return Measurement(name: name, operations: ops, elapsed: clock.now - start)
    }

    func run() async throws {
        var results: [Measurement] = []
        let imk = try SymmetricKey(hex: "0123456789ABCDEFFEDCBA9876543210")
        let mk = try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: "4242424242424242", psn: 1, option: .a)
        let data = HexCoding.decode("000000001234000000000000097880000080000978251126001234567858000001220000")!
        var atc: UInt16 = 0
        results.append(try Self.measure("ARQC generate + verify (session key per ATC)", seconds: seconds) {
            atc &+= 1
            let sk = try EMVKeys.sessionKey(masterKey: mk, atc: atc)
            let arqc = try ApplicationCryptogram.generate(sessionKey: sk, data: data, padding: .emv)
            guard try ApplicationCryptogram.verify(arqc, sessionKey: sk, data: data, padding: .emv) else { fatalError("ARQC mismatch") }
        })
        let bdk = try SymmetricKey(hex: "0123456789ABCDEFFEDCBA9876543210")
        var counter: UInt32 = 1
        let base = try KSN(hex: "FFFF9876543210E00000")
        results.append(try Self.measure("TDES DUKPT PIN key derivation (X9.24-1, from the BDK)", seconds: seconds) {
            counter = counter % 1000 + 1
            _ = try TDESDUKPT.derive(bdk: bdk, ksn: try base.withCounter(counter), usage: .pin)
        })
        let aesBDK = try SymmetricKey(hex: "FEDCBA9876543210F1F1F1F1F1F1F1F1")
        let aesKSN = try AESKSN(hex: "123456789012345600000000")
        results.append(try Self.measure("AES DUKPT PIN key derivation (X9.24-3, from the BDK)", seconds: seconds) {
            counter = counter % 1000 + 1
            _ = try AESDUKPT.workingKey(bdk: aesBDK, ksn: aesKSN.withCounter(counter), usage: .pinEncryption, type: .aes128)
        })
        results += try emvMeasurements(seconds: seconds)
        for r in results {
            let name = r.name.padding(toLength: 56, withPad: " ", startingAt: 0)
            printLine(name + String(format: "%10.0f /s  %9.2f µs/op", r.perSecond, r.microsPerOp))
        }
    }
}
