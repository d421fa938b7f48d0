import CardReaders
import EMV
import PaymentCrypto
import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine
import Logging

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

                       THANK YOU
                   PLEASE COME AGAIN

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
    static let bdk = try! SymmetricKey(hex: "0123456789ABCDEFFEDCBA9876543210")

    static func keys() throws -> DUKPTTransactionKeys {
        try DUKPTTransactionKeys(bdk: bdk, ksn: DUKPTSerialNumber.initial(scheme: .aes, bdkID: [1, 2, 3, 4], deviceID: [5, 6, 7, 8]).next())
    }

    static func fields(_ body: String) -> [String: String] {
        Dictionary(body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { a, _ in a })
    }

    @Test func swipeFormBodyEnciphersTrack2() throws {
        let track = try Track2(parsing: "4242424242424242=3412201000000000")
        let req = AuthorizationRequest(amount: Money(minorUnits: 1234, currency: .eur), entryMode: .magstripe, card: .magstripe(track), terminalID: "12345678", stan: 3)
        let keys = try Self.keys()
        let body = try HTTPGatewayClient.formBody(req, keys: keys)
        #expect(body.hasPrefix("amount=1234&currency=eur&confirm=true&capture_method=automatic&payment_method_types%5B%5D=card_present"))
        #expect(!body.contains("4242424242424242") && !body.contains("vtpe_track2"))
        let f = Self.fields(body)
        #expect(f["payment_method_data[card_present][vtpe_read_method]"] == "magnetic_stripe_fallback")
        #expect(f["payment_method_data[card_present][vtpe_ksn]"] == keys.ksn.hex)
        let cipher = try #require(HexCoding.decode(f["payment_method_data[card_present][vtpe_encrypted_track2]"] ?? ""))
        #expect(try keys.decipherTrack2(cipher) == track)
        #expect(f["payment_method_data[card_present][vtpe_emv_data]"] == nil)
        #expect(f["metadata[stan]"] == "3")
    }

    @Test func chipFormBodyCarriesDE55WithoutClearCardDataAndTheEncipheredPIN() async throws {
        let online = try await Self.onlineRequest()
        let req = AuthorizationRequest(amount: online.amount, entryMode: .contact, card: .chip(online), terminalID: "12345678", stan: 3,
                                       paymentIntent: "pi_123")
        let keys = try Self.keys()
        let body = try HTTPGatewayClient.formBody(req, keys: keys)
        let f = Self.fields(body)
        // A server-driven sale only confirms: no amount, no metadata.
        #expect(f["amount"] == nil && f["metadata[stan]"] == nil && f["expand[]"] == "latest_charge")
        #expect(f["payment_method_data[card_present][vtpe_read_method]"] == "contact_emv")
        let de55 = try BERTLV.decode(try #require(HexCoding.decode(f["payment_method_data[card_present][vtpe_emv_data]"] ?? "")))
        #expect(!de55.contains { $0.tag == .track2Equivalent || $0.tag == .pan })
        #expect(de55.first?.tag == .applicationCryptogram)
        let block = try #require(HexCoding.decode(f["payment_method_data[card_present][vtpe_encrypted_pin_block]"] ?? ""))
        #expect(try keys.decipherPIN(block, pan: online.pan) == "1234")
        #expect(!body.contains("4242424242424242"))
    }

    /// A real online request: visa_credit inserted for USD 60.00, online PIN 1234.
    static func onlineRequest() async throws -> OnlineRequest {
        let box = RequestBox()
        let channel = VirtualCardChannel(card: VirtualCard(profile: CardProfile.standard(named: "visa_credit")!), interface: .contact)
        let runner = KernelRunner(configuration: .standard, channel: channel, readPIN: { _ in try? PINEntry("1234") },
                                  authorize: { await box.set($0); return .unableToGoOnline })
        _ = await runner.run(Transaction(amount: Money(minorUnits: 6000, currency: .usd), date: try TransactionDate(fixedDate),
                                         unpredictableNumber: 0x1234_5678, entryMode: .contact))
        return try #require(await box.request)
    }

    @Test func interpretsGatewayAnswers() {
        let ok = #"{"id":"pi_1","status":"succeeded","latest_charge":{"payment_method_details":{"card_present":{"authorization_code":"123456","emv_auth_data":"8A023030"}}}}"#
        let answer = HTTPGatewayClient.interpret(status: 200, body: Data(ok.utf8))
        #expect(answer.result == .approved(paymentIntentID: "pi_1", authorizationCode: "123456"))
        #expect(answer.issuerResponse == [TLV(tag: .authorisationResponseCode, value: Array("00".utf8))])
        let declined = #"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","payment_intent":{"id":"pi_2"}}}"#
        #expect(HTTPGatewayClient.interpret(status: 402, body: Data(declined.utf8)).result
                == .declined(.insufficientFunds, message: "Your card has insufficient funds.", paymentIntentID: "pi_2"))
        let unauthorized = #"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****1234."}}"#
        #expect(HTTPGatewayClient.interpret(status: 401, body: Data(unauthorized.utf8)).result == .failed(.unauthorized("Invalid API Key provided: sk_test_****1234.")))
        #expect(HTTPGatewayClient.interpret(status: 502, body: Data("<html>".utf8)).result == .failed(.rejected("HTTP 502 with a body that is not a payment intent")))
        let odd = #"{"id":"pi_3","status":"requires_action"}"#
        #expect(HTTPGatewayClient.interpret(status: 200, body: Data(odd.utf8)).result == .failed(.rejected("payment intent pi_3 ended in status requires_action")))
    }

    @Test func unreachableGatewayIsAValueNotACrash() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ring = TerminalKeyRing(dataDirectory: dir, profileID: "countertop", gatewayName: "x", scheme: .aes)
        let ipek = try DUKPTKeyInjection.initialKey(bdk: Self.bdk, ksn: DUKPTSerialNumber.initial(scheme: .aes, bdkID: [1, 2, 3, 4], deviceID: [5, 6, 7, 8]))
        try await ring.install(initialKey: HexCoding.encode(ipek.revealBytes()), initialKSN: "010203040506070800000000", keyScheme: "aes_dukpt")
        let client = HTTPGatewayClient(baseURL: "http://127.0.0.1:1", apiKey: "sk_test_x", keys: ring, logger: .init(label: "t"))
        let track = try Track2(parsing: "4242424242424242=3412201000000000")
        let req = AuthorizationRequest(amount: Money(minorUnits: 100, currency: .eur), entryMode: .magstripe, card: .magstripe(track), terminalID: "1", stan: 1)
        let answer = await client.authorize(req)
        await client.shutdown()
        guard case .failed(.unreachable) = answer.result else { Issue.record("expected unreachable, got \(answer)"); return }
        #expect(answer.outcomeKnown, "a refused connection proves the request never arrived")
        // The KSN moved on within the reserved block: a restart goes on after the block and never reuses one.
        #expect(try await ring.nextTransactionKeys().ksn.hex == "010203040506070800000002")
        let reloaded = TerminalKeyRing(dataDirectory: dir, profileID: "countertop", gatewayName: "x", scheme: .aes)
        #expect(try await reloaded.nextTransactionKeys().ksn.hex == "010203040506070800000041")
    }

    @Test func formFieldsArePercentEncodedByteByByte() {
        #expect(HTTPGatewayClient.encode("metadata[note]") == "metadata%5Bnote%5D")
        #expect(HTTPGatewayClient.encode("Crêperie & Co 10+1=~_.-") == "Cr%C3%AAperie%20%26%20Co%2010%2B1%3D~_.-")
        #expect(HTTPGatewayClient.formEncoded([("a b", "é"), ("k", "")]) == "a%20b=%C3%A9&k=")
    }

    @Test func keysAreReservedInBlocksAndNeverReused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("keys-countertop.json")
        func reserved() throws -> String? { (try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])?["reserved"] as? String }
        let ring = TerminalKeyRing(dataDirectory: dir, profileID: "countertop", gatewayName: "x", scheme: .aes)
        let ipek = try DUKPTKeyInjection.initialKey(bdk: Self.bdk, ksn: DUKPTSerialNumber.initial(scheme: .aes, bdkID: [1, 2, 3, 4], deviceID: [5, 6, 7, 8]))
        try await ring.install(initialKey: HexCoding.encode(ipek.revealBytes()), initialKSN: "010203040506070800000000", keyScheme: "aes_dukpt")
        var seen: [String] = []
        for _ in 0..<64 { seen.append(try await ring.nextTransactionKeys().ksn.hex) }
        #expect(seen.first == "010203040506070800000001" && seen.last == "010203040506070800000040")
        #expect(try reserved() == "010203040506070800000040", "one write for the first 64 KSNs")
        seen.append(try await ring.nextTransactionKeys().ksn.hex)
        #expect(try reserved() == "010203040506070800000080", "the 65th KSN takes the next block")
        // Killed mid-block: the restarted ring starts after the block, so no KSN is ever used twice.
        let restarted = TerminalKeyRing(dataDirectory: dir, profileID: "countertop", gatewayName: "x", scheme: .aes)
        let after = try await restarted.nextTransactionKeys().ksn.hex
        #expect(after == "010203040506070800000081" && !seen.contains(after))
        // A file of an older version (no reservation): its KSN is the last used, the next starts a block.
        try Data(#"{"gateway":"x","scheme":"aes_dukpt","initialKey":"\#(HexCoding.encode(ipek.revealBytes()))","ksn":"010203040506070800000005"}"#.utf8).write(to: file)
        let old = TerminalKeyRing(dataDirectory: dir, profileID: "countertop", gatewayName: "x", scheme: .aes)
        #expect(try await old.nextTransactionKeys().ksn.hex == "010203040506070800000006")
        #expect(try reserved() == "010203040506070800000045")
    }
}

actor RequestBox {
    var request: OnlineRequest?
    func set(_ r: OnlineRequest) { request = r }
}
