import Foundation
import TestSupport
import PaymentCore
import PaymentCrypto
@testable import EMV

/// `Testing.Tag` would shadow the EMV tag type.
typealias Tag = PaymentCore.Tag

enum Fixture {
    static let date = try! TransactionDate(year: 2026, month: 11, day: 26)
    static let unpredictableNumber: UInt32 = 0x1234_5678
    static let configuration = TerminalConfiguration.standard

    static func profile(_ name: String) -> CardProfile {
        guard let profile = CardProfile.standard(named: name) else { fatalError("no standard profile \(name)") }
        return profile
    }

    static func transaction(_ minorUnits: Int64, _ mode: CardInterface, type: TransactionType = .purchase, other: Int64? = nil) -> Transaction {
        Transaction(
            amount: Money(minorUnits: minorUnits, currency: .usd),
            otherAmount: other.map { Money(minorUnits: $0, currency: .usd) },
            type: type,
            date: date,
            unpredictableNumber: unpredictableNumber,
            entryMode: mode,
            randomSelectionNumber: 99
        )
    }

    static let pin = try! PINEntry("1234")
    static let wrongPIN = try! PINEntry("9999")
}

func hex(_ text: String) -> [UInt8] { HexCoding.decode(text)! }

/// An issuer that checks the ARQC independently of the EMV module's helpers and answers with ARPC method 1.
struct IndependentIssuer {
    var responseCode = "00"
    var corruptARPC = false
    var failures: [String] = []

    /// Rebuilds the CVN 18 input by hand from DE55 and verifies 9F26 with PaymentCrypto.
    static func verify(_ request: OnlineRequest) throws -> Bool {
        let v = request.values
        let imk = try SymmetricKey(hex: "9E15204313F7318ACB79B90BD986AD29")
        let digits = request.pan.revealDigits()
        let psn = UInt8(v[0x5F34]?.first.map { ($0 >> 4) * 10 + ($0 & 0x0F) } ?? 0)
        let mk = try EMVKeys.iccMasterKey(issuerMasterKey: imk, pan: digits, psn: psn, option: digits.count > 16 ? .b : .a)
        let atc = v[0x9F36]!
        let sk = try EMVKeys.sessionKey(masterKey: mk, atc: UInt16(atc[0]) << 8 | UInt16(atc[1]))
        var input: [UInt8] = []
        for tag: Tag in [0x9F02, 0x9F03, 0x9F1A, 0x95, 0x5F2A, 0x9A, 0x9C, 0x9F37, 0x82, 0x9F36, 0x9F10] {
            input += v[tag]!
        }
        return try ApplicationCryptogram.verify(v[0x9F26]!, sessionKey: sk, data: input, padding: .emv)
    }

    func respond(_ request: OnlineRequest) -> OnlineResponse {
        let v = request.values
        let arc = Array(responseCode.utf8)
        guard let arqc = v[0x9F26], let atc = v[0x9F36],
              var data = try? TestIssuer.issuerAuthenticationData(arqc: arqc, arc: arc, pan: request.pan, psn: request.panSequenceNumber ?? 0, atc: UInt16(atc[0]) << 8 | UInt16(atc[1]))
        else { return .unableToGoOnline }
        if corruptARPC { data[0] ^= 0x01 }
        return .received(authorisationResponseCode: responseCode, issuerAuthenticationData: data)
    }
}

/// The result of driving a kernel against a card synchronously.
struct Run {
    var outcome: KernelOutcome?
    var commands: [CommandAPDU] = []
    var actions: [KernelAction] = []
    var onlineRequest: OnlineRequest?
    var pinRequests: [PINRequest] = []
    var choices: [[Candidate]] = []

    var commandHex: [String] { commands.map { HexCoding.spaced($0.bytes) } }
}

/// Drives `kernel` against `card` until it completes. `pins` answers PIN requests in order (nil = bypass);
/// `respond` transforms each card response (to tamper with it); `online` answers the online request.
@discardableResult
func drive(
    _ transaction: Transaction,
    card: inout VirtualCard,
    configuration: TerminalConfiguration = Fixture.configuration,
    pins: [PINEntry?] = [Fixture.pin],
    choose: Int = 0,
    online: (OnlineRequest) -> OnlineResponse = { IndependentIssuer().respond($0) },
    respond: (Int, CommandAPDU, ResponseAPDU) -> ResponseAPDU? = { _, _, response in response },
    limit: Int = 200
) -> Run {
    let powered = card.reset(interface: transaction.entryMode)
    var kernel = EMVKernel(configuration: configuration)
    var run = Run()
    var pins = pins
    var pending = kernel.handle(.start(transaction))
    var steps = 0
    while !pending.isEmpty, steps < limit {
        steps += 1
        let action = pending.removeFirst()
        run.actions.append(action)
        let event: KernelEvent
        switch action {
        case .complete(let outcome):
            run.outcome = outcome
            return run
        case .transmit(let command):
            run.commands.append(command)
            guard powered else {
                event = .transmissionFailed(EMVError(.cardNotResponding, "the card does not answer on the \(transaction.entryMode) interface"))
                break
            }
            let response = card.process(command)
            if let tampered = respond(run.commands.count - 1, command, response) {
                event = .cardResponded(tampered)
            } else {
                event = .cardRemoved
            }
        case .chooseApplication(let candidates):
            run.choices.append(candidates)
            event = .applicationChosen(choose)
        case .requestOfflinePIN(let tries):
            run.pinRequests.append(.offline(triesLeft: tries))
            let pin = pins.isEmpty ? nil : pins.removeFirst()
            event = pin.map(KernelEvent.pinEntered) ?? .pinBypassed
        case .requestOnlinePIN:
            run.pinRequests.append(.online)
            let pin = pins.isEmpty ? nil : pins.removeFirst()
            event = pin.map(KernelEvent.pinEntered) ?? .pinBypassed
        case .goOnline(let request):
            run.onlineRequest = request
            event = .onlineResponse(online(request))
        }
        pending += kernel.handle(event)
    }
    return run
}
