import Foundation
import Hummingbird

/// `/v1/vtpe/terminal_batches` (a vtpe extension): a terminal's end-of-day batches (télécollecte). The gateway
/// computes a batch's totals from the objects tagged with it (`metadata[terminal_id]`, `metadata[vtpe_batch]`,
/// `metadata[vtpe_type]`); closing compares them with the terminal's own totals and keeps that answer for good.
struct TerminalBatchRoutes {
    let store: any PaymentStore

    func register(on api: RouterGroup<GatewayContext>) {
        api.get("vtpe/terminal_batches/:terminal_id/:number") { request, context -> Response in
            let params = try FormParams(query: request)
            try params.rejectUnknown()
            let (terminal, number) = try Self.address(context)
            return .json(try await batch(terminal, number))
        }
        api.post("vtpe/terminal_batches/:terminal_id/:number/close") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let totals = try TerminalBatch.parseTotals(&params)
            try params.rejectUnknown()
            let (terminal, number) = try Self.address(context)
            return .json(try await close(terminal, number, terminalTotals: totals))
        }
        api.get("vtpe/terminal_batches") { request, _ -> Response in
            var params = try FormParams(query: request)
            let terminal = try BatchTag.checkTerminalID(try params.requiredString("terminal_id"), param: "terminal_id")
            let limit = Int(try params.integer("limit", range: 1...100) ?? 10)
            // Batches are addressed by number, so the cursors are batch numbers.
            let after = try params.integer("starting_after", range: BatchTag.numbers)
            let before = try params.integer("ending_before", range: BatchTag.numbers)
            if after != nil && before != nil {
                throw APIError.invalidRequest("You may only specify one of these parameters: ending_before, starting_after.", param: "ending_before")
            }
            try params.rejectUnknown()
            let numbers = Set(try await store.terminalBatchNumbers(terminalID: terminal)).sorted(by: >)
            let page: [Int64]
            let hasMore: Bool
            if let before {
                let newer = numbers.filter { $0 > before }
                page = Array(newer.suffix(limit))
                hasMore = newer.count > limit
            } else {
                let older = after.map { after in numbers.filter { $0 < after } } ?? numbers
                page = Array(older.prefix(limit))
                hasMore = older.count > limit
            }
            var data: [JSONValue] = []
            for number in page { data.append(try await batch(terminal, number)) }
            return .json(ListParameters.envelope(url: "/v1/vtpe/terminal_batches", hasMore: hasMore, data: data))
        }
    }

    /// A closed batch as it was answered at closing; an open one (any number, even one with nothing in it yet) as
    /// the gateway's records stand now.
    func batch(_ terminal: String, _ number: Int64) async throws -> JSONValue {
        if let closed = try await store.find(TerminalBatchRecord.self, id: TerminalBatchRecord.id(terminalID: terminal, number: number)) {
            return Render.json(closed.document)
        }
        let batch = TerminalBatch(try await store.terminalBatchContents(terminalID: terminal, number: number))
        return Render.terminalBatch(terminalID: terminal, number: number, batch, closedAt: nil, reconciliation: nil)
    }

    /// Closes a batch once: the first close stores the gateway's totals and the reconciliation; every later close
    /// (also a concurrent one, which loses the insert) answers that stored document unchanged.
    func close(_ terminal: String, _ number: Int64, terminalTotals: [TerminalBatch.Total]) async throws -> JSONValue {
        let id = TerminalBatchRecord.id(terminalID: terminal, number: number)
        return try await store.retryingConflicts {
            if let closed = try await store.find(TerminalBatchRecord.self, id: id) { return Render.json(closed.document) }
            let batch = TerminalBatch(try await store.terminalBatchContents(terminalID: terminal, number: number))
            let now = Int64(Date().timeIntervalSince1970)
            let document = Render.terminalBatch(terminalID: terminal, number: number, batch, closedAt: now,
                                                reconciliation: TerminalBatch.Reconciliation(terminal: terminalTotals, gateway: batch.totals))
            let record = TerminalBatchRecord(id: id, terminalId: terminal, number: number, closedAt: now, document: document.compactText)
            try await store.commit([.insertUnique(record)])
            // Answered from the stored text, so the first answer and every replay read the same.
            return Render.json(record.document)
        }
    }

    private static func address(_ context: GatewayContext) throws -> (String, Int64) {
        let terminal = try BatchTag.checkTerminalID(try context.parameters.require("terminal_id"), param: "terminal_id")
        let text = try context.parameters.require("number")
        guard let number = Int64(text), BatchTag.numbers.contains(number), String(number) == text else {
            throw APIError.invalidRequest("Invalid batch number: an integer from 1 to \(BatchTag.numbers.upperBound).", param: "number")
        }
        return (terminal, number)
    }
}
