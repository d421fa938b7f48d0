import Foundation
import Hummingbird

/// What SEPA Direct Debit adds to the API: `GET /v1/mandates/:id` and our test helper for the bank clock, `GET /v1/vtpe/test_helpers/bank_clock` and `POST …/bank_clock/advance`
/// (`seconds`): the bank clock moves forward and the debits it makes due are answered before the response.
struct SEPARoutes {
    let intents: PaymentIntents
    var store: any PaymentStore { intents.store }

    /// Up to ten years at once.
    static let maxAdvance: Int64 = 10 * 366 * 86_400

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)
        objects.retrieve(MandateRecord.self, on: api, path: "mandates", render: Render.mandate)
        api.get("vtpe/test_helpers/bank_clock") { request, _ -> Response in
            var params = try FormParams(query: request)
            try params.rejectUnknown()
            return .json(try await clock(answered: nil))
        }
        api.post("vtpe/test_helpers/bank_clock/advance") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            guard let seconds = try params.integer("seconds", range: 0...Self.maxAdvance) else {
                throw APIError.invalidRequest("Missing required param: seconds (how far to move the bank clock forward).", param: "seconds")
            }
            try params.rejectUnknown()
            let bank = BankClock(store: store, clock: intents.clock)
            _ = try await bank.advance(by: seconds)
            let answered = try await intents.answerDueDebits(bankNow: try await bank.now(), now: Date())
            return .json(try await clock(answered: answered))
        }
    }

    /// `vtpe.bank_clock`: the bank time, its offset from the machine's clock, and (after an advance) how many debits
    /// the banks answered.
    private func clock(answered: Int?) async throws -> JSONValue {
        let bank = BankClock(store: store, clock: intents.clock)
        let offset = try await bank.offset()
        var fields: [(String, JSONValue)] = [
            ("object", "vtpe.bank_clock"), ("now", .int(Int64(intents.clock.now().timeIntervalSince1970) + offset)), ("offset_seconds", .int(offset)),
        ]
        if let answered { fields.append(("debits_answered", .int(Int64(answered)))) }
        return .object(fields)
    }
}
