import EMV
import Foundation
import PaymentCore
import PaymentCrypto

extension BenchCommand {
    /// Full EMV dialogues between the kernel and a virtual card, synchronously on one core: selection, GPO,
    /// records, CVM, risk management, first GENERATE AC, the issuer's ARQC check and ARPC, and (contact) EXTERNAL
    /// AUTHENTICATE + second GENERATE AC. No actor hops, so the figure is the CPU cost of the dialogue itself.
    func emvMeasurements(seconds: Double) throws -> [Measurement] {
        let date = try TransactionDate(year: 2026, month: 11, day: 26)
        let pin = try PINEntry("1234")
        guard let profile = CardProfile.standard(named: "visa_credit") else { throw CLIError("no visa_credit card profile") }
        var results: [Measurement] = []
        for mode in [CardInterface.contactless, .contact] {
            var card = VirtualCard(profile: profile)
            var un: UInt32 = 1
            results.append(try Self.measure("EMV dialogue, \(mode), online with ARQC/ARPC", seconds: seconds) {
                un &+= 1
                let transaction = Transaction(amount: Money(minorUnits: 2_000, currency: .usd), date: date,
                                              unpredictableNumber: un, entryMode: mode, randomSelectionNumber: 99)
                // A fresh card now and then keeps the ATC far from exhaustion.
                if un % 50_000 == 0 { card = VirtualCard(profile: profile) }
                guard Self.dialogue(transaction, card: &card, pin: pin) else { throw CLIError("the benchmark dialogue did not approve") }
            })
        }
        return results
    }

    /// One dialogue to its outcome; true when approved.
    static func dialogue(_ transaction: Transaction, card: inout VirtualCard, pin: PINEntry) -> Bool {
        _ = card.reset(interface: transaction.entryMode)
        var kernel = EMVKernel(configuration: .standard)
        var pending = kernel.handle(.start(transaction))
        while !pending.isEmpty {
            let event: KernelEvent
            switch pending.removeFirst() {
            case .complete(let outcome):
                switch outcome.decision {
                case .approvedOnline, .approvedOffline: return true
                default: return false
                }
            case .transmit(let command): event = .cardResponded(card.process(command))
            case .chooseApplication: event = .applicationChosen(0)
            case .requestOfflinePIN, .requestOnlinePIN: event = .pinEntered(pin)
            case .goOnline(let request): event = .onlineResponse(issuerAnswer(request))
            }
            pending += kernel.handle(event)
        }
        return false
    }

    /// The test issuer's answer: verify the ARQC, approve with ARPC method 1.
    static func issuerAnswer(_ request: OnlineRequest) -> OnlineResponse {
        let values = request.values
        let psn = request.panSequenceNumber ?? 0
        guard let arqc = values[0x9F26], let atc = values[0x9F36], atc.count == 2,
              (try? TestIssuer.verifyCryptogram(in: values, pan: request.pan, psn: psn)) == true,
              let data = try? TestIssuer.issuerAuthenticationData(arqc: arqc, arc: [0x30, 0x30], pan: request.pan, psn: psn,
                                                                  atc: UInt16(atc[0]) << 8 | UInt16(atc[1]))
        else { return .received(authorisationResponseCode: "05", issuerAuthenticationData: nil) }
        return .received(authorisationResponseCode: "00", issuerAuthenticationData: data)
    }
}
