/// How one sale treats a gateway that cannot be reached (Stripe Terminal's `offlineBehavior`).
public enum OfflineBehavior: String, Sendable, Equatable, Codable, CaseIterable {
    /// Online when it can; offline (within the profile's policy) when the gateway provably did not get the request.
    case preferOnline = "prefer_online"
    /// Online or not at all.
    case requireOnline = "require_online"
    /// Stored offline without trying the gateway (within the policy; refused beyond it).
    case forceOffline = "force_offline"
}

/// How far a payment approved offline has gone (journal entries of stored payments).
public enum OfflineState: String, Sendable, Equatable, Codable {
    /// In the terminal's offline store, not yet with the gateway.
    case stored
    /// The gateway has it and approved it.
    case forwarded
    /// The gateway declined it when forwarded: the merchant's loss, kept on the terminal.
    case declined
}
