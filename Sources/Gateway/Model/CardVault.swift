import Crypto
import Foundation
import PaymentCore

/// Keeps card numbers encrypted at rest (AES-256-GCM) and computes their fingerprints (HMAC-SHA256), both under a
/// key kept in the data directory. The database only ever sees the sealed box and the fingerprint.
public struct CardVault: Sendable {
    private let sealingKey: Crypto.SymmetricKey
    private let fingerprintKey: Crypto.SymmetricKey
    private let requestKey: Crypto.SymmetricKey
    private let keySealingKey: Crypto.SymmetricKey

    /// A vault over 32 bytes of key material (two keys are derived from it with HKDF).
    public init(keyMaterial: [UInt8]) {
        let ikm = Crypto.SymmetricKey(data: keyMaterial)
        sealingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, info: Data("vtpe card sealing".utf8), outputByteCount: 32)
        fingerprintKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, info: Data("vtpe card fingerprint".utf8), outputByteCount: 32)
        requestKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, info: Data("vtpe request fingerprint".utf8), outputByteCount: 32)
        keySealingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, info: Data("vtpe terminal key sealing".utf8), outputByteCount: 32)
    }

    /// A vault with a random key, for tests and throwaway gateways.
    public static func ephemeral() -> CardVault {
        var rng = SystemRandomNumberGenerator()
        return CardVault(keyMaterial: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// Loads `<data-dir>/card-data-key` (mode 0600), creating it on first start.
    public static func loadOrCreate(in dataDirectory: URL) throws -> CardVault {
        let url = dataDirectory.appendingPathComponent("card-data-key")
        if let data = FileManager.default.contents(atPath: url.path) {
            guard data.count == 32 else { throw GatewaySetupError(message: "\(url.path) is not a 32-byte key; restore it from a backup (cards stored under it cannot be read without it)") }
            return CardVault(keyMaterial: Array(data))
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try Data(bytes).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        return CardVault(keyMaterial: bytes)
    }

    /// The sealed card number, base64 (nonce ‖ ciphertext ‖ tag).
    public func seal(_ pan: PAN) throws -> String {
        let box = try AES.GCM.seal(Data(pan.revealDigits().utf8), using: sealingKey)
        guard let combined = box.combined else { throw GatewaySetupError(message: "AES-GCM produced no combined box") }
        return combined.base64EncodedString()
    }

    /// A terminal key (a location's BDK) sealed for the database, base64; `label` binds it to its row.
    public func sealKey(_ key: [UInt8], label: String) throws -> String {
        let box = try AES.GCM.seal(Data(key), using: keySealingKey, authenticating: Data(label.utf8))
        guard let combined = box.combined else { throw GatewaySetupError(message: "AES-GCM produced no combined box") }
        return combined.base64EncodedString()
    }

    /// A terminal key back from its sealed box; fails when the box or its label was changed.
    public func openKey(_ sealed: String, label: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: sealed) else { throw GatewaySetupError(message: "a stored terminal key is damaged") }
        return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: keySealingKey, authenticating: Data(label.utf8)))
    }

    /// The card number back from a sealed box.
    public func open(_ sealed: String) throws -> PAN {
        guard let data = Data(base64Encoded: sealed) else { throw GatewaySetupError(message: "a stored card number is damaged") }
        let clear = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: sealingKey)
        return try PAN(String(decoding: clear, as: UTF8.self))
    }

    /// The fingerprint of a request (method, path and body) that Idempotency-Key compares retries by. Keyed, because
    /// a body may carry a card number and CVC: an unkeyed hash of it could be brute-forced back from the last four,
    /// the expiry and the three CVC digits. Every gateway process sharing a database shares the vault key, so
    /// retries through another process still match.
    public func requestFingerprint(_ parts: [UInt8]...) -> String {
        var mac = HMAC<SHA256>(key: requestKey)
        for part in parts { mac.update(data: part) }
        return HexCoding.encode(Array(mac.finalize()))
    }

    /// A stable 16-character fingerprint: the same card number gives the same fingerprint under one vault.
    public func fingerprint(_ pan: PAN) -> String { fingerprint(digits: pan.revealDigits()) }

    /// The same for a bank account: one IBAN, one fingerprint.
    public func fingerprint(_ iban: IBAN) -> String { fingerprint(digits: iban.revealDigits()) }

    /// An IBAN sealed like a terminal key (AES-GCM under the key-sealing key, labelled).
    public func seal(_ iban: IBAN) throws -> String { try sealKey(Array(iban.revealDigits().utf8), label: "iban") }

    /// The IBAN back from its sealed box.
    public func openIBAN(_ sealed: String) throws -> IBAN {
        let clear = String(decoding: try openKey(sealed, label: "iban"), as: UTF8.self)
        do { return try IBAN(clear) } catch { throw GatewaySetupError(message: "a stored IBAN is damaged: \(error)") }
    }

    private func fingerprint(digits: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(digits.utf8), using: fingerprintKey)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        return String(Array(mac).prefix(16).map { alphabet[Int($0) % alphabet.count] })
    }
}

extension PaymentMethodRecord {
    /// A new card payment method: brand, last four, expiry, fingerprint and the sealed number — never a CVC.
    /// A card's payment method; a phone wallet's device number (as `catalog` knows it) shows the held card's last
    /// four and its wallet.
    static func card(_ pan: PAN, expiry: Expiry, readMethod: String? = nil, vault: CardVault, catalog: TestCardCatalog, now: Date,
                     metadata: [String: String] = [:]) throws -> PaymentMethodRecord {
        let wallet = catalog.card(number: pan.revealDigits())?.wallet
        var method = PaymentMethodRecord(
            id: ObjectID.make("pm"), type: readMethod == nil ? "card" : "card_present", brand: pan.brand.rawValue,
            last4: wallet?.fundingLast4 ?? pan.last4, expMonth: Int64(expiry.month), expYear: Int64(expiry.year), funding: "credit",
            readMethod: readMethod, customer: nil, created: Int64(now.timeIntervalSince1970), metadata: metadata.jsonText,
            fingerprint: vault.fingerprint(pan), encryptedPan: try vault.seal(pan))
        method.walletType = wallet?.kind
        method.dynamicLast4 = wallet.map { _ in pan.last4 }
        return method
    }

    /// A test PaymentMethod id such as `pm_card_visa` stands for a new payment method of that test card each time
    /// it is used, as in Stripe (expiry: December, three years ahead). Nil for other ids; a 402 for the test card
    /// whose number fails the Luhn check.
    static func materialize(testID id: String, catalog: TestCardCatalog, vault: CardVault, now: Date) throws -> PaymentMethodRecord? {
        guard let test = catalog.card(paymentMethodID: id) else { return nil }
        let input = try CardDetails.input(of: test, now: now)
        return try card(input.pan, expiry: input.expiry, vault: vault, catalog: catalog, now: now)
    }
}
