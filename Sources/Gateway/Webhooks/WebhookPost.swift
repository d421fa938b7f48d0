import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One webhook POST: the event's JSON with its `Stripe-Signature`; the receiver's status, or why there was none.
/// Used by the gateway's deliverer and by `vtpe listen --forward-to`.
public enum WebhookPost {
    public struct Answer: Sendable {
        public var status: Int?
        public var error: String?
    }

    public static func send(_ payload: [UInt8], to url: String, signature: String, timeout: Duration = .seconds(10)) async -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Stripe-Signature", value: signature)
        request.headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks) vtpe")
        request.body = .bytes(ByteBuffer(bytes: payload))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeout.milliseconds))
            // The body is read (up to 64 KiB) so the connection can be reused; what it says does not matter.
            _ = try? await response.body.collect(upTo: 1 << 16)
            return Answer(status: Int(response.status.code))
        } catch {
            return Answer(error: explain(error))
        }
    }

    /// The client of every webhook POST: a receiver that refuses connections fails the attempt at once (not after
    /// the time-out, as the shared client's connection retries would), and redirects are not followed (Stripe counts
    /// a 3xx as a failure). It lives as long as the process.
    private static let client: HTTPClient = {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        pool.retryConnectionEstablishment = false
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, connectionPool: pool)
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Why there was no answer, in a few words for the attempts list and the log.
    static func explain(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) { return "timed out" }
            if [.invalidURL, .emptyHost].contains(error) { return "invalid URL" }
            if error == .remoteConnectionClosed { return "the receiver closed the connection" }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        return String(text.prefix(200))
    }
}
