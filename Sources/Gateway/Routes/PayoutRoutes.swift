import Foundation
import Hummingbird

/// `GET /v1/payouts`, `GET /v1/payouts/:id`; `POST /v1/payouts` is refused (payouts are automatic and daily); and our
/// test helper `POST /v1/vtpe/test_helpers/payouts/settle` runs the settlement now.
struct PayoutRoutes {
    let store: any PaymentStore

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)
        objects.retrieve(PayoutRecord.self, on: api, path: "payouts", render: Render.payout)
        objects.list(PayoutRecord.self, on: api, path: "payouts", filters: ["currency", "status"], render: Render.payout)
        api.post("payouts") { _, _ -> Response in
            throw APIError.invalidRequest("Payouts are automatic: the available balance is paid out every day (vtpe gateway --payout-time). "
                                          + "To pay out now, POST /v1/vtpe/test_helpers/payouts/settle.")
        }
        api.post("vtpe/test_helpers/payouts/settle") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            params.allow("expand")
            try params.rejectUnknown()
            let made = try await Payouts(store: store).settle(now: Date())
            return .json(ListParameters.envelope(url: "/v1/payouts", hasMore: false, data: made.map(Render.payout)))
        }
    }
}
