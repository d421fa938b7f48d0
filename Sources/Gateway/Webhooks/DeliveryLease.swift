import Foundation

/// Who delivers webhooks when several gateway processes share one database: the holder of the `webhook_deliveries`
/// lease, a row with an expiry that its holder renews and anyone may take once it has expired. A holder on this
/// machine whose process is gone (a killed gateway) is taken over at once instead of after the expiry.
struct DeliveryLease: Sendable, Equatable {
    static let name = "webhook_deliveries"

    /// `host pid random`: the process that holds it.
    let holder: String
    let ttl: Duration
    /// Until when (ms) this process holds it, as far as it knows; 0 when it does not.
    private(set) var heldUntil: Int64 = 0

    init(host: String, pid: Int32, ttl: Duration) {
        holder = "\(host) \(pid) \(ObjectID.random(length: 6))"
        self.ttl = ttl
    }

    /// Whether to renew before going on at `now`: held for less than half its time to live.
    func needsRenewal(now: Int64) -> Bool { heldUntil - now < ttl.milliseconds / 2 }

    /// Whether this process may start work lasting up to `duration` at `now` and still hold the lease at its end.
    func covers(_ duration: Duration, now: Int64) -> Bool { heldUntil - now > duration.milliseconds }

    /// What the store answered: `current` holds the lease now (this process, or another).
    mutating func renewed(current: String, at now: Int64) {
        heldUntil = current == holder ? now + ttl.milliseconds : 0
    }

    /// Whether the lease held by `other` may be taken over now: `other` is a process of this machine that no longer
    /// runs (a holder elsewhere is waited out until its lease expires).
    static func abandoned(_ other: String, host: String, isRunning: (Int32) -> Bool) -> Bool {
        let parts = other.split(separator: " ")
        guard parts.count == 3, parts[0] == host, let pid = Int32(parts[1]) else { return false }
        return !isRunning(pid)
    }
}
