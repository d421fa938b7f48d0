import Foundation
import Hummingbird

/// `/v1/webhook_endpoints`: create (the `whsec_` secret is in that answer only), retrieve, update (`url`,
/// `enabled_events`, `description`, `metadata`, `disabled`), delete and list; and our extension, each endpoint's
/// deliveries and attempts (`…/:id/vtpe_deliveries`, `…/:id/vtpe_attempts`, docs/api.md "Webhooks").
struct WebhookEndpointRoutes {
    let store: any PaymentStore
    let vault: CardVault

    /// Stripe's limit per account in test mode.
    static let maxEndpoints = 16

    func register(on api: RouterGroup<GatewayContext>) {
        let objects = ObjectRoutes(store: store)
        api.post("webhook_endpoints") { request, context -> Response in
            var params = try await GatewayApp.formParams(request, context: context)
            let id = ObjectID.make("we", length: 24)
            let secret = WebhookSignature.newSecret()
            var endpoint = WebhookEndpointRecord(
                id: id, url: "", enabledEvents: "", description: nil, metadata: "{}", apiVersion: nil, status: .enabled,
                sealedSecret: "", created: Int64(Date().timeIntervalSince1970), deleted: false)
            endpoint.sealedSecret = try vault.sealKey(Array(secret.utf8), label: endpoint.secretLabel)
            endpoint.url = try Self.url(try params.requiredString("url"))
            endpoint.enabledEvents = try Self.eventTypes(try params.stringList("enabled_events") ?? [])
            if let version = try params.string("api_version") { endpoint.apiVersion = version.isEmpty ? nil : version }
            _ = try params.bool("connect")
            try apply(&params, to: &endpoint)
            let live = try await store.list(WebhookEndpointRecord.self, PageRequest(limit: Self.maxEndpoints)).items
            guard live.count < Self.maxEndpoints else {
                throw APIError.invalidRequest("You have reached the maximum of \(Self.maxEndpoints) test webhook endpoints.")
            }
            try await store.commit([.insert(endpoint)])
            return .json(Render.webhookEndpoint(endpoint, secret: secret))
        }
        objects.retrieve(WebhookEndpointRecord.self, on: api, path: "webhook_endpoints") { Render.webhookEndpoint($0) }
        api.post("webhook_endpoints/:id") { request, context -> Response in
            var endpoint = try await existing(context)
            var params = try await GatewayApp.formParams(request, context: context)
            if let url = try params.string("url") { endpoint.url = try Self.url(url) }
            if let types = try params.stringList("enabled_events") { endpoint.enabledEvents = try Self.eventTypes(types) }
            if let disabled = try params.bool("disabled") { endpoint.status = disabled ? .disabled : .enabled }
            try apply(&params, to: &endpoint)
            try await store.commit([.update(endpoint, expecting: nil)])
            return .json(Render.webhookEndpoint(endpoint))
        }
        api.delete("webhook_endpoints/:id") { _, context -> Response in
            var endpoint = try await existing(context)
            endpoint.deleted = true
            try await store.commit([.update(endpoint, expecting: nil)])
            return .json(Render.deletedWebhookEndpoint(endpoint.id))
        }
        objects.list(WebhookEndpointRecord.self, on: api, path: "webhook_endpoints", filters: []) { Render.webhookEndpoint($0) }
        endpointList(WebhookDeliveryRecord.self, "vtpe_deliveries", on: api, render: Render.webhookDelivery) { params in
            var filters: [String: String] = [:]
            if let status = try params.choice("status", WebhookDeliveryStatus.self, allowed: "one of pending, succeeded or failed") {
                filters["status"] = status.rawValue
            }
            if let event = try params.string("event") { filters["event_id"] = event }
            return filters
        }
        endpointList(WebhookAttemptRecord.self, "vtpe_attempts", on: api, render: Render.webhookAttempt) { params in
            try params.string("event").map { ["event_id": $0] } ?? [:]
        }
    }

    /// `GET /v1/webhook_endpoints/:id/<path>`: one endpoint's records of `R`, with the filters `filters` reads.
    private func endpointList<R: StoredRecord>(_ type: R.Type, _ path: String, on api: RouterGroup<GatewayContext>,
                                               render: @escaping @Sendable (R) -> JSONValue,
                                               filters: @escaping @Sendable (inout FormParams) throws -> [String: String]) {
        api.get(RouterPath("webhook_endpoints/:id/" + path)) { request, context -> Response in
            let endpoint = try await existing(context)
            var params = try FormParams(query: request)
            var values = try filters(&params)
            values["endpoint_id"] = endpoint.id
            let page = try ListParameters.page(&params, filters: values)
            try params.rejectUnknown()
            let result = try await store.list(R.self, page)
            return .json(ListParameters.envelope(url: "/v1/webhook_endpoints/\(endpoint.id)/\(path)", hasMore: result.hasMore,
                                                 data: result.items.map(render)))
        }
    }

    private func existing(_ context: GatewayContext) async throws -> WebhookEndpointRecord {
        let id = try context.parameters.require("id")
        guard let endpoint = try await store.find(WebhookEndpointRecord.self, id: id), !endpoint.deleted else {
            throw APIError.missing("webhook_endpoint", id: id)
        }
        return endpoint
    }

    /// `description` and `metadata`, shared by create and update; then no other parameter.
    private func apply(_ params: inout FormParams, to endpoint: inout WebhookEndpointRecord) throws {
        if let description = try params.string("description") {
            guard description.count <= 5000 else { throw APIError.invalidRequest("Invalid description: must be at most 5000 characters.", param: "description") }
            endpoint.description = description.isEmpty ? nil : description
        }
        if let updates = try params.metadata("metadata") {
            endpoint.metadata = try Metadata.merge(updates, into: endpoint.metadata, clear: updates.isEmpty && params.has("metadata"))
        }
        try params.rejectUnknown()
    }

    /// An http or https URL with a host: where the deliverer can POST.
    static func url(_ text: String) throws(APIError) -> String {
        guard text.count <= 2048, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw APIError.invalidRequest("Invalid URL: \(text.prefix(80)) must be an http or https URL with a host (e.g. http://127.0.0.1:8000/webhooks).",
                                          param: "url", code: "url_invalid")
        }
        return text
    }

    /// The event types an endpoint takes, stored comma-separated: `*`, or names the gateway sends.
    static func eventTypes(_ types: [String]) throws(APIError) -> String {
        if types.isEmpty { throw APIError.invalidRequest("Missing required param: enabled_events.", param: "enabled_events") }
        for (index, type) in types.enumerated() where type != "*" && EventType(rawValue: type) == nil {
            throw APIError.invalidRequest("Invalid enabled_events[\(index)]: must be * or one of \(EventType.allCases.map(\.rawValue).joined(separator: ", ")).",
                                          param: "enabled_events[\(index)]")
        }
        var seen = Set<String>()
        return types.filter { seen.insert($0).inserted }.joined(separator: ",")
    }
}
