import Testing
import PaymentCore
@testable import EMV

/// Everything a terminal would log about a transaction: no full PAN, no track 2, no PIN block.
@Suite struct MaskingTests {
    @Test func tracesAndOutcomesShowNoCardSecrets() throws {
        var card = VirtualCard(profile: Fixture.profile("mastercard_credit"))
        var responses: [ResponseAPDU] = []
        let run = drive(Fixture.transaction(10000, .contact), card: &card, respond: { _, _, response in
            responses.append(response)
            return response
        })
        var log = ""
        for command in run.commands { log += "\(command)\n" }
        for response in responses { log += "\(response)\n" }
        for action in run.actions { log += "\(action)\n\(String(reflecting: action))\n"; dump(action, to: &log) }
        let outcome = try #require(run.outcome)
        log += "\(outcome)\n\(String(reflecting: outcome))\n"
        dump(outcome, to: &log)
        dump(card.profile, to: &log)
        #expect(log.contains("555555******4444"))
        for secret in ["5555555555554444", "55 55 55 55 55 55 44 44", "5555555555554444D3012", "24 12 34 FF", "241234FF"] {
            #expect(!log.contains(secret), "log shows \(secret)")
        }
        #expect(log.contains("00 20 00 80 08 ** ** ** ** ** ** ** **"))
        #expect(outcome.description == "approvedOnline, TVR 8000008000, TSI 7800, CVM 410302, CID 40, ATC 33, ARC 00, PAN 555555******4444")
    }
}
