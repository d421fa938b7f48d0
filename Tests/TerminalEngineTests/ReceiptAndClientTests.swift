import CardReaders
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

@Suite struct ReceiptTests {
    @Test func approvedReceiptGolden() throws {
        let f = ReceiptFormatter(profile: try countertop(), terminalID: "12345678")
        let r = f.customerReceipt(amount: Money(minorUnits: 1234, currency: .eur),
                                  card: CardSummary(brand: .visa, last4: "4242", entryMode: .contactless), stan: 7,
                                  outcome: .approved(paymentIntentID: "pi_123", authorizationCode: "654321"), date: fixedDate)
        #expect(r.text == """
                     VTPE DEMO SHOP
                         PARIS

            VISA                 CONTACTLESS
            **** **** **** 4242
            18/11/2026              11:06:40
            TID 12345678         STAN 000007

            SALE
            AMOUNT                 EUR 12.34

                        APPROVED
            AUTH CODE 654321
            REF pi_123

                         DEBIT
                     CUSTOMER COPY
                 PLEASE RETAIN RECEIPT

            """)
        #expect(r.lines.allSatisfy { $0.count <= 32 })
    }

    @Test func failedReceiptSaysNoFundsDebited() throws {
        let f = ReceiptFormatter(profile: try countertop(), terminalID: "12345678")
        let r = f.customerReceipt(amount: Money(minorUnits: 100, currency: .eur),
                                  card: CardSummary(brand: .mastercard, last4: "4444", entryMode: .contact), stan: 8,
                                  outcome: .failed(.unreachable("connection refused")), date: fixedDate)
        #expect(r.lines.contains("         NOT COMPLETED"))
        #expect(r.lines.contains("         NO CONNECTION"))
        #expect(r.lines.contains("        NO FUNDS DEBITED"))
    }
}

@Suite struct HTTPGatewayClientTests {
    @Test func formBodyCarriesTheCardPresentExtension() throws {
        let req = AuthorizationRequest(amount: Money(minorUnits: 1234, currency: .eur), card: try card("4242424242424242"), terminalID: "12345678", stan: 3)
        let body = HTTPGatewayClient.formBody(req)
        #expect(body.hasPrefix("amount=1234&currency=eur&confirm=true&capture_method=automatic&payment_method_types%5B%5D=card_present"))
        #expect(body.contains("payment_method_data%5Bcard_present%5D%5Bvtpe_track2%5D=4242424242424242%3D3412201000000000"))
        #expect(body.contains("payment_method_data%5Bcard_present%5D%5Bvtpe_read_method%5D=contactless_emv"))
        #expect(body.contains("metadata%5Bstan%5D=3"))
    }

    @Test func serverDrivenFormBodyOnlyConfirms() throws {
        let req = AuthorizationRequest(amount: Money(minorUnits: 1234, currency: .eur), card: try card("4242424242424242"), terminalID: "12345678", stan: 3,
                                       paymentIntent: "pi_123")
        let body = HTTPGatewayClient.formBody(req)
        #expect(body == "payment_method_data%5Btype%5D=card_present"
            + "&payment_method_data%5Bcard_present%5D%5Bvtpe_track2%5D=4242424242424242%3D3412201000000000"
            + "&payment_method_data%5Bcard_present%5D%5Bvtpe_read_method%5D=contactless_emv&expand%5B%5D=latest_charge")
    }

    @Test func interpretsGatewayAnswers() {
        let ok = #"{"id":"pi_1","status":"succeeded","latest_charge":{"payment_method_details":{"card_present":{"authorization_code":"123456"}}}}"#
        #expect(HTTPGatewayClient.interpret(status: 200, body: Data(ok.utf8)) == .approved(paymentIntentID: "pi_1", authorizationCode: "123456"))
        let declined = #"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","payment_intent":{"id":"pi_2"}}}"#
        #expect(HTTPGatewayClient.interpret(status: 402, body: Data(declined.utf8))
                == .declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_2"))
        let unauthorized = #"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****1234."}}"#
        #expect(HTTPGatewayClient.interpret(status: 401, body: Data(unauthorized.utf8)) == .failed(.unauthorized("Invalid API Key provided: sk_test_****1234.")))
        #expect(HTTPGatewayClient.interpret(status: 502, body: Data("<html>".utf8)) == .failed(.rejected("HTTP 502 with a body that is not a payment intent")))
        let odd = #"{"id":"pi_3","status":"requires_action"}"#
        #expect(HTTPGatewayClient.interpret(status: 200, body: Data(odd.utf8)) == .failed(.rejected("payment intent pi_3 ended in status requires_action")))
    }

    @Test func unreachableGatewayIsAValueNotACrash() async throws {
        let client = HTTPGatewayClient(baseURL: "http://127.0.0.1:1", apiKey: "sk_test_x", logger: .init(label: "t"))
        let req = AuthorizationRequest(amount: Money(minorUnits: 100, currency: .eur), card: try card("4242424242424242"), terminalID: "1", stan: 1)
        let result = await client.authorize(req)
        await client.shutdown()
        guard case .failed(.unreachable) = result else { Issue.record("expected unreachable, got \(result)"); return }
    }
}

@Suite struct TerminalIdentityTests {
    @Test func createsOnceThenReloads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-id-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try TerminalIdentity.loadOrCreate(in: dir, profileID: "countertop")
        #expect(first.terminalID.count == 8 && first.nextSTAN == 1)
        try TerminalIdentity(terminalID: first.terminalID, nextSTAN: 9).save(in: dir, profileID: "countertop")
        #expect(try TerminalIdentity.loadOrCreate(in: dir, profileID: "countertop") == TerminalIdentity(terminalID: first.terminalID, nextSTAN: 9))
        try Data("{broken".utf8).write(to: dir.appendingPathComponent("terminal-countertop.json"))
        #expect(throws: TerminalStateError.self) { try TerminalIdentity.loadOrCreate(in: dir, profileID: "countertop") }
    }
}
