import Foundation
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Delivers the event outbox to the webhook endpoints: a service of the gateway process. It performs what
/// `WebhookDispatch` and `DeliveryQueue` decide — fans new events out to the endpoints, posts each object's
/// deliveries in order, signed, and commits every attempt — while it holds the delivery lease (`DeliveryLease`), so
/// with several gateway processes on one PostgreSQL database only one of them sends. Everything it knows is in the
/// database: a killed process loses nothing, and its successor (or the restarted gateway) carries on.
public struct WebhookDeliverer: Service {
    let store: any PaymentStore
    let vault: CardVault
    let settings: WebhookSettings
    let logger: Logger
    let clock: any GatewayClock

    /// Events fanned out per round.
    static let dispatchBatch = 500
    /// Pending deliveries read per endpoint per round.
    static let queueWindow = 1000
    /// How long one round sends before it looks for new events again.
    static let roundLength: Int64 = 1000
    /// Rounds start at most this often while events keep coming, so each fans out and sends a batch instead of a
    /// handful (the store's connection is shared with the payments).
    static let minRoundInterval: Duration = .milliseconds(50)
    /// Deliveries per wave, per connection to the endpoint: one commit settles a whole wave.
    static let wavePerConnection = 4

    public init(store: any PaymentStore, vault: CardVault, settings: WebhookSettings, logger: Logger, clock: any GatewayClock = SystemClock()) {
        self.store = store
        self.vault = vault
        self.settings = settings
        self.logger = logger
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.deliverUntilCancelled() }
    }

    func deliverUntilCancelled() async {
        var lease = DeliveryLease(host: Self.host, pid: getpid(), ttl: settings.leaseTTL)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            var wait: Duration? = settings.pollInterval
            do {
                wait = try await round(&lease)
            } catch {
                if Task.isCancelled { return }
                logger.warning("webhook deliveries: \(error); trying again in \(settings.pollInterval)")
            }
            guard let wait else { continue }  // a full batch of events: straight on
            if wait > .zero { await store.waitForEvents(upTo: wait) }
            // Woken at once, or more to send: let the next batch gather first.
            let gap = Self.minRoundInterval - (ContinuousClock.now - started)
            if gap > .zero { try? await Task.sleep(for: gap) }
        }
    }

    private var nowMs: Int64 { Int64((clock.now().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// One round: renew the lease, fan new events out, send what is due for a while. Answers how long to wait for
    /// new events before the next round: zero when there is more to send, nil when the round fanned out a full
    /// batch (more events wait).
    func round(_ lease: inout DeliveryLease) async throws -> Duration? {
        // No endpoint: no event goes anywhere — nothing is read or marked, and the lease is not even taken (an idle
        // terminal's embedded gateway writes nothing).
        let endpoints = try await store.list(WebhookEndpointRecord.self, PageRequest(limit: 100)).items
        guard let floor = WebhookDispatch.floor(for: endpoints) else { return settings.pollInterval }
        let now = nowMs
        if lease.needsRenewal(now: now) { try await renew(&lease, now: now) }
        let sendingTime = settings.timeout + .seconds(1)
        guard lease.covers(sendingTime, now: now) else { return settings.pollInterval }
        let events = try await store.undispatchedEvents(after: floor, limit: Self.dispatchBatch)
        if !events.isEmpty {
            let deliveries = WebhookDispatch.fanOut(events, to: endpoints, now: now)
            try await store.dispatch(events: events.map(\.id), deliveries: deliveries)
        }
        // Sends stop in time for the slowest answer to come back while the lease still holds.
        let until = min(now + Self.roundLength, lease.heldUntil - sendingTime.milliseconds)
        let live = endpoints.filter { $0.status == .enabled }
        let outcomes = await withTaskGroup(of: EndpointRound.self) { group in
            for endpoint in live { group.addTask { await self.deliver(to: endpoint, until: until) } }
            var all: [EndpointRound] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        if events.count == Self.dispatchBatch { return nil }
        if outcomes.contains(where: { $0.sent > 0 }) { return .zero }
        let nextDue = outcomes.compactMap(\.nextDue).min().map { max(0, $0 - nowMs) }
        return min(settings.pollInterval, nextDue.map { .milliseconds($0) } ?? settings.pollInterval)
    }

    struct EndpointRound: Sendable {
        var sent = 0
        var nextDue: Int64?
    }

    /// Sends one endpoint's due deliveries in waves until `until` (ms): each wave holds at most one delivery per
    /// object, so an object's next event goes only after its previous one settled.
    func deliver(to endpoint: WebhookEndpointRecord, until: Int64) async -> EndpointRound {
        var result = EndpointRound()
        do {
            let secret = String(decoding: try vault.openKey(endpoint.sealedSecret, label: endpoint.secretLabel), as: UTF8.self)
            var queue = DeliveryQueue(try await store.pendingDeliveries(endpoint: endpoint.id, limit: Self.queueWindow))
            while nowMs < until, !Task.isCancelled {
                let wave = queue.wave(max: settings.concurrency * Self.wavePerConnection, now: nowMs)
                if wave.isEmpty { break }
                var page = PageRequest(limit: wave.count)
                page.anyOf["id"] = wave.map(\.eventId)
                let events = Dictionary(try await store.list(EventRecord.self, page).items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                let answers = await withTaskGroup(of: (WebhookDeliveryRecord, WebhookDispatch.Answer).self) { group in
                    for delivery in wave {
                        group.addTask { (delivery, await self.post(events[delivery.eventId], to: endpoint, secret: secret)) }
                    }
                    var all: [(WebhookDeliveryRecord, WebhookDispatch.Answer)] = []
                    for await answer in group { all.append(answer) }
                    return all
                }
                let settled = answers.map { WebhookDispatch.settle($0.0, $0.1, now: nowMs, schedule: settings.schedule) }
                try await store.commit(settled.flatMap { next in
                    [.update(next.delivery, expecting: .pendingDelivery(attempts: next.delivery.attempts - 1)), .insert(next.attempt)]
                })
                for next in settled {
                    queue.update(next.delivery)
                    log(next.attempt, endpoint: endpoint, gaveUp: next.delivery.status == .failed)
                }
                result.sent += wave.count
            }
            result.nextDue = queue.nextDue
        } catch {
            logger.warning("webhook deliveries to \(endpoint.id): \(error)")
        }
        return result
    }

    /// One signed POST of the event as the API renders it.
    private func post(_ event: EventRecord?, to endpoint: WebhookEndpointRecord, secret: String) async -> WebhookDispatch.Answer {
        guard let event else { return WebhookDispatch.Answer(status: nil, error: "the event is gone from the store", durationMs: 0) }
        let payload = Render.eventPayload(event)
        let start = ContinuousClock.now
        let signature = WebhookSignature.header(payload: payload, secret: secret, timestamp: Int64(clock.now().timeIntervalSince1970))
        let answer = await WebhookPost.send(payload, to: endpoint.url, signature: signature, timeout: settings.timeout)
        return WebhookDispatch.Answer(status: answer.status, error: answer.error, durationMs: (ContinuousClock.now - start).milliseconds)
    }

    private func log(_ attempt: WebhookAttemptRecord, endpoint: WebhookEndpointRecord, gaveUp: Bool) {
        let answer = attempt.responseStatus.map { "HTTP \($0)" } ?? attempt.error ?? "no answer"
        let metadata: Logger.Metadata = ["event": "\(attempt.eventId)", "type": "\(attempt.eventType.rawValue)",
                                         "endpoint": "\(endpoint.id)", "attempt": "\(attempt.attempt)"]
        if attempt.succeeded {
            logger.debug("webhook delivered: \(answer)", metadata: metadata)
        } else if gaveUp {
            logger.warning("webhook given up after \(attempt.attempt) attempts: \(answer)", metadata: metadata)
        } else if attempt.attempt == 1 {
            logger.info("webhook failed, will retry: \(answer)", metadata: metadata)
        } else {
            logger.debug("webhook failed again, will retry: \(answer)", metadata: metadata)
        }
    }

    /// Takes or renews the lease; takes it over from a holder of this machine that no longer runs.
    private func renew(_ lease: inout DeliveryLease, now: Int64) async throws {
        let expires = now + lease.ttl.milliseconds
        var current = try await store.acquireLease(DeliveryLease.name, holder: lease.holder, now: now, expiresAt: expires, replacing: nil)
        if current != lease.holder, DeliveryLease.abandoned(current, host: Self.host, isRunning: Self.isRunning) {
            let previous = current
            current = try await store.acquireLease(DeliveryLease.name, holder: lease.holder, now: now, expiresAt: expires, replacing: previous)
            if current == lease.holder { logger.notice("webhook deliveries taken over from \(previous), which no longer runs") }
        }
        let held = lease.heldUntil > now
        lease.renewed(current: current, at: now)
        if !held, lease.heldUntil > 0 { logger.info("this process delivers the webhooks (lease \(lease.holder))") }
        if held, lease.heldUntil == 0 { logger.warning("webhook deliveries: the lease went to \(current); this process stops sending") }
    }

    /// This machine's name, as the lease's holders name their machine.
    static let host: String = {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        return String(cString: name).replacingOccurrences(of: " ", with: "-")
    }()

    static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}

extension StoreExpectation {
    /// A delivery still pending after `attempts` attempts: nobody else settled it meanwhile.
    static func pendingDelivery(attempts: Int64) -> StoreExpectation {
        StoreExpectation(column: "status", value: .text(WebhookDeliveryStatus.pending.rawValue))
            .and(StoreExpectation(column: "attempts", value: .integer(attempts)))
    }
}
