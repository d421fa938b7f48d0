import Foundation
import CardReaders
import EMV
import PaymentCore
import PaymentCrypto

/// The card data an authorization carries.
public enum AuthorizationCardData: Sendable, Equatable {
    /// A chip or contactless read: the kernel's online request (DE55, track 2 equivalent, online PIN).
    case chip(OnlineRequest)
    /// A swipe: track 2.
    case magstripe(Track2)

    public var pan: PAN {
        switch self {
        case .chip(let request): request.pan
        case .magstripe(let track): track.pan
        }
    }
}

/// What a card transaction asks of the gateway.
public enum AuthorizationKind: Sendable, Equatable {
    /// A sale, captured at once.
    case sale
    /// A pre-authorization (manual capture), with incremental authorization requested when the profile allows it.
    case preauthorization(incremental: Bool)
    /// A refund to the card presented: of this payment intent (referenced), or of none (unreferenced).
    case refund(paymentIntent: String?)
}

/// What the terminal asks the gateway to authorize.
public struct AuthorizationRequest: Sendable, Equatable, CustomStringConvertible {
    public var amount: Money
    public var entryMode: EntryMode
    public var card: AuthorizationCardData
    public var terminalID: String
    public var stan: UInt32
    /// The payment intent to confirm, for a server-driven sale; nil creates one.
    public var paymentIntent: String?
    public var kind: AuthorizationKind = .sale
    /// The open batch the transaction belongs to (`metadata[vtpe_batch]`).
    public var batch: Int = 1
    /// A tip the cardholder chose on the terminal, included in `amount` (`amount_details[tip][amount]`).
    public var tip: Money?
    /// Metadata naming who asked for the transaction (a till's number …), sent with the payment or refund.
    public var requestedBy: [String: String] = [:]
    /// Stable per transaction: retrying with it never charges twice, and the gateway answers a status inquiry by it.
    public var idempotencyKey: String { Self.idempotencyKey(terminalID: terminalID, stan: stan) }

    public init(amount: Money, entryMode: EntryMode, card: AuthorizationCardData, terminalID: String, stan: UInt32, paymentIntent: String? = nil,
                kind: AuthorizationKind = .sale, batch: Int = 1) {
        self.amount = amount
        self.entryMode = entryMode
        self.card = card
        self.terminalID = terminalID
        self.stan = stan
        self.paymentIntent = paymentIntent
        self.kind = kind
        self.batch = batch
    }

    public static func idempotencyKey(terminalID: String, stan: UInt32) -> String {
        let digits = String(stan)
        return "\(terminalID)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }

    public var description: String { "authorize \(amount) \(entryMode.verb) \(card.pan.masked) stan \(stan)" }
}

/// The card as it may be shown on screens and receipts.
public struct CardSummary: Sendable, Equatable {
    public var brand: CardBrand
    public var last4: String
    public var entryMode: EntryMode
    /// The number as a receipt or a till may show it (first six and last four digits), when the card was read
    /// in this session; not kept in the journal.
    public var maskedPAN: String? = nil
    /// YYMM, when the card said.
    public var expiry: String? = nil
    /// The AID of the application used (chip and contactless reads).
    public var aid: String? = nil

    public init(brand: CardBrand, last4: String, entryMode: EntryMode) {
        self.brand = brand
        self.last4 = last4
        self.entryMode = entryMode
    }

    public init(pan: PAN, entryMode: EntryMode, expiry: Expiry? = nil, aid: [UInt8]? = nil) {
        self.init(brand: pan.brand, last4: pan.last4, entryMode: entryMode)
        maskedPAN = pan.masked
        self.expiry = expiry?.yymm
        self.aid = aid.flatMap { $0.isEmpty ? nil : HexCoding.encode($0) }
    }
}

/// Why the gateway could not give an answer.
public enum GatewayFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case unreachable(String)
    case unauthorized(String)
    case rejected(String)
    case timeout
    /// The card or the reader ended the dialogue (removed, mute, malformed answer, blocked).
    case cardProblem(String)
    /// The merchant or the cardholder cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .unreachable(let m): "gateway unreachable: \(m)"
        case .unauthorized(let m): "gateway refused the API key: \(m)"
        case .rejected(let m): "gateway rejected the request: \(m)"
        case .timeout: "no answer from the gateway in time"
        case .cardProblem(let m): "card: \(m)"
        case .cancelled: "cancelled"
        }
    }

    /// A short line for the terminal screen.
    public var screenText: String {
        switch self {
        case .unreachable: "NO CONNECTION"
        case .unauthorized: "TERMINAL NOT AUTHORIZED"
        case .rejected: "REQUEST REJECTED"
        case .timeout: "NO RESPONSE"
        case .cardProblem: "CARD ERROR"
        case .cancelled: "CANCELLED"
        }
    }
}

/// A transaction on an earlier one, without a card: a completion (capture, after an incremental authorization when
/// the final amount is above the authorized one) or a void (cancel if uncaptured, a full refund if captured).
public struct FollowUpRequest: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        case completion(finalAmount: Money, increment: Bool)
        case void(captured: Money?)
    }

    public var operation: Operation
    public var paymentIntent: String
    public var terminalID: String
    /// The follow-up's own STAN (its idempotency key).
    public var stan: UInt32
    public var batch: Int

    public init(operation: Operation, paymentIntent: String, terminalID: String, stan: UInt32, batch: Int) {
        self.operation = operation
        self.paymentIntent = paymentIntent
        self.terminalID = terminalID
        self.stan = stan
        self.batch = batch
    }

    public var idempotencyKey: String { AuthorizationRequest.idempotencyKey(terminalID: terminalID, stan: stan) }
}

/// The gateway's answer to an authorization.
public enum AuthorizationResult: Sendable, Equatable {
    /// Approved; the id is the gateway object the transaction made (`pi_…`, or `re_…` for a refund).
    case approved(paymentIntentID: String, authorizationCode: String?)
    case declined(DeclineCode, message: String, paymentIntentID: String?)
    case failed(GatewayFailure)
    /// Approved by the terminal without the gateway and kept to forward (store-and-forward): the card's TC, or a
    /// tap's ARQC by deferred authorization; the code is the ARC the terminal set (Y3).
    case approvedOffline(authorizationCode: String)

    public var isApproved: Bool {
        switch self {
        case .approved, .approvedOffline: true
        case .declined, .failed: false
        }
    }

    /// The gateway decided (approved or declined); not a failure to get its answer, nor the terminal's own approval.
    public var isAnswer: Bool {
        switch self {
        case .approved, .declined: true
        case .failed, .approvedOffline: false
        }
    }
}

/// The gateway's answer with the issuer's EMV response (8A, 91) when the card was read by chip.
public struct GatewayAnswer: Sendable, Equatable {
    public var result: AuthorizationResult
    /// The issuer's response objects (`emv_auth_data`): 8A and, for a verified cryptogram, 91.
    public var issuerResponse: [TLV]
    /// False when the request may have reached the gateway without an answer coming back (a timeout or a
    /// connection lost after sending): the payment's fate is unknown until a status inquiry tells.
    public var outcomeKnown: Bool

    public init(result: AuthorizationResult, issuerResponse: [TLV] = [], outcomeKnown: Bool = true) {
        self.result = result
        self.issuerResponse = issuerResponse
        self.outcomeKnown = outcomeKnown
    }
}

/// What a status inquiry found out about a transaction.
public enum TransactionStatus: Sendable, Equatable {
    /// The gateway never received it (or forgot it): nothing to undo.
    case unknown
    /// Still being processed: ask again.
    case inProgress
    /// It finished with this answer.
    case completed(GatewayAnswer)
}

extension GatewayClient {
    /// Gateways that take no offline payments (test fakes): nothing is stored.
    public func sealOffline(_ request: AuthorizationRequest) async throws -> String {
        throw GatewayFailure.rejected("this gateway client keeps no offline payments")
    }

    public func forwardOffline(_ payments: [OfflineForward]) async -> [AuthorizationResult] {
        payments.isEmpty ? [] : [.failed(.rejected("this gateway client forwards no offline payments"))]
    }
}

/// A payment stored offline, to forward: its sealed request body, when it was approved, and its own key.
public struct OfflineForward: Sendable, Equatable {
    public var form: String
    public var storedAt: Date
    public var idempotencyKey: String

    public init(form: String, storedAt: Date, idempotencyKey: String) {
        self.form = form
        self.storedAt = storedAt
        self.idempotencyKey = idempotencyKey
    }
}

/// Talks to the payment gateway: payments, and the terminal's life as a `terminal.reader` (registration, heartbeats,
/// key loading and the server-driven flow). Failures are `GatewayFailure` values or typed throws, never raw HTTP.
public protocol GatewayClient: Sendable {
    /// Authorizes one payment; never throws — every failure is a value.
    func authorize(_ request: AuthorizationRequest) async -> GatewayAnswer
    /// Asks what became of the request with this idempotency key; throws when the gateway cannot be reached.
    func status(idempotencyKey: String) async throws -> TransactionStatus
    /// Undoes an approved payment the terminal could not complete: cancels an uncaptured intent, refunds a captured
    /// one. True once it is undone (or was already).
    func reverse(paymentIntentID: String, idempotencyKey: String) async -> Bool
    /// A label for screens ("embedded", or the host).
    var label: String { get }
    /// The request body of a payment approved offline, card data enciphered now (under the next DUKPT key), to keep
    /// until it is forwarded.
    func sealOffline(_ request: AuthorizationRequest) async throws -> String
    /// Forwards payments stored offline (`vtpe_offline[stored_at]`), in order, each under its own idempotency key.
    /// The results are in the same order and stop at the first that got no answer (a `.failed` one, the last):
    /// nothing after it was forwarded.
    func forwardOffline(_ payments: [OfflineForward]) async -> [AuthorizationResult]
    /// Completes or voids an earlier transaction; never throws — every failure is a value.
    func followUp(_ request: FollowUpRequest) async -> AuthorizationResult
    /// What the gateway recorded for this terminal's batch: its totals, or closes it with the terminal's totals
    /// and answers the reconciliation.
    func batch(terminalID: String, number: Int, close terminalTotals: [BatchTotal]?) async throws(GatewayFailure) -> GatewayBatch

    // MARK: The terminal as a reader

    /// The gateway's first terminal location, if it has one.
    func firstLocation() async throws(GatewayFailure) -> String?
    /// Creates a terminal location and returns its id.
    func createLocation(displayName: String, city: String, country: String) async throws(GatewayFailure) -> String
    /// Registers this terminal as a reader and returns the reader's id.
    func registerReader(_ registration: ReaderRegistration) async throws(GatewayFailure) -> String
    /// Keeps the reader online and reports what the terminal runs.
    func heartbeat(readerID: String, _ report: ReaderHeartbeat) async throws(GatewayFailure) -> HeartbeatAnswer
    /// Asks for this reader's DUKPT initial key (key injection).
    func injectKeys(readerID: String, scheme: DUKPTScheme) async throws(GatewayFailure) -> InjectedKeys
    /// Long-polls the reader's action: answers once its version passes `after`, or after `wait` seconds.
    func readerAction(readerID: String, after version: Int64, wait seconds: Int) async throws(GatewayFailure) -> ReaderActionPoll
    /// Reports how the reader's action ended.
    func reportActionResult(readerID: String, _ result: ReaderActionResult) async throws(GatewayFailure)
    /// A payment intent's amount and the address its receipt goes to.
    func paymentIntent(_ id: String) async throws(GatewayFailure) -> PaymentIntentSummary
    /// Raises a payment intent's amount by a tip (`amount_details[tip][amount]`).
    func addTip(paymentIntent: String, newAmount: Money, tip: Money) async throws(GatewayFailure)
}

/// What a reader registers with.
public struct ReaderRegistration: Sendable, Equatable {
    public var registrationCode: String
    public var location: String
    public var label: String
    public var softwareVersion: String

    public init(registrationCode: String, location: String, label: String, softwareVersion: String) {
        self.registrationCode = registrationCode
        self.location = location
        self.label = label
        self.softwareVersion = softwareVersion
    }
}

/// What a heartbeat reports.
public struct ReaderHeartbeat: Sendable, Equatable {
    public var softwareVersion: String
    /// What the terminal reports of itself for the fleet view (`vtpe fleet`); nil without an engine.
    public var status: ReaderStatus?

    public init(softwareVersion: String, status: ReaderStatus? = nil) {
        self.softwareVersion = softwareVersion
        self.status = status
    }
}

/// A running terminal's state as its heartbeat reports it: firmware, kernel and profile; battery (nil on mains);
/// network; printer (`none` without one); the offline queue; the open batch.
public struct ReaderStatus: Sendable, Equatable {
    public var profile: String
    public var firmwareVersion: String
    public var kernelVersion: String
    /// Percent, and whether it charges; nil on mains power.
    public var batteryLevel: Int?
    public var batteryCharging: Bool?
    public var network: String
    public var printer: String
    public var offlineQueue: Int
    public var openBatch: Int
    public var openBatchTransactions: Int

    public init(snapshot: TerminalSnapshot, network: String) {
        profile = snapshot.profile.id
        firmwareVersion = snapshot.profile.firmwareVersion
        kernelVersion = snapshot.profile.kernelVersion
        batteryLevel = snapshot.battery.map { Int($0.level.rounded(.down)) }
        batteryCharging = snapshot.battery?.charging
        self.network = network
        printer = snapshot.profile.printerColumns == nil ? "none" : snapshot.printer.rawValue
        offlineQueue = snapshot.offlineQueue.count
        openBatch = snapshot.batchNumber
        openBatchTransactions = snapshot.batchCount
    }

    /// The heartbeat's form fields.
    public var fields: [(String, String)] {
        var out: [(String, String)] = [
            ("vtpe_profile", profile), ("vtpe_firmware_version", firmwareVersion), ("vtpe_kernel_version", kernelVersion),
            ("vtpe_network", network), ("vtpe_printer", printer), ("vtpe_offline_queue", String(offlineQueue)),
            ("vtpe_open_batch", String(openBatch)), ("vtpe_open_batch_transactions", String(openBatchTransactions)),
        ]
        if let batteryLevel { out.append(("vtpe_battery_level", String(batteryLevel))) }
        if let batteryCharging { out.append(("vtpe_battery_charging", batteryCharging ? "true" : "false")) }
        return out
    }
}

/// How the gateway took a heartbeat.
public enum HeartbeatAnswer: Sendable, Equatable {
    case accepted
    /// The gateway no longer knows the reader: register again.
    case unknownReader
}

/// A DUKPT initial key as the gateway loads it.
public struct InjectedKeys: Sendable, Equatable, CustomStringConvertible {
    public var initialKey: String
    public var initialKSN: String
    public var scheme: String

    public init(initialKey: String, initialKSN: String, scheme: String) {
        self.initialKey = initialKey
        self.initialKSN = initialKSN
        self.scheme = scheme
    }

    public var description: String { "InjectedKeys(\(scheme), KSN \(initialKSN), key ****)" }
}

/// One answer of the action long poll.
public struct ReaderActionPoll: Sendable, Equatable {
    /// The action's version (pass it as `after` next time).
    public var version: Int64
    public var action: ReaderAction?

    public init(version: Int64, action: ReaderAction?) {
        self.version = version
        self.action = action
    }
}

/// A batch as the gateway recorded it.
public struct GatewayBatch: Sendable, Equatable {
    public var totals: [BatchTotal]
    /// Set when the batch was closed: `match` or `mismatch`, with the differences.
    public var reconciliation: BatchReport.Reconciliation?

    public init(totals: [BatchTotal], reconciliation: BatchReport.Reconciliation?) {
        self.totals = totals
        self.reconciliation = reconciliation
    }
}

/// What the terminal reads of a payment intent it is asked to process.
public struct PaymentIntentSummary: Sendable, Equatable {
    public var amount: Money
    /// `receipt_email`: the e-receipt goes there.
    public var receiptEmail: String?

    public init(amount: Money, receiptEmail: String? = nil) {
        self.amount = amount
        self.receiptEmail = receiptEmail
    }
}
