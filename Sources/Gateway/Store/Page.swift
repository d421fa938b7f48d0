/// A page request in Stripe's cursor style: newest first, `limit` 1–100, at most one of `startingAfter` and
/// `endingBefore`, and an optional `created` range.
public struct PageRequest: Sendable, Equatable {
    public var limit: Int
    public var startingAfter: String?
    public var endingBefore: String?
    public var createdRange: ClosedRange<Int64>?
    /// Equality filters on plain columns (e.g. `email`, `customer`).
    public var filters: [String: String]
    /// Column → the values it may hold (`IN`).
    public var anyOf: [String: [String]] = [:]

    public init(limit: Int = 10, startingAfter: String? = nil, endingBefore: String? = nil,
                createdRange: ClosedRange<Int64>? = nil, filters: [String: String] = [:]) {
        self.limit = limit
        self.startingAfter = startingAfter
        self.endingBefore = endingBefore
        self.createdRange = createdRange
        self.filters = filters
    }
}

/// One page of objects, newest first.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var hasMore: Bool
}
