import Foundation
import Hummingbird

/// The two read routes every object type shares: retrieve by id and list with filters, both with `expand[]`.
struct ObjectRoutes {
    let store: any PaymentStore
    var expander: Expander { Expander(store: store) }

    /// `GET /v1/<path>/:id`.
    func retrieve<R: StoredRecord>(_ type: R.Type, on api: RouterGroup<GatewayContext>, path: String,
                                   render: @escaping @Sendable (R) -> JSONValue) {
        api.get("\(path)/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            var params = try FormParams(query: request)
            let expand = try params.stringList("expand") ?? []
            try params.rejectUnknown()
            guard let record = try await store.find(R.self, id: id), !record.isDeleted else { throw APIError.missing(R.objectName, id: id) }
            return .json(try await expander.expand(render(record), expand))
        }
    }

    /// `GET /v1/<path>`: newest first, Stripe's cursor parameters, equality filters on the named columns
    /// (`required` ones must be sent; `defaults` apply when one is not).
    func list<R: StoredRecord>(_ type: R.Type, on api: RouterGroup<GatewayContext>, path: String, filters: [String],
                               required: Set<String> = [], defaults: [String: String] = [:],
                               render: @escaping @Sendable (R) -> JSONValue) {
        api.get(RouterPath(path)) { request, _ -> Response in
            var params = try FormParams(query: request)
            var values = defaults
            for name in filters {
                if required.contains(name) { values[name] = try params.requiredString(name) }
                else if let v = try params.string(name) { values[name] = v }
            }
            let page = try ListParameters.page(&params, filters: values)
            let expand = try ListParameters.expand(&params)
            try params.rejectUnknown()
            let result = try await store.list(R.self, page)
            let envelope = ListParameters.envelope(url: "/v1/\(path)", hasMore: result.hasMore, data: result.items.map(render))
            return .json(try await expander.expand(envelope, expand))
        }
    }
}

extension FormParams {
    /// The parameters of a GET, from the query string.
    init(query request: Request) throws(APIError) {
        self.init(try FormNode.parse(request.uri.query ?? ""))
    }
}

extension Request {
    /// `http://host:port` as the client addressed the gateway, for URLs the gateway hands out.
    var baseURL: String {
        "http://" + (head.authority ?? "127.0.0.1")
    }
}
