import Crypto
import Foundation
import PaymentCore
import Synchronization

/// A payment intent as stored: flat columns, money as integers in minor units.
public struct PaymentIntentRecord: Sendable, Codable, Equatable {
    public var id: String
    public var amount: Int64
    public var currency: String
    public var status: PaymentIntentStatus
    public var captureMethod: CaptureMethod
    public var confirmationMethod: ConfirmationMethod
    public var clientSecret: String
    public var created: Int64
    public var description: String?
    public var customer: String?
    public var paymentMethod: String?
    public var paymentMethodTypes: String
    public var metadata: String
    public var latestCharge: String?
    public var lastPaymentError: String?
    public var amountCapturable: Int64
    public var amountReceived: Int64
    public var canceledAt: Int64?
    public var cancellationReason: CancellationReason?
    public var statementDescriptor: String?
    public var receiptEmail: String?
    /// Where 3-D Secure sends the customer back to.
    public var returnUrl: String?
    public var setupFutureUsage: SetupFutureUsage?
    /// The rendered `next_action` while the intent is in `requires_action`.
    public var nextAction: String?
    /// The tip included in `amount` (`amount_details[tip][amount]`), e.g. chosen on the reader.
    public var amountTip: Int64? = nil
    /// `payment_method_options[card_present][request_incremental_authorization_support]`.
    public var requestIncrementalAuthorizationSupport: Bool = false
    /// Incremental authorizations tried on the intent, declined ones included (at most 10).
    public var incrementAttempts: Int64 = 0
    /// The terminal batch the intent belongs to (`metadata[terminal_id]`, `metadata[vtpe_batch]`), kept in columns
    /// so a batch's objects are found by index.
    public var vtpeTerminalId: String? = nil
    public var vtpeBatch: Int64? = nil
}

/// A charge as stored; `paymentMethodDetails` and `outcome` are JSON documents.
public struct ChargeRecord: Sendable, Codable, Equatable {
    public var id: String
    public var paymentIntent: String?
    public var amount: Int64
    public var amountCaptured: Int64
    public var amountRefunded: Int64
    public var currency: String
    public var status: ChargeStatus
    public var paid: Bool
    public var captured: Bool
    public var failureCode: String?
    public var failureMessage: String?
    public var outcome: String
    public var paymentMethod: String?
    public var paymentMethodDetails: String
    public var authorizationCode: String?
    public var created: Int64
    public var description: String?
    public var metadata: String
    public var customer: String?
    /// The balance transaction of the captured amount (nil until captured).
    public var balanceTransaction: String?
    /// The HMAC fingerprint of the card, so the issuer can release holds without the card number.
    public var fingerprint: String?
    /// The payment was disputed (a `DisputeRecord` names it).
    public var disputed: Bool = false
}

/// A refund of (part of) a captured charge, or (vtpe) an unreferenced refund to a card presented at a terminal,
/// without a charge.
public struct RefundRecord: Sendable, Codable, Equatable {
    public var id: String
    public var amount: Int64
    /// Nil for an unreferenced refund.
    public var charge: String?
    public var paymentIntent: String?
    public var currency: String
    public var status: RefundStatus
    public var reason: String?
    public var balanceTransaction: String?
    public var created: Int64
    public var metadata: String
    public var description: String? = nil
    /// The card presented for the refund, as a JSON object (brand, last4, read_method); nil without one.
    public var vtpeCardPresent: String? = nil
    /// The terminal batch the refund belongs to (see `PaymentIntentRecord.vtpeBatch`).
    public var vtpeTerminalId: String? = nil
    public var vtpeBatch: Int64? = nil
}

/// A movement of the merchant's balance: a captured charge (pending until `availableOn`) or a refund.
public struct BalanceTransactionRecord: Sendable, Codable, Equatable {
    public var id: String
    public var type: String
    public var source: String
    public var amount: Int64
    public var fee: Int64
    public var net: Int64
    public var currency: String
    public var created: Int64
    public var availableOn: Int64
    public var description: String?
    public var reportingCategory: String
    /// The payout that settled it (and, for a payout's own transaction, that payout).
    public var payout: String? = nil
}

/// A customer as stored; deletion keeps the row (Stripe still answers `deleted: true` for the id).
public struct CustomerRecord: Sendable, Codable, Equatable {
    public var id: String
    public var email: String?
    public var name: String?
    public var description: String?
    public var phone: String?
    public var metadata: String
    public var defaultPaymentMethod: String?
    public var invoicePrefix: String
    public var created: Int64
    public var deleted: Bool
    /// The test clock the customer lives on (`test_clock` at creation): their subscriptions run on its time.
    public var testClock: String? = nil
    /// The sequence number of the customer's next invoice (`number` is `invoice_prefix-0001`, `-0002` …).
    public var nextInvoiceSequence: Int64 = 1
}

/// A payment method as stored: brand, last four digits and expiry, never the full number or a CVC.
public struct PaymentMethodRecord: Sendable, Codable, Equatable {
    public var id: String
    public var type: String
    public var brand: String
    public var last4: String
    public var expMonth: Int64
    public var expYear: Int64
    public var funding: String
    public var readMethod: String?
    public var customer: String?
    public var created: Int64
    public var metadata: String
    /// HMAC of the card number under the vault key (the same card gives the same fingerprint).
    public var fingerprint: String?
    /// The card number sealed with AES-GCM under the vault key; never a clear PAN, never a CVC. For a
    /// `sepa_debit` method, the IBAN sealed the same way.
    public var encryptedPan: String?
    /// A `sepa_debit` method's bank: country, bank and branch codes from the IBAN.
    public var country: String? = nil
    public var bankCode: String? = nil
    public var branchCode: String? = nil
    /// `billing_details[name]` and `[email]` (SEPA Direct Debit requires both: the mandate names the account holder).
    public var billingName: String? = nil
    public var billingEmail: String? = nil
    /// A phone wallet's card (Apple Pay, Google Pay): `last4` is the held card's, `dynamicLast4` the device
    /// number's (the test card catalog knows which numbers are device numbers).
    public var walletType: CardWallet.Kind? = nil
    public var dynamicLast4: String? = nil
}

/// Prefixed object ids (`pi_…`, `ch_…`), 24 characters after the prefix like Stripe's. The first 12 characters
/// are the creation time in milliseconds and a per-process counter, in base 36 (digits and lower-case letters, so
/// every collation sorts them alike); the rest is random. Lists order by (created, id), so objects created in the
/// same second still come back newest first.
public enum ObjectID {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    private static let base36 = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    private static let clock = Mutex((millis: Int64(0), counter: 0))

    public static func make(_ prefix: String, length: Int = 24) -> String {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let (millis, counter) = clock.withLock { state in
            if now > state.millis {
                state = (now, 0)
            } else {
                state.counter += 1
                if state.counter >= 36 * 36 * 36 { state = (state.millis + 1, 0) }
            }
            return state
        }
        let ordered = digits(millis, count: 9) + digits(Int64(counter), count: 3)
        return prefix + "_" + ordered + random(length: max(0, length - ordered.count))
    }

    /// The smallest id `make(prefix)` can give at Unix millisecond `millis` or later: ids compare as their times do.
    public static func floor(_ prefix: String, atMillis millis: Int64) -> String {
        prefix + "_" + digits(max(0, millis), count: 9) + "000"
    }

    /// Random characters only, for secrets and codes that must not reveal when they were made.
    public static func random(length: Int) -> String {
        // Eight random bytes per call to the system generator (one getrandom each), rejection-sampled so every
        // character is uniform over the 62.
        var out: [Character] = []
        out.reserveCapacity(length)
        while out.count < length {
            for byte in randomBytes(length + 8) where out.count < length {
                if byte < 248 { out.append(alphabet[Int(byte) % 62]) }
            }
        }
        return String(out)
    }

    /// `count` bytes from BoringSSL's CSPRNG (through swift-crypto), drawn in 4 KiB blocks: the standard generator
    /// makes one `getrandom` call per eight bytes, and a key per id was still a visible cost per payment.
    private static func randomBytes(_ count: Int) -> [UInt8] {
        pool.withLock { pool in
            if pool.count < count {
                pool = Crypto.SymmetricKey(size: .init(bitCount: 4096 * 8)).withUnsafeBytes { Array($0) }
            }
            defer { pool.removeLast(count) }
            return Array(pool.suffix(count))
        }
    }

    /// CSPRNG output drawn 4 KiB at a time; each byte is handed out once.
    private static let pool = Mutex<[UInt8]>([])

    private static func digits(_ value: Int64, count: Int) -> String {
        var v = value
        var out = [Character](repeating: "0", count: count)
        for i in stride(from: count - 1, through: 0, by: -1) {
            out[i] = base36[Int(v % 36)]
            v /= 36
        }
        return String(out)
    }
}

extension Dictionary where Key == String, Value == String {
    /// Metadata as stored: a JSON object with sorted keys.
    var jsonText: String {
        isEmpty ? "{}" : JSONValue.object(sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).compactText
    }

    init(jsonText: String) {
        guard jsonText != "{}", case .object(let fields)? = JSONValue(jsonText: jsonText) else { self = [:]; return }
        self = [:]
        for case (let key, .string(let value)) in fields { self[key] = value }
    }
}
