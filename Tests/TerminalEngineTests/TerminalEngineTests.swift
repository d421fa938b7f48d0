import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// A gateway double that answers from a table and records what it was asked.
actor RecordingGateway: GatewayClient {
    nonisolated let label = "fake"
    private(set) var requests: [AuthorizationRequest] = []
    let answer: AuthorizationResult

    init(answer: AuthorizationResult) { self.answer = answer }

    func authorize(_ request: AuthorizationRequest) async -> AuthorizationResult {
        requests.append(request)
        return answer
    }
}

@Suite struct TerminalEngineTests {
    @Test func saleThroughTheEngineAndAReader() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-engine-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_9", authorizationCode: "000111"))
        let identity = TerminalIdentity(terminalID: "87654321", nextSTAN: 5)
        let reader = SimulatedCardReader()
        let engine = TerminalEngine(profile: try countertop(), identity: identity, gateway: gateway, dataDirectory: dir,
                                    readerName: reader.name, logger: .init(label: "t"))
        await engine.attach(reader)
        for key in [TerminalKey.digit(2), .digit(5), .digit(0), .enter] { await engine.send(.keyPressed(key)) }
        let before = await engine.finishedCount
        try reader.present("visa", mode: .contact)
        let result = await engine.result(after: before)
        #expect(result.outcome == .approved(paymentIntentID: "pi_9", authorizationCode: "000111"))
        #expect(result.amount == Money(minorUnits: 250, currency: .eur))
        #expect(result.stan == 5)
        let sent = await gateway.requests
        #expect(sent.map(\.idempotencyKey) == ["87654321-000005"])
        #expect(sent.first?.card.entryMode == .contact)
        // The STAN counter was persisted before the request left, and the receipt was "printed" to a file.
        #expect(try TerminalIdentity.loadOrCreate(in: dir, profileID: "countertop").nextSTAN == 6)
        let receipts = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("receipts").path)
        #expect(receipts.count == 1)
        let text = try String(contentsOf: dir.appendingPathComponent("receipts").appendingPathComponent(receipts[0]), encoding: .utf8)
        #expect(text.contains("**** **** **** 4242"))
        #expect(!text.contains("4242424242424242"))
    }
}
