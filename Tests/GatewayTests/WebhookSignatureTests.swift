import Testing
@testable import Gateway

/// The `Stripe-Signature` header against an HMAC computed independently (Python's hmac module:
/// `hmac.new(b"whsec_test_secret", b'1700000000.{"id":"evt_1"}', hashlib.sha256).hexdigest()`).
@Suite struct WebhookSignatureTests {
    @Test func matchesAnIndependentHMAC() {
        let header = WebhookSignature.header(payload: Array(#"{"id":"evt_1"}"#.utf8), secret: "whsec_test_secret", timestamp: 1_700_000_000)
        #expect(header == "t=1700000000,v1=248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a")
    }

    @Test func secretsAreNewEachTime() {
        let a = WebhookSignature.newSecret()
        #expect(a.hasPrefix("whsec_") && a.count == 38)
        #expect(a != WebhookSignature.newSecret())
    }
}
