/// Reads Stripe's list parameters: `limit`, `starting_after`, `ending_before`, `created` (a timestamp or
/// `created[gt|gte|lt|lte]`). `expand` is left to the route.
enum ListParameters {
    static func page(_ params: inout FormParams, filters: [String: String] = [:]) throws(APIError) -> PageRequest {
        let limit = try params.integer("limit", range: 1...100) ?? 10
        let after = try params.string("starting_after")
        let before = try params.string("ending_before")
        if after != nil && before != nil {
            throw APIError.invalidRequest("You may only specify one of these parameters: ending_before, starting_after.", param: "ending_before")
        }
        var range: ClosedRange<Int64>?
        if ["gt", "gte", "lt", "lte"].contains(where: { params.has("created", $0) }) {
            var low: Int64 = 0
            var high: Int64 = .max
            if let v = try params.integer("created", "gt", range: 0...(Int64.max - 1)) { low = max(low, v + 1) }
            if let v = try params.integer("created", "gte", range: 0...Int64.max) { low = max(low, v) }
            if let v = try params.integer("created", "lt", range: 1...Int64.max) { high = min(high, v - 1) }
            if let v = try params.integer("created", "lte", range: 0...Int64.max) { high = min(high, v) }
            // An empty range matches nothing (no object is created at -1).
            range = low <= high ? low...high : -1 ... -1
        } else if let exact = try params.integer("created", range: 0...Int64.max) {
            range = exact...exact
        }
        return PageRequest(limit: Int(limit), startingAfter: after, endingBefore: before, createdRange: range, filters: filters)
    }

    /// `expand[]` of a list: every path starts with `data.`.
    static func expand(_ params: inout FormParams) throws(APIError) -> [String] {
        let expand = try params.stringList("expand") ?? []
        for path in expand where !path.hasPrefix("data.") {
            throw APIError.invalidRequest("Expand paths on lists start with `data.` (e.g. data.\(path.prefix(60))).", param: "expand")
        }
        return expand
    }

    /// The list envelope: `{"object": "list", "url", "has_more", "data"}`.
    static func envelope(url: String, hasMore: Bool, data: [JSONValue]) -> JSONValue {
        .object([("object", "list"), ("data", .array(data)), ("has_more", .bool(hasMore)), ("url", .string(url))])
    }
}
