import Foundation
import PaymentCore
import PaymentCrypto

/// The gateway's DUKPT keys: one base derivation key (BDK) per location and scheme, made on first use and kept
/// sealed under the vault key, and the key loading of a reader (its initial key and first KSN, the simulator's
/// stand-in for a key-injection facility).
///
/// A terminal enciphers track 2 and the PIN block under keys derived from its initial key; the KSN that travels
/// with them names the BDK (its first four bytes), so the issuer derives the same keys from the BDK alone.
struct TerminalKeys {
    let store: any PaymentStore
    let vault: CardVault

    /// The BDK of a location for a scheme, made (random) when the location has none yet.
    func bdk(location: String, scheme: DUKPTScheme) async throws -> (id: [UInt8], key: SymmetricKey) {
        try await store.retryingConflicts {
            let page = try await store.list(TerminalKeyRecord.self, PageRequest(limit: 1, filters: ["location": location, "scheme": scheme.rawValue]))
            if let record = page.items.first { return try open(record) }
            var rng = SystemRandomNumberGenerator()
            let id = (0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let key = (0..<scheme.keyByteCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let idHex = HexCoding.encode(id)
            let record = TerminalKeyRecord(id: idHex, location: location, scheme: scheme.rawValue,
                                           sealedBdk: try vault.sealKey(key, label: Self.label(idHex, scheme.rawValue)),
                                           created: Int64(Date().timeIntervalSince1970))
            // A concurrent first use (or an ID collision) loses the race and reads the winner's key.
            do {
                try await store.commit([.insertUnique(record)])
            } catch let error where !(error is StoreConflict) {
                throw StoreConflict(table: TerminalKeyRecord.table, id: idHex)
            }
            return (id, try SymmetricKey(bytes: key))
        }
    }

    /// The BDK a KSN was issued under, or a 400 naming `param` when the gateway has none with that ID.
    func bdk(for ksn: DUKPTSerialNumber, param: String) async throws -> SymmetricKey {
        let idHex = HexCoding.encode(ksn.bdkID)
        guard let record = try await store.find(TerminalKeyRecord.self, id: idHex), record.scheme == ksn.scheme.rawValue else {
            throw APIError.invalidRequest("Unknown key serial number: no \(ksn.scheme.rawValue) key with BDK ID \(idHex) on this account. Load the reader's keys with POST /v1/terminal/readers/{id}/vtpe_key_injection.", param: param)
        }
        return try open(record).key
    }

    /// Loads a reader with a new initial key: a fresh device ID under its location's BDK. The initial key is in
    /// the answer once and never stored by the gateway.
    func inject(reader: ReaderRecord, scheme: DUKPTScheme) async throws -> JSONValue {
        let (bdkID, bdk) = try await bdk(location: reader.location, scheme: scheme)
        var rng = SystemRandomNumberGenerator()
        let deviceID = (0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let ksn = try DUKPTSerialNumber.initial(scheme: scheme, bdkID: bdkID, deviceID: deviceID)
        let initialKey = try DUKPTKeyInjection.initialKey(bdk: bdk, ksn: ksn)
        return .object([
            ("object", "vtpe.key_injection"),
            ("reader", .string(reader.id)),
            ("location", .string(reader.location)),
            ("key_scheme", .string(scheme.rawValue)),
            ("initial_ksn", .string(ksn.hex)),
            ("initial_key", .string(HexCoding.encode(initialKey.revealBytes()))),
            ("key_check_value", .string(try initialKey.checkValue(scheme == .aes ? .aes : .tdes))),
        ])
    }

    private func open(_ record: TerminalKeyRecord) throws -> (id: [UInt8], key: SymmetricKey) {
        let bytes = try vault.openKey(record.sealedBdk, label: Self.label(record.id, record.scheme))
        return (HexCoding.decode(record.id) ?? [], try SymmetricKey(bytes: bytes))
    }

    private static func label(_ id: String, _ scheme: String) -> String { "bdk \(id) \(scheme)" }
}
