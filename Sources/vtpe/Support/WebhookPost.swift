import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One webhook POST: the event's JSON with its `Stripe-Signature`; the receiver's status, or why there was none.
enum WebhookPost {
    struct Answer {
        var status: Int?
        var error: String?
    }

    static func send(_ payload: [UInt8], to url: String, signature: String, timeout: TimeAmount = .seconds(10)) async -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Stripe-Signature", value: signature)
        request.headers.add(name: "User-Agent", value: "vtpe-webhooks")
        request.body = .bytes(ByteBuffer(bytes: payload))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 1 << 20)
            return Answer(status: Int(response.status.code))
        } catch {
            return Answer(error: "\(error)")
        }
    }
}
