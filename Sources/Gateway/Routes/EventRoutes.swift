import Foundation
import Hummingbird

/// `GET /v1/events` (filters `type` — with `*` as a wildcard for a suffix, e.g. `payment_intent.*` — `types[]` and
/// `created`; cursor pagination) and `GET /v1/events/:id`.
struct EventRoutes {
    let store: any PaymentStore
    var objects: ObjectRoutes { ObjectRoutes(store: store) }

    func register(on api: RouterGroup<GatewayContext>) {
        objects.retrieve(EventRecord.self, on: api, path: "events", render: Render.event)
        api.get("events") { request, _ -> Response in
            var params = try FormParams(query: request)
            let type = try params.string("type")
            let types = try params.stringList("types")
            if type != nil && types != nil {
                throw APIError.invalidRequest("You may only specify one of these parameters: type, types.", param: "types")
            }
            var page = try ListParameters.page(&params)
            if let type {
                // The types are a closed set: a wildcard is the list of those it matches.
                if type.hasSuffix("*") {
                    let prefix = type.dropLast()
                    page.anyOf["type"] = EventType.allCases.map(\.rawValue).filter { $0.hasPrefix(prefix) } + [type]
                } else {
                    page.filters["type"] = type
                }
            }
            if let types {
                guard (1...20).contains(types.count) else { throw APIError.invalidRequest("Invalid types: between 1 and 20 event types.", param: "types") }
                page.anyOf["type"] = types
            }
            try params.rejectUnknown()
            let result = try await store.list(EventRecord.self, page)
            return .json(ListParameters.envelope(url: "/v1/events", hasMore: result.hasMore, data: result.items.map(Render.event)))
        }
    }
}
