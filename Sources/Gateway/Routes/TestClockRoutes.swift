import Foundation
import Hummingbird

/// Stripe's `/v1/test_helpers/test_clocks`: create, retrieve, list, delete and `advance` (`frozen_time`).
struct TestClockRoutes {
    let clocks: TestClocks
    var store: any PaymentStore { clocks.store }

    /// A clock may start up to five years either side of now and move up to five years at once.
    static let span: Int64 = 5 * 366 * 86_400

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)
        api.post("test_helpers/test_clocks") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let now = Int64(clocks.subscriptions.intents.clock.now().timeIntervalSince1970)
            guard let frozen = try params.integer("frozen_time", range: (now - Self.span)...(now + Self.span)) else {
                throw APIError.invalidRequest("Missing required param: frozen_time.", param: "frozen_time")
            }
            let name = try params.string("name").flatMap { $0.isEmpty ? nil : String($0.prefix(300)) }
            try params.rejectUnknown()
            return .json(Render.testClock(try await clocks.create(name: name, frozenTime: frozen)))
        }
        api.post("test_helpers/test_clocks/:id/advance") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try await GatewayApp.formParams(request, context: context)
            let clock = try await clocks.existing(id)
            guard let target = try params.integer("frozen_time", range: clock.frozenTime...(clock.frozenTime + Self.span)) else {
                throw APIError.invalidRequest("Missing required param: frozen_time.", param: "frozen_time")
            }
            try params.rejectUnknown()
            return .json(Render.testClock(try await clocks.advance(id: id, to: target)))
        }
        api.delete("test_helpers/test_clocks/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            try await clocks.delete(id: id)
            return .json(Render.deletedTestClock(id))
        }
        objects.retrieve(TestClockRecord.self, on: api, path: "test_helpers/test_clocks", render: Render.testClock)
        objects.list(TestClockRecord.self, on: api, path: "test_helpers/test_clocks", filters: [], render: Render.testClock)
    }
}
