import Foundation
import PaymentCore
import PaymentCrypto

/// The terminal's DUKPT keys: the initial key its gateway loaded (`vtpe_key_injection`) and the KSN counter, kept
/// in `<data-dir>/keys-<profile>.json` (mode 0600) per gateway. KSNs are reserved in blocks: the file names the last
/// KSN of the block (`reserved`), written before the first KSN of it is used; after a restart the counter goes on
/// after the reservation. A crash never reuses a KSN (it skips at most a block's remainder, as DUKPT allows: the host
/// derives any counter), and a sale does not pay a file rewrite and its fsync.
///
/// The file holds a TEST initial key, the stand-in for a device's tamper-resistant key storage; it never holds
/// card data.
public actor TerminalKeyRing {
    private let file: URL
    private let gatewayName: String
    public let scheme: DUKPTScheme
    private var state: State?
    private var waiters: [CheckedContinuation<Void, Never>] = []

    struct State: Codable {
        var gateway: String
        var scheme: String
        var initialKey: String
        /// The KSN in use when the file was written (the initial KSN before the first transaction); in memory, the
        /// last one used. On disk the counter may have gone on up to `reserved`.
        var ksn: String
        /// The last KSN of the block taken (files of older versions have none: the next KSN starts a block).
        var reserved: String?
    }

    /// KSNs taken per file write.
    static let reservationBlock = 64

    public init(dataDirectory: URL, profileID: String, gatewayName: String, scheme: DUKPTScheme) {
        file = dataDirectory.appendingPathComponent("keys-\(profileID).json")
        self.gatewayName = gatewayName
        self.scheme = scheme
        if let data = try? Data(contentsOf: file), let stored = try? JSONDecoder().decode(State.self, from: data),
           stored.gateway == gatewayName, stored.scheme == scheme.rawValue {
            // Any KSN up to the reservation may have been used before the restart.
            state = stored
            if let reserved = stored.reserved { state?.ksn = reserved }
        }
    }

    /// True once keys are loaded for this gateway.
    public var isLoaded: Bool { state != nil }

    /// Why the last attempt to get keys failed (the registration or key injection was refused, or the gateway
    /// could not be reached), so a sale without keys tells the user the real reason.
    public private(set) var lastLoadFailure: GatewayFailure?

    public func noteLoadFailure(_ failure: GatewayFailure) { lastLoadFailure = failure }

    /// Installs what the gateway's key injection answered (`initial_key`, `initial_ksn`, `key_scheme`).
    public func install(initialKey: String, initialKSN: String, keyScheme: String) throws {
        guard keyScheme == scheme.rawValue else {
            throw KeyRingError("the gateway loaded \(keyScheme) keys; this profile uses \(scheme.rawValue)")
        }
        let key = try SymmetricKey(hex: initialKey)
        let ksn = try DUKPTSerialNumber(hex: initialKSN)
        guard ksn.scheme == scheme, key.count == scheme.keyByteCount else { throw KeyRingError("the loaded key does not fit \(scheme.rawValue)") }
        let new = State(gateway: gatewayName, scheme: scheme.rawValue, initialKey: initialKey, ksn: initialKSN, reserved: initialKSN)
        try save(new)
        state = new
        lastLoadFailure = nil
        let w = waiters
        waiters = []
        for c in w { c.resume() }
    }

    /// Forgets the keys (the gateway no longer knows them, e.g. after the reader was registered anew).
    public func discard() {
        state = nil
        try? FileManager.default.removeItem(at: file)
    }

    /// The next transaction's keys, waiting up to `timeout` for a key injection when none are loaded yet.
    public func nextTransactionKeys(timeout: Duration = .seconds(10)) async throws -> DUKPTTransactionKeys {
        if state == nil { await waitForKeys(timeout: timeout) }
        guard var current = state else {
            throw KeyRingError("no keys loaded yet: the terminal has not been registered as a reader on its gateway")
        }
        let next = try DUKPTSerialNumber(hex: current.ksn).next()
        current.ksn = next.hex
        if !Self.reservation(current.reserved, covers: next) {
            var end = next
            for _ in 1..<Self.reservationBlock {
                guard let after = try? end.next() else { break } // the counter's end: the block is what is left
                end = after
            }
            current.reserved = end.hex
            try save(current)
        }
        state = current
        return try DUKPTTransactionKeys(initialKey: SymmetricKey(hex: current.initialKey), ksn: next)
    }

    /// Waits up to `timeout` for the gateway to load keys; true once they are.
    public func waitUntilLoaded(timeout: Duration) async -> Bool {
        if state == nil { await waitForKeys(timeout: timeout) }
        return state != nil
    }

    private func waitForKeys(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await withCheckedContinuation { c in Task { await self.addWaiter(c) } } }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            await self.releaseWaiters()
        }
    }

    private func addWaiter(_ c: CheckedContinuation<Void, Never>) {
        if state != nil { c.resume() } else { waiters.append(c) }
    }

    private func releaseWaiters() {
        let w = waiters
        waiters = []
        for c in w { c.resume() }
    }

    /// Whether `next` lies within the block that ends at `reserved` (same device, counter not past the block's end).
    static func reservation(_ reserved: String?, covers next: DUKPTSerialNumber) -> Bool {
        guard let reserved, let end = try? DUKPTSerialNumber(hex: reserved), end.bytes.count == next.bytes.count else { return false }
        return end.bdkID == next.bdkID && next.counter <= end.counter
    }

    private func save(_ state: State) throws {
        let data = try JSONEncoder().encode(state)
        try data.write(to: file, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }
}

public struct KeyRingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
