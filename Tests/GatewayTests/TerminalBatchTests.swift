import Foundation
import NIOCore
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import Testing
@testable import Gateway

/// End of day: a terminal batch's totals computed from the objects tagged with it, closing with the terminal's
/// totals (match, mismatch, idempotent), listing, and the tags' validation, on every SQL engine.
@Suite struct TerminalBatchTests {
    static func tag(_ type: String) -> String { tag("T1", 1, type) }

    static func tag(_ terminal: String, _ batch: Int, _ type: String) -> String {
        "metadata[terminal_id]=\(terminal)&metadata[vtpe_batch]=\(batch)&metadata[vtpe_type]=\(type)"
    }

    func pay(_ client: any TestClientProtocol, _ amount: Int, card: String = "pm_card_visa", manual: Bool = false, _ tag: String) async throws -> String {
        let r = try await client.post("/v1/payment_intents",
            "amount=\(amount)&currency=eur&payment_method=\(card)&confirm=true\(manual ? "&capture_method=manual" : "")&\(tag)")
        return r.json["id"] as? String ?? (r.error["payment_intent"] as? [String: Any])?["id"] as! String
    }

    /// Batch 1 of T1: two sales, a captured and an open preauthorization, a void, a refund, a refund typed void, an
    /// unreferenced refund, a decline, two reversals; plus objects of batch 2 and of terminal T2.
    func fill(_ client: any TestClientProtocol) async throws -> (openAuthorization: String, terminal: TestChipTerminal) {
        let visaSale = try await pay(client, 1000, Self.tag("sale"))
        let mastercardSale = try await pay(client, 2000, card: "pm_card_mastercard", Self.tag("sale"))
        let preauth = try await pay(client, 3000, manual: true, Self.tag("preauthorization"))
        #expect(try await client.post("/v1/payment_intents/\(preauth)/capture", "amount_to_capture=2500").status == .ok)
        let open = try await pay(client, 4000, manual: true, Self.tag("preauthorization"))
        let voided = try await pay(client, 700, manual: true, Self.tag("preauthorization"))
        #expect(try await client.post("/v1/payment_intents/\(voided)/cancel", "").status == .ok)
        #expect(try await client.post("/v1/refunds", "payment_intent=\(visaSale)&amount=300&\(Self.tag("refund"))").status == .ok)
        #expect(try await client.post("/v1/refunds", "payment_intent=\(mastercardSale)&\(Self.tag("void"))").status == .ok)
        let terminal = try await TestChipTerminal.make(client)
        let unreferenced = try await client.post("/v1/vtpe/unreferenced_refunds",
            "amount=450&currency=eur&\(Self.tag("refund"))&" + (try terminal.swipeProof(try track("4000056655665556"))))
        #expect(unreferenced.status == .ok)
        _ = try await pay(client, 900, card: "pm_card_visa_chargeDeclined", Self.tag("sale"))
        // Reversals: a sale the card refused after its approval, refunded, and a preauthorization whose answer was
        // lost, canceled; each marked vtpe_reversal first, as the terminal's reversal queue does. Neither counts.
        let reversedSale = try await pay(client, 800, Self.tag("sale"))
        #expect(try await client.post("/v1/payment_intents/\(reversedSale)", "metadata[vtpe_reversal]=true").status == .ok)
        #expect(try await client.post("/v1/refunds", "payment_intent=\(reversedSale)&metadata[vtpe_reversal]=true").status == .ok)
        let reversedPreauth = try await pay(client, 1100, manual: true, Self.tag("preauthorization"))
        #expect(try await client.post("/v1/payment_intents/\(reversedPreauth)", "metadata[vtpe_reversal]=true").status == .ok)
        #expect(try await client.post("/v1/payment_intents/\(reversedPreauth)/cancel", "cancellation_reason=abandoned").status == .ok)
        _ = try await pay(client, 5000, Self.tag("T1", 2, "sale"))
        _ = try await pay(client, 6000, Self.tag("T2", 1, "sale"))
        // Untagged payments are in no batch.
        _ = try await pay(client, 7000, "metadata[terminal_id]=T1")
        return (open, terminal)
    }

    static let expectedTotals: [[String: String]] = [
        ["currency": "eur", "brand": "mastercard", "type": "sale", "count": "1", "amount": "2000"],
        ["currency": "eur", "brand": "mastercard", "type": "void", "count": "1", "amount": "2000"],
        ["currency": "eur", "brand": "visa", "type": "preauthorization", "count": "1", "amount": "2500"],
        ["currency": "eur", "brand": "visa", "type": "refund", "count": "2", "amount": "750"],
        ["currency": "eur", "brand": "visa", "type": "sale", "count": "1", "amount": "1000"],
        ["currency": "eur", "brand": "visa", "type": "void", "count": "1", "amount": "0"],
    ]

    /// Objects of a JSON list, their values as text (numbers compare alike whatever JSONSerialization made of them).
    static func rows(_ value: Any?) -> [[String: String]] {
        (value as? [[String: Any]] ?? []).map { $0.mapValues { "\($0)" } }
    }

    static func totals(_ json: [String: Any]) -> [[String: String]] { rows(json["totals"]) }

    static func closeForm(_ totals: [[String: String]]) -> String {
        totals.enumerated().flatMap { i, t in
            ["currency", "brand", "type", "count", "amount"].map { "totals[\(i)][\($0)]=\(t[$0]!)" }
        }.joined(separator: "&")
    }

    @Test(arguments: StoreEngine.all) func totalsCloseAndReconcile(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let (open, terminal) = try await fill(client)
            let batch = try await client.get("/v1/vtpe/terminal_batches/T1/1")
            #expect(batch.status == .ok)
            #expect(batch.json["object"] as? String == "vtpe_terminal_batch" && batch.json["terminal_id"] as? String == "T1")
            #expect(batch.json["number"] as? Int == 1 && batch.json["status"] as? String == "open")
            #expect(batch.json["closed_at"] is NSNull && batch.json["reconciliation"] is NSNull)
            #expect(Self.totals(batch.json) == Self.expectedTotals)
            let openAuthorizations = batch.json["open_authorizations"] as? [[String: Any]]
            #expect(openAuthorizations?.count == 1)
            #expect(openAuthorizations?.first?["payment_intent"] as? String == open && openAuthorizations?.first?["amount_capturable"] as? Int == 4000)

            let closed = try await client.post("/v1/vtpe/terminal_batches/T1/1/close", Self.closeForm(Array(Self.expectedTotals.reversed())))
            #expect(closed.status == .ok, "\(String(buffer: closed.body).prefix(300))")
            #expect(closed.json["status"] as? String == "closed" && closed.json["closed_at"] as? Int != nil)
            let reconciliation = try #require(closed.json[object: "reconciliation"])
            #expect(reconciliation["result"] as? String == "match" && (reconciliation["differences"] as? [Any])?.isEmpty == true)
            #expect(Self.totals(closed.json) == Self.expectedTotals)

            // Closing again answers the stored batch, whatever is sent; so does a retrieve, even after more objects.
            let again = try await client.post("/v1/vtpe/terminal_batches/T1/1/close", "")
            #expect(String(buffer: again.body) == String(buffer: closed.body))
            _ = try await client.post("/v1/vtpe/unreferenced_refunds", "amount=100&currency=eur&\(Self.tag("refund"))&" + (try terminal.swipeProof(try track("4000056655665556"))))
            #expect(String(buffer: try await client.get("/v1/vtpe/terminal_batches/T1/1").body) == String(buffer: closed.body))

            // Batch 2: the terminal counted a sale the gateway never saw and missed nothing else.
            let mismatch = try await client.post("/v1/vtpe/terminal_batches/T1/2/close",
                "totals[0][currency]=eur&totals[0][brand]=visa&totals[0][type]=sale&totals[0][count]=2&totals[0][amount]=6500"
                + "&totals[1][currency]=eur&totals[1][brand]=amex&totals[1][type]=refund&totals[1][count]=0&totals[1][amount]=0")
            let result = try #require(mismatch.json[object: "reconciliation"])
            #expect(result["result"] as? String == "mismatch")
            #expect(Self.rows(result["differences"]) == [["currency": "eur", "brand": "visa", "type": "sale", "terminal_count": "2",
                                                          "terminal_amount": "6500", "gateway_count": "1", "gateway_amount": "5000"]])

            // Lists: newest first, by number; cursors are batch numbers.
            let list = try await client.get("/v1/vtpe/terminal_batches?terminal_id=T1")
            #expect(list.json["object"] as? String == "list" && list.json["has_more"] as? Bool == false)
            let listed = (list.json["data"] as? [[String: Any]])?.map { ($0["number"] as? Int ?? 0, $0["status"] as? String ?? "") }
            #expect(listed?.map(\.0) == [2, 1] && listed?.map(\.1) == ["closed", "closed"])
            let first = try await client.get("/v1/vtpe/terminal_batches?terminal_id=T1&limit=1")
            #expect((first.json["data"] as? [[String: Any]])?.map { $0["number"] as? Int } == [2] && first.json["has_more"] as? Bool == true)
            let next = try await client.get("/v1/vtpe/terminal_batches?terminal_id=T1&limit=1&starting_after=2")
            #expect((next.json["data"] as? [[String: Any]])?.map { $0["number"] as? Int } == [1] && next.json["has_more"] as? Bool == false)
            let back = try await client.get("/v1/vtpe/terminal_batches?terminal_id=T1&ending_before=1")
            #expect((back.json["data"] as? [[String: Any]])?.map { $0["number"] as? Int } == [2])
            let other = try await client.get("/v1/vtpe/terminal_batches?terminal_id=T2")
            #expect((other.json["data"] as? [[String: Any]])?.map { $0["status"] as? String } == ["open"])
            #expect(try await client.get("/v1/vtpe/terminal_batches?terminal_id=T3").json["data"] as? [Any] != nil)
            #expect(try await client.get("/v1/vtpe/terminal_batches").error["param"] as? String == "terminal_id")
        }
    }

    @Test func concurrentClosesStoreOneResult() async throws {
        try await withGateway { client, _, _ in
            _ = try await pay(client, 1000, Self.tag("sale"))
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for count in 0..<6 {
                    group.addTask {
                        String(buffer: try await client.post("/v1/vtpe/terminal_batches/T1/1/close",
                            "totals[0][currency]=eur&totals[0][brand]=visa&totals[0][type]=sale&totals[0][count]=\(count)&totals[0][amount]=1000").body)
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(bodies).count == 1)
        }
    }

    @Test func tagsAndParametersAreChecked() async throws {
        try await withGateway { client, _, _ in
            func error(_ form: String) async throws -> [String: Any] {
                try await client.post("/v1/payment_intents", "amount=100&currency=eur&" + form).error
            }
            #expect(try await error("metadata[terminal_id]=T1&metadata[vtpe_batch]=0")["param"] as? String == "metadata[vtpe_batch]")
            #expect(try await error("metadata[terminal_id]=T1&metadata[vtpe_batch]=01")["param"] as? String == "metadata[vtpe_batch]")
            #expect(try await error("metadata[vtpe_batch]=3")["param"] as? String == "metadata[terminal_id]")
            #expect(try await error("metadata[terminal_id]=T%201&metadata[vtpe_batch]=3")["param"] as? String == "metadata[terminal_id]")
            #expect(try await error("metadata[vtpe_type]=refund_of_sorts")["param"] as? String == "metadata[vtpe_type]")
            // The tag follows metadata updates.
            let id = try await pay(client, 1000, "metadata[order]=1")
            _ = try await client.post("/v1/payment_intents/\(id)", Self.tag("T7", 4, "sale"))
            let batch = try await client.get("/v1/vtpe/terminal_batches/T7/4")
            #expect(Self.totals(batch.json).first?["amount"] == "1000")
            _ = try await client.post("/v1/payment_intents/\(id)", "metadata[vtpe_batch]=")
            #expect(Self.totals(try await client.get("/v1/vtpe/terminal_batches/T7/4").json).isEmpty)

            func close(_ form: String) async throws -> [String: Any] {
                try await client.post("/v1/vtpe/terminal_batches/T1/1/close", form).error
            }
            let line = "totals[0][currency]=eur&totals[0][brand]=visa&totals[0][type]=sale&totals[0][count]=1&totals[0][amount]=100"
            #expect(try await close(line.replacingOccurrences(of: "brand]=visa", with: "brand]=cb"))["param"] as? String == "totals[0][brand]")
            #expect(try await close(line.replacingOccurrences(of: "type]=sale", with: "type]=cashback"))["param"] as? String == "totals[0][type]")
            #expect(try await close(line.replacingOccurrences(of: "=eur", with: "=EUR"))["param"] as? String == "totals[0][currency]")
            #expect(try await close(line.replacingOccurrences(of: "count]=1", with: "count]=-1"))["param"] as? String == "totals[0][count]")
            #expect(try await close(line.replacingOccurrences(of: "&totals[0][amount]=100", with: ""))["param"] as? String == "totals[0][amount]")
            #expect(try await close(line + "&" + line.replacingOccurrences(of: "[0]", with: "[1]"))["message"] as? String
                == "Duplicate total for eur, visa, sale: send one line per currency, brand and type.")
            #expect(try await close(line + "&totals[0][tax]=1")["message"] as? String == "Received unknown parameter: totals[0][tax]")
            #expect(try await client.post("/v1/vtpe/terminal_batches/T1/0/close", line).error["param"] as? String == "number")
            #expect(try await client.get("/v1/vtpe/terminal_batches/T1/abc").error["param"] as? String == "number")
            #expect(try await client.get("/v1/vtpe/terminal_batches/T1/1?x=1").error["message"] as? String == "Received unknown parameter: x")
            // Nothing was closed by the refused requests.
            #expect(try await client.get("/v1/vtpe/terminal_batches/T1/1").json["status"] as? String == "open")
        }
    }
}
