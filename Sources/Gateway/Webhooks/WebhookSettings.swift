/// How the gateway delivers webhooks (`vtpe gateway --webhook-…`).
public struct WebhookSettings: Sendable, Equatable {
    /// When failed deliveries are tried again, and for how long.
    public var schedule: WebhookRetrySchedule
    /// How long a receiver has to answer; past it the attempt failed ("timed out").
    public var timeout: Duration
    /// How long the delivering process's lease lasts without renewal: another process takes over after it.
    public var leaseTTL: Duration
    /// How often a process looks for work it was not woken for (events from other processes, retries due).
    public var pollInterval: Duration
    /// Deliveries in flight at once per endpoint (each to a different object).
    public var concurrency: Int
    /// Whether this process delivers at all.
    public var enabled: Bool

    public init(schedule: WebhookRetrySchedule = .standard, timeout: Duration = .seconds(10), leaseTTL: Duration = .seconds(30),
                pollInterval: Duration = .seconds(2), concurrency: Int = 16, enabled: Bool = true) {
        self.schedule = schedule
        self.timeout = timeout
        self.leaseTTL = max(leaseTTL, timeout * 2 + .seconds(2))
        self.pollInterval = pollInterval
        self.concurrency = max(1, concurrency)
        self.enabled = enabled
    }
}
