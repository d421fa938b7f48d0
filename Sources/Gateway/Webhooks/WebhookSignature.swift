import Crypto
import Foundation

/// Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>" under the
/// endpoint's secret>`, exactly what stripe-python's `Webhook.construct_event` and the other SDKs verify. Pure.
public enum WebhookSignature {
    public static func header(payload: [UInt8], secret: String, timestamp: Int64) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed += payload
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A new signing secret: `whsec_` and 32 random letters and digits.
    public static func newSecret() -> String {
        "whsec_" + ObjectID.random(length: 32)
    }
}
