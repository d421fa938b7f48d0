import Foundation

/// Where the gateway's background work reads the time (the webhook deliverer; tests pass their own).
public protocol GatewayClock: Sendable {
    func now() -> Date
}

/// The machine's clock.
public struct SystemClock: GatewayClock {
    public init() {}
    public func now() -> Date { Date() }
}
