import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

/// When a payment may be stored to forward later: the profile's limits per payment, per store and in time.
@Suite struct OfflinePolicyTests {
    let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }
    var policy: OfflinePolicy {
        OfflinePolicy(enabled: true, limits: [.init(perPayment: eur(5000), total: eur(10_000))], maxCount: 3, maxAge: 3600)
    }

    @Test func refusals() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(policy.refusal(for: eur(5000), queue: .empty, now: now) == nil)
        #expect(OfflinePolicy.disabled.refusal(for: eur(100), queue: .empty, now: now) == "this terminal does not take payments offline")
        #expect(policy.refusal(for: Money(minorUnits: 100, currency: .usd), queue: .empty, now: now) == "payments in USD are not taken offline")
        #expect(policy.refusal(for: eur(5001), queue: .empty, now: now) == "over the offline limit of EUR 50.00 a payment")
        #expect(policy.refusal(for: eur(100), queue: .init(count: 3, totals: [.eur: 300], oldest: now), now: now)
                == "the offline store is full (3 payments): reconnect to forward them")
        #expect(policy.refusal(for: eur(2000), queue: .init(count: 2, totals: [.eur: 8001], oldest: now), now: now)
                == "the offline store would exceed EUR 100.00: reconnect to forward it")
        #expect(policy.refusal(for: eur(1999), queue: .init(count: 2, totals: [.eur: 8001], oldest: now), now: now) == nil)
        #expect(policy.refusal(for: eur(100), queue: .init(count: 1, totals: [.eur: 100], oldest: now.addingTimeInterval(-3601)), now: now)
                == "payments stored offline are older than 1 h: reconnect to forward them")
    }
}
