import EMV
import Foundation
import NIOCore
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// Refunds with the card presented at a terminal (`vtpe_card_present[…]`, checked against the card of the charge) and
/// unreferenced refunds (`POST /v1/vtpe/unreferenced_refunds`), on every SQL engine.
@Suite struct CardPresentRefundTests {
    @Test(arguments: StoreEngine.all) func refundToTheCardThatPaid(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let sale = try await terminal.swipeSale(try track("4242424242424242"), amount: 3000)
            let id = sale["id"] as! String

            let refund = try await client.post("/v1/refunds", "payment_intent=\(id)&amount=1000&" + (try terminal.swipeProof(try track("4242424242424242"))))
            #expect(refund.status == .ok, "\(String(buffer: refund.body).prefix(300))")
            let shown = try #require(refund.json[object: "vtpe_card_present"])
            #expect(shown.count == 3)
            #expect(shown["brand"] as? String == "visa" && shown["last4"] as? String == "4242" && shown["read_method"] as? String == "magnetic_stripe_track2")
            let retrieved = try await client.get("/v1/refunds/\(refund.json["id"] as! String)")
            #expect(retrieved.json[object: "vtpe_card_present"]?["last4"] as? String == "4242")

            // Another card: refused, nothing refunded.
            let other = try await client.post("/v1/refunds", "payment_intent=\(id)&amount=1000&" + (try terminal.swipeProof(try track("5555555555554444"))))
            #expect(other.status == .badRequest && other.error["type"] as? String == "invalid_request_error")
            #expect(other.error["code"] as? String == "vtpe_card_mismatch")
            #expect(other.error["param"] as? String == "vtpe_card_present[vtpe_encrypted_track2]")
            let charge = try await client.get("/v1/charges/\(sale[object: "latest_charge"]?["id"] as! String)")
            #expect(charge.json["amount_refunded"] as? Int == 1000)

            // A refund without the card is still a refund, and shows none.
            let plain = try await client.post("/v1/refunds", "payment_intent=\(id)&amount=500")
            #expect(plain.json["vtpe_card_present"] is NSNull)
        }
    }

    @Test func chipProofsAndBadProofs() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            #expect(try await terminal.run("visa_credit", amount: 2000).decision == .approvedOnline)
            let intent = try #require(terminal.lastResponse["id"] as? String)

            let chip = try await client.post("/v1/refunds", "payment_intent=\(intent)&amount=700&" + (try await terminal.chipProof("visa_credit", amount: 700)))
            #expect(chip.status == .ok, "\(String(buffer: chip.body).prefix(300))")
            #expect(chip.json[object: "vtpe_card_present"]?["read_method"] as? String == "contact_emv")

            // A cryptogram the card on track 2 did not compute.
            let forged = try await terminal.chipProof("visa_credit", amount: 700) { objects in
                objects.map { $0.tag == .applicationCryptogram ? TLV(tag: $0.tag, value: [$0.value[0] ^ 0x01] + $0.value.dropFirst()) : $0 }
            }
            let refused = try await client.post("/v1/refunds", "payment_intent=\(intent)&amount=100&" + forged)
            #expect(refused.error["code"] as? String == "vtpe_card_mismatch" && refused.error["param"] as? String == "vtpe_card_present[vtpe_emv_data]")

            // The chip of another card.
            let mastercard = try await client.post("/v1/refunds", "payment_intent=\(intent)&amount=100&" + (try await terminal.chipProof("mastercard_debit", amount: 100)))
            #expect(mastercard.error["code"] as? String == "vtpe_card_mismatch")

            let proof = try terminal.swipeProof(try track("4242424242424242"))
            // No PIN block on a refund; other unknown fields are named.
            let pin = try await client.post("/v1/refunds", "payment_intent=\(intent)&\(proof)&vtpe_card_present[vtpe_encrypted_pin_block]=00")
            #expect(pin.error["message"] as? String == "Received unknown parameter: vtpe_card_present[vtpe_encrypted_pin_block]")
            // An unknown BDK, a missing KSN, a track 2 that does not decipher, a swipe with EMV data.
            func replacing(_ field: String, with value: String?) -> String {
                proof.split(separator: "&").compactMap { part -> String? in
                    guard part.hasPrefix("vtpe_card_present[\(field)]=") else { return String(part) }
                    return value.map { "vtpe_card_present[\(field)]=\($0)" }
                }.joined(separator: "&")
            }
            let ksn = String(proof.split(separator: "&")[1].split(separator: "=")[1])
            var r = try await client.post("/v1/refunds", "payment_intent=\(intent)&" + replacing("vtpe_ksn", with: "00000000" + ksn.dropFirst(8)))
            #expect(r.error["param"] as? String == "vtpe_card_present[vtpe_ksn]")
            r = try await client.post("/v1/refunds", "payment_intent=\(intent)&" + replacing("vtpe_ksn", with: nil))
            #expect(r.error["param"] as? String == "vtpe_card_present[vtpe_ksn]" && r.error["message"] as? String == "Missing required param: vtpe_card_present[vtpe_ksn].")
            r = try await client.post("/v1/refunds", "payment_intent=\(intent)&" + replacing("vtpe_encrypted_track2", with: String(repeating: "00", count: 16)))
            #expect(r.error["param"] as? String == "vtpe_card_present[vtpe_encrypted_track2]")
            r = try await client.post("/v1/refunds", "payment_intent=\(intent)&\(proof)&vtpe_card_present[vtpe_emv_data]=9F2701")
            #expect(r.error["param"] as? String == "vtpe_card_present[vtpe_emv_data]")
        }
    }

    @Test(arguments: StoreEngine.all) func unreferencedRefund(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let proof = try terminal.swipeProof(try track("4000056655665556"))
            let form = "amount=2500&currency=eur&description=Returned%20goods&metadata[order]=A7&expand[]=balance_transaction&" + proof
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "T9-000001"]
            let made = try await client.post("/v1/vtpe/unreferenced_refunds", form, headers: key)
            #expect(made.status == .ok, "\(String(buffer: made.body).prefix(300))")
            let refund = made.json
            let id = try #require(refund["id"] as? String)
            #expect(id.hasPrefix("re_") && refund["object"] as? String == "refund")
            #expect(refund["charge"] is NSNull && refund["payment_intent"] is NSNull)
            #expect(refund["status"] as? String == "succeeded" && refund["amount"] as? Int == 2500 && refund["currency"] as? String == "eur")
            #expect(refund["description"] as? String == "Returned goods")
            #expect(refund[object: "metadata"]?["order"] as? String == "A7")
            let shown = try #require(refund[object: "vtpe_card_present"])
            #expect(shown["brand"] as? String == "visa" && shown["last4"] as? String == "5556" && shown["read_method"] as? String == "magnetic_stripe_track2")
            let txn = try #require(refund[object: "balance_transaction"])
            #expect(txn["type"] as? String == "refund" && txn["amount"] as? Int == -2500 && txn["net"] as? Int == -2500 && txn["fee"] as? Int == 0)
            #expect(txn["source"] as? String == id)

            // The same key replays the same refund; nothing is refunded twice.
            let again = try await client.post("/v1/vtpe/unreferenced_refunds", form, headers: key)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" && again.json["id"] as? String == id)
            let listed = try await client.get("/v1/refunds?limit=100")
            #expect((listed.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            #expect(try await client.get("/v1/refunds/\(id)").json["charge"] is NSNull)
            let balance = try await client.get("/v1/balance")
            let available = (balance.json["available"] as? [[String: Any]])?.first { $0["currency"] as? String == "eur" }
            #expect(available?["amount"] as? Int == -2500)
        }
    }

    @Test func unreferencedRefundRefusals() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            func post(_ form: String) async throws -> TestResponse { try await client.post("/v1/vtpe/unreferenced_refunds", form) }
            // An expired card, a number no network routes, the catalog's lost card: refused as card-present payments are.
            let expired = try await post("amount=100&currency=eur&" + (try terminal.swipeProof(try track("4242424242424242", expiry: "2001"))))
            #expect(expired.status.code == 402 && expired.error["type"] as? String == "card_error" && expired.error["code"] as? String == "expired_card")
            let unknown = try await post("amount=100&currency=eur&" + (try terminal.swipeProof(try track("1234567812345670"))))
            #expect(unknown.status.code == 402 && unknown.error["code"] as? String == "incorrect_number")
            let lost = try await post("amount=100&currency=eur&" + (try terminal.swipeProof(try track("4000000000009987"))))
            #expect(lost.error["decline_code"] as? String == "lost_card")
            // The card is required; so are amount and currency; nothing else is taken.
            let noCard = try await post("amount=100&currency=eur")
            #expect(noCard.status == .badRequest && noCard.error["param"] as? String == "vtpe_card_present[vtpe_ksn]")
            let proof = try terminal.swipeProof(try track("4242424242424242"))
            #expect(try await post("currency=eur&" + proof).error["param"] as? String == "amount")
            #expect(try await post("amount=100&" + proof).error["param"] as? String == "currency")
            #expect(try await post("amount=100&currency=EUR&" + proof).error["param"] as? String == "currency")
            #expect(try await post("amount=105&currency=kwd&" + proof).error["param"] as? String == "amount")
            #expect(try await post("amount=100&currency=eur&reason=duplicate&" + proof).error["message"] as? String == "Received unknown parameter: reason")
            let refunds = try await client.get("/v1/refunds").json["data"] as? [Any]
            #expect(refunds?.isEmpty == true)
        }
    }

    @Test func noClearCardNumberAtRest() async throws {
        try await withGateway { client, _, dir in
            let terminal = try await TestChipTerminal.make(client)
            let sale = try await terminal.swipeSale(try track("4000056655665556"), amount: 3000)
            let refunded = try await client.post("/v1/refunds", "payment_intent=\(sale["id"] as! String)&" + (try terminal.swipeProof(try track("4000056655665556"))))
            #expect(refunded.status == .ok)
            let unreferenced = try await client.post("/v1/vtpe/unreferenced_refunds", "amount=100&currency=eur&" + (try terminal.swipeProof(try track("5200828282828210"))))
            #expect(unreferenced.status == .ok)
            var bytes = Data()
            for name in ["gateway.sqlite", "gateway.sqlite-wal"] {
                bytes.append(FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) ?? Data())
            }
            let text = String(decoding: bytes, as: UTF8.self)
            for pan in ["4000056655665556", "5200828282828210"] {
                #expect(!text.contains(pan))
                #expect(bytes.range(of: Data(HexCoding.decode(pan)!)) == nil)
            }
        }
    }
}
