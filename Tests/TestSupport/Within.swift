import Testing

/// Runs `body`, failing the test (instead of hanging the suite) when it takes longer than `seconds`.
public func within<T: Sendable>(_ what: String = "the result", seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            Issue.record("timed out after \(seconds) s waiting for \(what)", sourceLocation: sourceLocation)
            throw TimedOut()
        }
        return value
    }
}

/// Thrown by `within` when its time runs out.
public struct TimedOut: Error {
    public init() {}
}
