import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
import TestSupport
@testable import Gateway

/// A webhook receiver on 127.0.0.1: keeps every POST and answers with the status `answer` gives for the n-th one.
final class TestReceiver: Sendable {
    struct Post: Sendable {
        var body: [UInt8]
        var signature: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
        var eventID: String { json["id"] as? String ?? "" }
        var type: String { json["type"] as? String ?? "" }
        var objectID: String { ((json["data"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String ?? "" }
    }

    /// The posts so far, shared with the route that records them.
    final class Recorder: Sendable {
        private let posts = Mutex<[Post]>([])
        func append(_ post: Post) -> Int { posts.withLock { $0.append(post); return $0.count } }
        var all: [Post] { posts.withLock { $0 } }
    }

    private let recorder: Recorder
    let url: String
    private let task: Task<Void, any Error>

    var received: [Post] { recorder.all }

    private init(url: String, task: Task<Void, any Error>, recorder: Recorder) {
        self.url = url
        self.task = task
        self.recorder = recorder
    }

    static func start(answer: @escaping @Sendable (Int) -> HTTPResponse.Status = { _ in .ok }) async throws -> TestReceiver {
        let recorder = Recorder()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let n = recorder.append(Post(body: Array(body.readableBytesView), signature: request.headers[.init("Stripe-Signature")!] ?? ""))
            return Response(status: answer(n))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0); continuation.finish() },
                              logger: Logger(label: "receiver"))
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return TestReceiver(url: "http://127.0.0.1:\(port)/hook", task: task, recorder: recorder)
    }

    func stop() { task.cancel() }
}

/// The deliverer against a real receiver on loopback: signed, in order per object, retried, once per event.
@Suite struct WebhookDeliveryTests {
    static let fast = WebhookSettings(schedule: WebhookRetrySchedule(delays: [.milliseconds(50)], window: .seconds(60)),
                                      timeout: .seconds(2), pollInterval: .milliseconds(100))

    static func deliverer(_ store: any PaymentStore, _ vault: CardVault, _ settings: WebhookSettings = fast) -> Task<Void, Never> {
        let deliverer = WebhookDeliverer(store: store, vault: vault, settings: settings, logger: Logger(label: "deliverer"))
        return Task { await deliverer.deliverUntilCancelled() }
    }

    /// Waits until the receiver has `count` posts.
    static func posts(_ receiver: TestReceiver, count: Int) async throws -> [TestReceiver.Post] {
        try await within("\(count) webhook posts", seconds: 20) {
            while receiver.received.count < count { try await Task.sleep(for: .milliseconds(20)) }
            return receiver.received
        }
    }

    /// Waits until the endpoint has no pending delivery (the receiver sees a post before its attempt is committed).
    static func settled(_ client: any TestClientProtocol, _ endpoint: String) async throws {
        try await within("the deliveries to settle", seconds: 20) {
            while true {
                let pending = try await client.get("/v1/webhook_endpoints/\(endpoint)/vtpe_deliveries?status=pending")
                if (pending.json["data"] as? [[String: Any]])?.isEmpty == true { return }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test(arguments: StoreEngine.all) func eventsArriveSignedInOrderAfterRetries(engine: StoreEngine) async throws {
        let vault = CardVault.ephemeral()
        // The first two posts fail with 500: their deliveries are tried again.
        let receiver = try await TestReceiver.start { $0 <= 2 ? .internalServerError : .ok }
        defer { receiver.stop() }
        try await withGateway(engine, vault: vault) { client, store, _ in
            let created = try await client.post("/v1/webhook_endpoints", "url=\(receiver.url.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&enabled_events[]=*")
            let endpoint = try #require(created.json["id"] as? String)
            let secret = try #require(created.json["secret"] as? String)
            let running = Self.deliverer(store, vault)
            defer { running.cancel() }

            let paid = try await client.post("/v1/payment_intents", "amount=1200&currency=eur&payment_method=pm_card_visa&confirm=true&capture_method=manual")
            let intent = try #require(paid.json["id"] as? String)
            #expect(try await client.post("/v1/payment_intents/\(intent)/capture", "").status == .ok)
            #expect(try await client.post("/v1/refunds", "payment_intent=\(intent)&amount=200").status == .ok)
            let events = try #require(try await client.get("/v1/events?limit=100").json["data"] as? [[String: Any]])
            let posts = try await Self.posts(receiver, count: events.count + 2)
            try await Self.settled(client, endpoint)

            // Each event exactly once among the successful posts, signed with the endpoint's secret.
            let accepted = Array(posts.dropFirst(2))
            #expect(Set(accepted.map(\.eventID)) == Set(events.compactMap { $0["id"] as? String }))
            #expect(accepted.count == events.count)
            for post in posts {
                let t = try #require(post.signature.split(separator: ",").first.flatMap { Int64($0.dropFirst(2)) })
                #expect(post.signature == WebhookSignature.header(payload: post.body, secret: secret, timestamp: t))
                #expect(abs(t - Int64(Date().timeIntervalSince1970)) < 60)
            }
            // One object's events in the order they happened.
            let intentEvents = accepted.filter { $0.objectID == intent }.map(\.type)
            #expect(intentEvents == ["payment_intent.created", "payment_intent.amount_capturable_updated", "payment_intent.succeeded"])

            // The attempts are visible: the two failures, then one success per event.
            let attempts = try #require(try await client.get("/v1/webhook_endpoints/\(endpoint)/vtpe_attempts?limit=100").json["data"] as? [[String: Any]])
            #expect(attempts.count == events.count + 2)
            let failed = attempts.filter { $0["succeeded"] as? Bool == false }
            #expect(failed.count == 2 && failed.allSatisfy { $0["response_status"] as? Int == 500 && $0["attempt"] as? Int == 1 && $0["next_attempt_at"] is Int })
            let retried = try #require(failed.first?["event"] as? String)
            let again = try #require(try await client.get("/v1/webhook_endpoints/\(endpoint)/vtpe_attempts?event=\(retried)").json["data"] as? [[String: Any]])
            #expect(again.map { $0["attempt"] as? Int } == [2, 1] && again.first?["succeeded"] as? Bool == true)
            let pending = try await client.get("/v1/webhook_endpoints/\(endpoint)/vtpe_deliveries?status=pending")
            #expect((pending.json["data"] as? [[String: Any]])?.isEmpty == true)
            let done = try #require(try await client.get("/v1/webhook_endpoints/\(endpoint)/vtpe_deliveries?status=succeeded&limit=100").json["data"] as? [[String: Any]])
            #expect(done.count == events.count && done.allSatisfy { $0["object"] as? String == "vtpe.webhook_delivery" && $0["last_response_status"] as? Int == 200 })
        }
    }

    @Test func endpointsGetOnlyTheirTypesAndNothingWhileDisabled() async throws {
        let vault = CardVault.ephemeral()
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        try await withGateway(vault: vault) { client, store, _ in
            let url = receiver.url.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let endpoint = try #require(try await client.post("/v1/webhook_endpoints", "url=\(url)&enabled_events[]=charge.succeeded").json["id"] as? String)
            let running = Self.deliverer(store, vault)
            defer { running.cancel() }
            _ = try await client.post("/v1/payment_intents", "amount=100&currency=eur&payment_method=pm_card_visa&confirm=true")
            #expect(try await Self.posts(receiver, count: 1).map(\.type) == ["charge.succeeded"])

            _ = try await client.post("/v1/webhook_endpoints/\(endpoint)", "disabled=true")
            _ = try await client.post("/v1/payment_intents", "amount=200&currency=eur&payment_method=pm_card_visa&confirm=true")
            // An event meets the endpoints when the deliverer fans it out, a round (≤ 100 ms here) after its commit:
            // give it that time while the endpoint is still disabled.
            try await Task.sleep(for: .milliseconds(600))
            _ = try await client.post("/v1/webhook_endpoints/\(endpoint)", "disabled=false")
            _ = try await client.post("/v1/payment_intents", "amount=300&currency=eur&payment_method=pm_card_visa&confirm=true")
            let posts = try await Self.posts(receiver, count: 2)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.received.count == 2)
            #expect(((posts[1].json["data"] as? [String: Any])?["object"] as? [String: Any])?["amount"] as? Int == 300)
        }
    }

    @Test(arguments: StoreEngine.all) func twoDeliverersOnOneDatabaseSendEachEventOnce(engine: StoreEngine) async throws {
        let vault = CardVault.ephemeral()
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        try await withGateway(engine, vault: vault) { client, store, _ in
            _ = try await client.post("/v1/webhook_endpoints", "url=\(receiver.url.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&enabled_events[]=*")
            let first = Self.deliverer(store, vault)
            let second = Self.deliverer(store, vault)
            defer { first.cancel(); second.cancel() }
            for n in 1...10 {
                _ = try await client.post("/v1/payment_intents", "amount=\(n * 100)&currency=eur&payment_method=pm_card_visa&confirm=true")
            }
            let posts = try await Self.posts(receiver, count: 30)
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.received.count == 30)
            #expect(Set(posts.map(\.eventID)).count == 30)
        }
    }
}
