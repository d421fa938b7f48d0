import Foundation
import PaymentCore

/// The end-of-day batch a terminal's object belongs to, read from its metadata: `terminal_id`, `vtpe_batch` (the
/// batch number, an integer ≥ 1) and `vtpe_type` (sale, preauthorization, refund, void).
struct BatchTag: Sendable, Equatable {
    var terminalID: String
    var number: Int64

    static let types: Set = ["sale", "preauthorization", "refund", "void"]
    static let numbers: ClosedRange<Int64> = 1...999_999_999

    /// Nil for an object in no batch (no `vtpe_batch`); a 400 naming the metadata key when the tag is malformed.
    static func parse(_ metadata: [String: String]) throws(APIError) -> BatchTag? {
        if let type = metadata["vtpe_type"], !types.contains(type) {
            throw APIError.invalidRequest("Invalid metadata[vtpe_type]: must be one of preauthorization, refund, sale or void.", param: "metadata[vtpe_type]")
        }
        guard let text = metadata["vtpe_batch"] else { return nil }
        guard let number = Int64(text), numbers.contains(number), String(number) == text else {
            throw APIError.invalidRequest("Invalid metadata[vtpe_batch]: the batch number is an integer from 1 to \(numbers.upperBound).", param: "metadata[vtpe_batch]")
        }
        guard let terminal = metadata["terminal_id"] else {
            throw APIError.invalidRequest("Missing metadata[terminal_id]: a batch belongs to one terminal.", param: "metadata[terminal_id]")
        }
        return BatchTag(terminalID: try checkTerminalID(terminal, param: "metadata[terminal_id]"), number: number)
    }

    /// Terminal ids go into URLs (`/v1/vtpe/terminal_batches/:terminal_id/:number`), so they stay plain: 1 to 64
    /// letters, digits, '-', '_' or '.'; a 400 naming `param` otherwise.
    static func checkTerminalID(_ id: String, param: String) throws(APIError) -> String {
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw APIError.invalidRequest("Invalid \(param): 1 to 64 letters, digits, '-', '_' or '.'.", param: param)
        }
        return id
    }
}

/// A record whose metadata may put it in a terminal batch; the batch is kept in its own columns, so a batch's
/// objects are found by index.
protocol BatchTagged {
    var metadata: String { get set }
    var vtpeTerminalId: String? { get set }
    var vtpeBatch: Int64? { get set }
}

extension BatchTagged {
    /// Sets the metadata (stored JSON text) and the batch that follows from it; a malformed batch tag is a 400.
    mutating func setMetadata(_ text: String) throws(APIError) {
        let tag = try BatchTag.parse([String: String](jsonText: text))
        metadata = text
        vtpeTerminalId = tag?.terminalID
        vtpeBatch = tag?.number
    }
}

extension PaymentIntentRecord: BatchTagged {}
extension RefundRecord: BatchTagged {}

/// A closed batch as stored: the document answered at closing, returned unchanged ever after.
public struct TerminalBatchRecord: Sendable, Codable, Equatable {
    /// `<terminal id>/<number>`.
    public var id: String
    public var terminalId: String
    public var number: Int64
    public var closedAt: Int64
    public var document: String

    static func id(terminalID: String, number: Int64) -> String { "\(terminalID)/\(number)" }
}

/// A terminal batch's totals as the gateway recorded them, counting what actually moved: sales are succeeded
/// automatic-capture intents (amount received), preauthorizations captured manual-capture intents (amount received),
/// refunds the refunds tagged `refund` (or untyped), voids the canceled intents (amount 0) and the refunds tagged
/// `void`. Uncaptured authorizations are listed apart; reversed payments (`vtpe_reversal`) are left out.
struct TerminalBatch: Sendable, Equatable {
    struct Key: Sendable, Hashable, Comparable {
        var currency: String
        var brand: String
        var type: String

        static func < (a: Key, b: Key) -> Bool { (a.currency, a.brand, a.type) < (b.currency, b.brand, b.type) }
    }

    struct Total: Sendable, Equatable {
        var key: Key
        var count: Int64
        var amount: Int64
    }

    struct OpenAuthorization: Sendable, Equatable {
        var paymentIntent: String
        var currency: String
        var amountCapturable: Int64
    }

    var totals: [Total]
    var openAuthorizations: [OpenAuthorization]

    init(totals: [Total], openAuthorizations: [OpenAuthorization] = []) {
        self.totals = totals
        self.openAuthorizations = openAuthorizations
    }

    init(_ contents: TerminalBatchContents) {
        var sums: [Key: (count: Int64, amount: Int64)] = [:]
        var open: [OpenAuthorization] = []
        func add(_ key: Key, _ amount: Int64) {
            let sum = sums[key] ?? (0, 0)
            sums[key] = (sum.count + 1, sum.amount + amount)
        }
        for (intent, brand) in contents.intents where !Self.isReversal(intent.metadata) {
            let brand = brand ?? CardBrand.unknown.rawValue
            switch intent.status {
            case .succeeded:
                add(Key(currency: intent.currency, brand: brand, type: intent.captureMethod == .manual ? "preauthorization" : "sale"), intent.amountReceived)
            case .requiresCapture:
                open.append(OpenAuthorization(paymentIntent: intent.id, currency: intent.currency, amountCapturable: intent.amountCapturable))
            case .canceled:
                add(Key(currency: intent.currency, brand: brand, type: "void"), 0)
            case .requiresPaymentMethod, .requiresConfirmation, .requiresAction, .processing:
                break // declined or never confirmed: nothing moved
            }
        }
        for (refund, brand) in contents.refunds where refund.status == .succeeded && !Self.isReversal(refund.metadata) {
            let brand = brand ?? Render.json(refund.vtpeCardPresent)["brand"].flatMap { if case .string(let b) = $0 { b } else { nil } }
                ?? CardBrand.unknown.rawValue
            let type = [String: String](jsonText: refund.metadata)["vtpe_type"] == "void" ? "void" : "refund"
            add(Key(currency: refund.currency, brand: brand, type: type), refund.amount)
        }
        totals = sums.keys.sorted().map { Total(key: $0, count: sums[$0]!.count, amount: sums[$0]!.amount) }
        openAuthorizations = open
    }

    /// A terminal's reversal (`metadata[vtpe_reversal]=true`): a payment the terminal did not complete (the card
    /// declined after the approval, the answer was lost), undone by its reversal queue. It never happened for the
    /// day's totals, as an acquirer drops a reversed authorization from the clearing batch; so is its reversal refund.
    static func isReversal(_ metadata: String) -> Bool {
        [String: String](jsonText: metadata)["vtpe_reversal"] == "true"
    }

    /// The terminal's totals against the gateway's, per (currency, brand, type); a key missing on one side counts 0.
    struct Reconciliation: Sendable, Equatable {
        struct Difference: Sendable, Equatable {
            var key: Key
            var terminalCount: Int64
            var terminalAmount: Int64
            var gatewayCount: Int64
            var gatewayAmount: Int64
        }

        var differences: [Difference]
        var matches: Bool { differences.isEmpty }

        init(terminal: [Total], gateway: [Total]) {
            let mine = Dictionary(terminal.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            let ours = Dictionary(gateway.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            differences = Set(mine.keys).union(ours.keys).sorted().compactMap { key in
                let t = mine[key], g = ours[key]
                guard t?.count ?? 0 != g?.count ?? 0 || t?.amount ?? 0 != g?.amount ?? 0 else { return nil }
                return Difference(key: key, terminalCount: t?.count ?? 0, terminalAmount: t?.amount ?? 0,
                                  gatewayCount: g?.count ?? 0, gatewayAmount: g?.amount ?? 0)
            }
        }
    }

    /// The totals a terminal sends when it closes a batch: `totals[N][currency|brand|type|count|amount]`.
    static func parseTotals(_ params: inout FormParams) throws(APIError) -> [Total] {
        var totals: [Total] = []
        for index in 0..<Self.maxTotals where params.has("totals", String(index)) {
            let prefix = ["totals", String(index)]
            func name(_ field: String) -> String { FormParams.name(prefix + [field]) }
            let currency = try params.requiredString(prefix + ["currency"])
            guard currency == currency.lowercased(), (try? Currency(code: currency.uppercased())) != nil else {
                throw APIError.invalidRequest("Invalid \(name("currency")): a three-letter ISO code in lower case.", param: name("currency"))
            }
            let brand = try params.requiredString(prefix + ["brand"])
            guard CardBrand(rawValue: brand) != nil else {
                throw APIError.invalidRequest("Invalid \(name("brand")): one of \(CardBrand.allCases.map(\.rawValue).joined(separator: ", ")).", param: name("brand"))
            }
            let type = try params.requiredString(prefix + ["type"])
            guard BatchTag.types.contains(type) else {
                throw APIError.invalidRequest("Invalid \(name("type")): one of preauthorization, refund, sale or void.", param: name("type"))
            }
            guard let count = try params.integer(prefix + ["count"], range: 0...1_000_000_000) else {
                throw APIError.invalidRequest("Missing required param: \(name("count")).", param: name("count"))
            }
            guard let amount = try params.integer(prefix + ["amount"], range: 0...Self.maxAmount) else {
                throw APIError.invalidRequest("Missing required param: \(name("amount")).", param: name("amount"))
            }
            let key = Key(currency: currency, brand: brand, type: type)
            guard !totals.contains(where: { $0.key == key }) else {
                throw APIError.invalidRequest("Duplicate total for \(currency), \(brand), \(type): send one line per currency, brand and type.", param: name("type"))
            }
            totals.append(Total(key: key, count: count, amount: amount))
        }
        return totals.sorted { $0.key < $1.key }
    }

    static let maxTotals = 200
    /// A day's total, far beyond any batch but within what every engine's integers hold.
    static let maxAmount: Int64 = 1 << 50
}

extension Render {
    /// `vtpe_terminal_batch`; `closedAt` and `reconciliation` are nil while the batch is open.
    static func terminalBatch(terminalID: String, number: Int64, _ batch: TerminalBatch, closedAt: Int64?,
                              reconciliation: TerminalBatch.Reconciliation?) -> JSONValue {
        func key(_ k: TerminalBatch.Key) -> [(String, JSONValue)] {
            [("currency", .string(k.currency)), ("brand", .string(k.brand)), ("type", .string(k.type))]
        }
        return .object([
            ("object", "vtpe_terminal_batch"),
            ("terminal_id", .string(terminalID)),
            ("number", .int(number)),
            ("status", closedAt == nil ? "open" : "closed"),
            ("totals", .array(batch.totals.map { .object(key($0.key) + [("count", .int($0.count)), ("amount", .int($0.amount))]) })),
            ("open_authorizations", .array(batch.openAuthorizations.map {
                .object([("payment_intent", .string($0.paymentIntent)), ("currency", .string($0.currency)), ("amount_capturable", .int($0.amountCapturable))])
            })),
            ("closed_at", .int(closedAt)),
            ("reconciliation", reconciliation.map { r in
                .object([
                    ("result", r.matches ? "match" : "mismatch"),
                    ("differences", .array(r.differences.map {
                        .object(key($0.key) + [("terminal_count", .int($0.terminalCount)), ("terminal_amount", .int($0.terminalAmount)),
                                               ("gateway_count", .int($0.gatewayCount)), ("gateway_amount", .int($0.gatewayAmount))])
                    })),
                ])
            } ?? .null),
        ])
    }
}
