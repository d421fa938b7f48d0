import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import EMV
import PaymentCore
import PaymentCrypto
import CardReaders

/// The gateway over HTTP (AsyncHTTPClient), the same code for the embedded gateway and a remote one.
///
/// Sends `POST /v1/payment_intents` (or `…/:id/confirm` for a server-driven sale) with the card-present extension
/// of docs/api.md — DE55, track 2 and the online PIN block enciphered under the terminal's DUKPT keys with their
/// KSN — and the transaction's idempotency key. When the answer is lost after the request went out (a timeout, a
/// dropped connection), it asks the gateway what became of that key before giving up. Card data is never logged.
public final class HTTPGatewayClient: GatewayClient {
    public let baseURL: String
    public let label: String
    private let apiKey: String
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let logger: Logger
    private let keys: TerminalKeyRing?
    /// The emulated network requests go through (nil: straight to the gateway).
    public let link: NetworkLink?

    public init(baseURL: String, apiKey: String, label: String? = nil, timeout: TimeAmount = .seconds(15), keys: TerminalKeyRing? = nil,
                link: NetworkLink? = nil, logger: Logger) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.label = label ?? baseURL
        self.timeout = timeout
        self.logger = logger
        self.keys = keys
        self.link = link
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(3))))
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// The form body of an authorization (or a card-present refund), card data enciphered under `keys`.
    static func formBody(_ r: AuthorizationRequest, keys: DUKPTTransactionKeys) throws -> String {
        let metadata: [(String, String)] = [
            ("metadata[terminal_id]", r.terminalID), ("metadata[stan]", String(r.stan)), ("metadata[vtpe_batch]", String(r.batch)),
        ] + r.requestedBy.sorted { $0.key < $1.key }.map { ("metadata[\($0.key)]", $0.value) }
        let fields: [(String, String)]
        switch r.kind {
        case .sale, .preauthorization:
            let manual = if case .preauthorization = r.kind { true } else { false }
            // A server-driven sale confirms the intent the API created, with its own amount and capture method.
            var creation: [(String, String)] = r.paymentIntent != nil ? [] : [
                ("amount", String(r.amount.minorUnits)),
                ("currency", r.amount.currency.code.lowercased()),
                ("confirm", "true"),
                ("capture_method", manual ? "manual" : "automatic"),
                ("payment_method_types[]", "card_present"),
            ]
            if r.paymentIntent == nil, case .preauthorization(true) = r.kind {
                creation.append(("payment_method_options[card_present][request_incremental_authorization_support]", "true"))
            }
            if r.paymentIntent == nil, let tip = r.tip { creation.append(("amount_details[tip][amount]", String(tip.minorUnits))) }
            let described: [(String, String)] = r.paymentIntent != nil ? [] : [
                ("description", "vtpe terminal \(r.terminalID) STAN \(r.stan)"),
            ] + metadata + [("metadata[vtpe_type]", manual ? "preauthorization" : "sale")]
            fields = creation + (try cardFields(r, keys: keys, prefix: "payment_method_data[card_present]", typed: true)) + described
                + [("expand[]", "latest_charge")]
        case .refund(let intent):
            fields = (intent.map { [("payment_intent", $0)] } ?? [("currency", r.amount.currency.code.lowercased())])
                + [("amount", String(r.amount.minorUnits))] + metadata + [("metadata[vtpe_type]", "refund")]
                + (try cardFields(r, keys: keys, prefix: "vtpe_card_present", typed: false))
        }
        return formEncoded(fields)
    }

    /// `name=value&…`, each part percent-encoded for a form body or a query.
    static func formEncoded(_ fields: [(String, String)]) -> String {
        fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    /// The card-present fields (docs/api.md): read method, KSN, enciphered track 2 and PIN block, DE55 without
    /// clear card data.
    private static func cardFields(_ r: AuthorizationRequest, keys: DUKPTTransactionKeys, prefix: String, typed: Bool) throws -> [(String, String)] {
        var card: [(String, String)] = typed ? [("payment_method_data[type]", "card_present")] : []
        func field(_ name: String, _ value: String) { card.append(("\(prefix)[\(name)]", value)) }
        var rng = SystemRandomNumberGenerator()
        switch r.card {
        case .chip(let online):
            guard let track = online.track2 else { throw KeyRingError("the card gave no track 2 equivalent data") }
            field("vtpe_read_method", r.entryMode.rawValue)
            field("vtpe_ksn", keys.ksn.hex)
            field("vtpe_encrypted_track2", HexCoding.encode(try keys.encipher(track2: track)))
            if let pin = online.onlinePIN, typed {
                field("vtpe_encrypted_pin_block", HexCoding.encode(try keys.encipherPIN(pin.revealDigits(), pan: online.pan, random: &rng)))
            }
            // Card data (track 2, PAN, names) never leaves in the clear DE55: track 2 travels enciphered above.
            field("vtpe_emv_data", HexCoding.encode(BERTLV.encode(online.tlv.filter { !$0.tag.isSensitive })))
        case .magstripe(let track):
            field("vtpe_read_method", track.serviceCode.isChipCard ? "magnetic_stripe_fallback" : "magnetic_stripe_track2")
            field("vtpe_ksn", keys.ksn.hex)
            field("vtpe_encrypted_track2", HexCoding.encode(try keys.encipher(track2: track)))
        }
        return card
    }

    /// Percent-encodes every UTF-8 byte but RFC 3986's unreserved ASCII (`A-Z a-z 0-9 - . _ ~`). By hand because
    /// Foundation's `addingPercentEncoding` with `CharacterSet.alphanumerics` lets non-ASCII letters through
    /// unencoded and costs a Unicode table lookup per character (2 % of a sale's CPU).
    static func encode(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The request's body, card data enciphered under the next DUKPT key.
    private func sealedBody(_ request: AuthorizationRequest) async -> Result<String, GatewayFailure> {
        do {
            guard let keys else { throw KeyRingError("this terminal has no key ring") }
            let transactionKeys: DUKPTTransactionKeys
            do { transactionKeys = try await keys.nextTransactionKeys(timeout: .seconds(5)) } catch {
                // No keys means the gateway never answered the registration: to the user that is no connection.
                logger.error("no DUKPT keys to protect the card data", metadata: ["error": "\(error)"])
                return .failure(await keys.lastLoadFailure ?? .unreachable("no keys from the gateway yet (\(error))"))
            }
            return .success(try Self.formBody(request, keys: transactionKeys))
        } catch {
            logger.error("cannot protect the card data", metadata: ["stan": "\(request.stan)", "error": "\(error)"])
            return .failure(.rejected("card data could not be enciphered: \(error)"))
        }
    }

    public func sealOffline(_ request: AuthorizationRequest) async throws -> String {
        try await sealedBody(request).get()
    }

    /// `POST /v1/vtpe/payment_intent_batches` (docs/api.md): each payment a `POST /v1/payment_intents` under its own
    /// key, run in order by the gateway, one durable commit for them all. A lost answer is sent again as it was: the
    /// gateway replays what it already did, key by key.
    public func forwardOffline(_ payments: [OfflineForward]) async -> [AuthorizationResult] {
        guard !payments.isEmpty else { return [] }
        let stored = Self.encode("payment_method_data[card_present][vtpe_offline][stored_at]")
        var fields: [(String, String)] = []
        for (i, payment) in payments.enumerated() {
            fields.append(("requests[\(i)][idempotency_key]", payment.idempotencyKey))
            fields.append(("requests[\(i)][body]", payment.form + "&" + stored + "=\(Int64(payment.storedAt.timeIntervalSince1970))"))
        }
        do {
            let (status, body) = try await send(.POST, "/v1/vtpe/payment_intent_batches", form: Self.formEncoded(fields))
            return Self.interpretBatch(status: status, body: body, count: payments.count)
        } catch {
            return [.failed(Self.failure(error))]
        }
    }

    /// The batch's answers, one per request the gateway ran (at most `count`); a batch refused as a whole is one
    /// failure.
    static func interpretBatch(status: Int, body: Data, count: Int) -> [AuthorizationResult] {
        guard status == 200 else {
            // A refusal of the whole batch (a gateway without the route, a bad key) is no payment's answer.
            if case .failed(let failure) = interpret(status: status, body: body).result { return [.failed(failure)] }
            return [.failed(.rejected("the gateway refused the batch of offline payments (HTTP \(status))"))]
        }
        // Decoded straight into the answers' envelopes: a dictionary and back per payment cost a third of the
        // terminal's CPU while forwarding.
        struct Item: Decodable { var status: String; var response_status: Int?; var response: Envelope? }
        struct List: Decodable { var data: [Item] }
        guard let list = try? JSONDecoder().decode(List.self, from: body), list.data.count <= count else {
            return [.failed(.rejected("the gateway's answer to a batch of offline payments is not a list of answers"))]
        }
        var results: [AuthorizationResult] = []
        for item in list.data {
            guard item.status == "completed", let code = item.response_status, let envelope = item.response else {
                results.append(.failed(.rejected("the gateway gave no answer to an offline payment of the batch")))
                break
            }
            let answer = result(status: code, envelope)
            results.append(answer)
            if case .failed = answer { break }
        }
        return results
    }

    public func authorize(_ request: AuthorizationRequest) async -> GatewayAnswer {
        let body: String
        switch await sealedBody(request) {
        case .success(let sealed): body = sealed
        case .failure(let failure): return GatewayAnswer(result: .failed(failure))
        }
        if let intent = request.paymentIntent, request.kind == .sale {
            // A server-driven sale joins the terminal's batch: its intent is tagged before it is confirmed.
            _ = try? await call(.POST, "/v1/payment_intents/\(intent)", [
                ("metadata[terminal_id]", request.terminalID), ("metadata[stan]", String(request.stan)),
                ("metadata[vtpe_batch]", String(request.batch)), ("metadata[vtpe_type]", "sale"),
            ])
        }
        let path = switch request.kind {
        case .refund(_?): "/v1/refunds"
        case .refund(nil): "/v1/vtpe/unreferenced_refunds"
        default: request.paymentIntent.map { "/v1/payment_intents/\($0)/confirm" } ?? "/v1/payment_intents"
        }
        logger.info("authorization sent", metadata: ["stan": "\(request.stan)", "card": "\(request.entryMode.verb) \(request.card.pan.masked)", "amount": "\(request.amount)"])
        do {
            let (status, data) = try await send(.POST, path, form: body, idempotencyKey: request.idempotencyKey)
            return Self.interpret(status: status, body: data)
        } catch {
            let failure = Self.failure(error)
            guard !Self.neverArrived(failure) else { return GatewayAnswer(result: .failed(failure)) }
            // The request may have arrived: ask what became of it before giving up.
            logger.warning("authorization answer lost; asking the gateway for its status", metadata: ["stan": "\(request.stan)", "error": "\(failure)"])
            if let (code, body) = await storedResponse(after: request.idempotencyKey) { return Self.interpret(status: code, body: body) }
            return GatewayAnswer(result: .failed(failure), outcomeKnown: false)
        }
    }

    /// The status inquiry: `GET /v1/vtpe/idempotency_keys/:key`.
    public func status(idempotencyKey: String) async throws -> TransactionStatus {
        switch try await inquiry(idempotencyKey) {
        case .unknown: return .unknown
        case .inProgress: return .inProgress
        case .completed(let code, let body): return .completed(Self.interpret(status: code, body: body))
        }
    }

    private enum StoredResponse { case unknown, inProgress, completed(Int, Data) }

    /// After a lost answer: the gateway's stored response to the request with this key, asked three times (the
    /// request may still be in progress); nil when it never completed there.
    private func storedResponse(after key: String) async -> (Int, Data)? {
        for attempt in 0..<3 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(500 * attempt)) }
            if case .completed(let code, let body)? = try? await inquiry(key) { return (code, body) }
        }
        return nil
    }

    /// What the gateway stored for an idempotency key: the first response's status and body, once complete.
    private func inquiry(_ key: String) async throws -> StoredResponse {
        let (status, json, _) = try await callRaw(.GET, "/v1/vtpe/idempotency_keys/\(Self.encode(key))")
        switch status {
        case 404: return .unknown
        case 200:
            guard json["status"] as? String == "completed", let code = (json["response_status"] as? NSNumber)?.intValue,
                  let response = json["response"], let data = try? JSONSerialization.data(withJSONObject: response) else { return .inProgress }
            return .completed(code, data)
        default:
            throw GatewayFailure.rejected("status inquiry answered HTTP \(status)")
        }
    }

    /// Cancels an uncaptured intent or refunds a captured one, idempotently. The intent is marked
    /// `metadata[vtpe_reversal]=true` first, so the day's batch leaves it out as the terminal did.
    public func reverse(paymentIntentID id: String, idempotencyKey: String) async -> Bool {
        do {
            let (status, intent) = try await call(.GET, "/v1/payment_intents/\(id)")
            guard status == 200, let state = intent["status"] as? String else { return false }
            let marked = (intent["metadata"] as? [String: Any])?["vtpe_reversal"] as? String == "true"
            if !marked, state == "requires_capture" || state == "succeeded" {
                let (code, _) = try await call(.POST, "/v1/payment_intents/\(id)", [("metadata[vtpe_reversal]", "true")])
                guard code == 200 else { return false }
            }
            switch state {
            case "canceled": return true
            case "requires_capture":
                let (code, _) = try await call(.POST, "/v1/payment_intents/\(id)/cancel", [("cancellation_reason", "abandoned")],
                                               idempotencyKey: idempotencyKey)
                return code == 200
            case "succeeded":
                let (code, body) = try await call(.POST, "/v1/refunds", [("payment_intent", id), ("reason", "requested_by_customer"),
                                                                          ("metadata[vtpe_reversal]", "true")], idempotencyKey: idempotencyKey)
                let already = (body["error"] as? [String: Any])?["code"] as? String == "charge_already_refunded"
                return code == 200 || already
            default:
                return true // never approved: nothing to undo
            }
        } catch {
            return false
        }
    }

    /// Completes a pre-authorization (an incremental authorization first when the final amount is above it) or
    /// voids a transaction (cancel when uncaptured, a full refund when captured); tagged with the open batch.
    public func followUp(_ request: FollowUpRequest) async -> AuthorizationResult {
        let key = request.idempotencyKey
        let batch: [(String, String)] = [("metadata[vtpe_batch]", String(request.batch))]
        let intentPath = "/v1/payment_intents/\(request.paymentIntent)"
        // Where the intent is now: a completion or void whose earlier answer was lost may already have happened.
        let current: [String: Any]
        do {
            let (status, json) = try await call(.GET, intentPath)
            guard status == 200 else { return Self.interpret(status: status, body: Data()).result }
            current = json
        } catch {
            return .failed(Self.failure(error))
        }
        let state = current["status"] as? String
        switch request.operation {
        case .completion(let final, let increment):
            if state == "succeeded" { return .approved(paymentIntentID: request.paymentIntent, authorizationCode: nil) }
            let authorized = (current["amount"] as? NSNumber)?.int64Value ?? 0
            if increment, authorized < final.minorUnits {
                let answer = await sendOrInquire(.POST, intentPath + "/increment_authorization",
                                                 [("amount", String(final.minorUnits)), ("expand[]", "latest_charge")], key: key + "-increment")
                guard answer.isApproved else { return answer }
            }
            return await sendOrInquire(.POST, intentPath + "/capture",
                                       [("amount_to_capture", String(final.minorUnits)), ("expand[]", "latest_charge")] + batch, key: key)
        case .void(let captured?):
            return await sendOrInquire(.POST, "/v1/refunds", [
                ("payment_intent", request.paymentIntent), ("amount", String(captured.minorUnits)), ("reason", "requested_by_customer"),
                ("metadata[terminal_id]", request.terminalID), ("metadata[stan]", String(request.stan)), ("metadata[vtpe_type]", "void"),
            ] + batch, key: key)
        case .void(nil):
            if state == "canceled" { return .approved(paymentIntentID: request.paymentIntent, authorizationCode: nil) }
            _ = try? await call(.POST, intentPath, batch + [("metadata[vtpe_void_stan]", String(request.stan))])
            // A cancelled intent is the void's success (not a payment's).
            return await sendOrInquire(.POST, intentPath + "/cancel", [("cancellation_reason", "requested_by_customer")], key: key) { status, body in
                status == 200 ? .approved(paymentIntentID: request.paymentIntent, authorizationCode: nil) : Self.interpret(status: status, body: body).result
            }
        }
    }

    /// One follow-up call; when its answer is lost, the status inquiry by idempotency key tells what became of it.
    private func sendOrInquire(_ method: HTTPMethod, _ path: String, _ fields: [(String, String)], key: String,
                               interpret: (Int, Data) -> AuthorizationResult = { HTTPGatewayClient.interpret(status: $0, body: $1).result }) async -> AuthorizationResult {
        await sendOrInquire(method, path, form: Self.formEncoded(fields), key: key, interpret: interpret)
    }

    private func sendOrInquire(_ method: HTTPMethod, _ path: String, form: String, key: String,
                               interpret: (Int, Data) -> AuthorizationResult = { HTTPGatewayClient.interpret(status: $0, body: $1).result }) async -> AuthorizationResult {
        do {
            let (status, body) = try await send(method, path, form: form, idempotencyKey: key)
            return interpret(status, body)
        } catch {
            let failure = Self.failure(error)
            guard !Self.neverArrived(failure) else { return .failed(failure) }
            if let (code, body) = await storedResponse(after: key) { return interpret(code, body) }
            return .failed(failure)
        }
    }

    /// The gateway's view of a terminal batch (`GET /v1/vtpe/terminal_batches/:terminal/:number`), or its close with
    /// the terminal's totals (`POST …/close`), answering the reconciliation.
    public func batch(terminalID: String, number: Int, close terminalTotals: [BatchTotal]?) async throws(GatewayFailure) -> GatewayBatch {
        let path = "/v1/vtpe/terminal_batches/\(Self.encode(terminalID))/\(number)"
        var fields: [(String, String)] = []
        for (i, t) in (terminalTotals ?? []).enumerated() {
            fields += [("totals[\(i)][currency]", t.currency.lowercased()), ("totals[\(i)][brand]", t.brand), ("totals[\(i)][type]", t.type),
                       ("totals[\(i)][count]", String(t.count)), ("totals[\(i)][amount]", String(t.amount))]
        }
        // No Idempotency-Key: closing is idempotent per batch number on the gateway, and a retry after a lost answer
        // must not be refused for carrying other totals.
        let answer = try await reaching { try await callRaw(terminalTotals == nil ? .GET : .POST, terminalTotals == nil ? path : path + "/close", fields) }
        try Self.check(answer.status, answer.json, accepting: 200)
        struct Wire: Decodable {
            struct Total: Decodable { var currency: String; var brand: String; var type: String; var count: Int; var amount: Int64 }
            struct Difference: Decodable {
                var currency: String; var brand: String; var type: String
                var terminal_count: Int; var terminal_amount: Int64; var gateway_count: Int; var gateway_amount: Int64
            }
            struct Reconciliation: Decodable { var result: String; var differences: [Difference] }
            var totals: [Total]
            var reconciliation: Reconciliation?
        }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: answer.body) else { throw .rejected("the batch answer could not be read") }
        return GatewayBatch(
            totals: wire.totals.map { BatchTotal(currency: $0.currency.uppercased(), brand: $0.brand, type: $0.type, count: $0.count, amount: $0.amount) },
            reconciliation: wire.reconciliation.map { r in
                BatchReport.Reconciliation(result: r.result, differences: r.differences.map {
                    BatchDifference(currency: $0.currency.uppercased(), brand: $0.brand, type: $0.type, terminalCount: $0.terminal_count,
                                    terminalAmount: $0.terminal_amount, gatewayCount: $0.gateway_count, gatewayAmount: $0.gateway_amount)
                })
            })
    }

    /// A GET of any gateway object, as raw JSON (for QA tools checking what the gateway made: `vtpe scenario`).
    public func get(_ path: String) async throws -> (status: Int, body: Data) {
        try await send(.GET, path, form: "")
    }

    /// A plain API call (form body for POST, query for GET) for the terminal's housekeeping — reader registration
    /// and heartbeats. Answers the HTTP status and the JSON object, or throws when the gateway cannot be reached.
    func call(_ method: HTTPMethod, _ path: String, _ fields: [(String, String)] = [], idempotencyKey: String? = nil) async throws -> (status: Int, json: [String: Any]) {
        let (status, json, _) = try await callRaw(method, path, fields, idempotencyKey: idempotencyKey)
        return (status, json)
    }

    func callRaw(_ method: HTTPMethod, _ path: String, _ fields: [(String, String)] = [], idempotencyKey: String? = nil,
                 timeout: TimeAmount? = nil) async throws -> (status: Int, json: [String: Any], body: Data) {
        try await callRaw(method, path, form: Self.formEncoded(fields), idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// One request, its answer parsed as a JSON object too.
    func callRaw(_ method: HTTPMethod, _ path: String, form: String, idempotencyKey: String? = nil,
                 timeout: TimeAmount? = nil) async throws -> (status: Int, json: [String: Any], body: Data) {
        let (status, data) = try await send(method, path, form: form, idempotencyKey: idempotencyKey, timeout: timeout)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (status, json, data)
    }

    /// One request through the emulated network: `form` is the query (GET) or the body (POST), already encoded;
    /// `timeout` replaces the client's (a long poll waits longer than an authorization may). The body is left to
    /// the caller (payments decode it into their answer: parsing it as a dictionary first cost 3 % of a sale).
    func send(_ method: HTTPMethod, _ path: String, form: String, idempotencyKey: String? = nil,
              timeout: TimeAmount? = nil) async throws -> (status: Int, body: Data) {
        var http = HTTPClientRequest(url: baseURL + path + (method == .GET && !form.isEmpty ? "?" + form : ""))
        http.method = method
        http.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        http.headers.add(name: "User-Agent", value: "vtpe-terminal/0.1")
        if let idempotencyKey { http.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if method == .POST {
            http.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            http.body = .bytes(ByteBuffer(string: form))
        }
        let (client, timeout, request) = (self.client, timeout ?? self.timeout, http)
        let execute: @Sendable () async throws -> (Int, Data) = {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        }
        return if let link { try await link.transmit(timeout: .nanoseconds(timeout.nanoseconds), execute) } else { try await execute() }
    }

    /// Never connected (refused, or the connection timed out): the request cannot have arrived.
    private static let refused = GatewayFailure.unreachable("connection refused")
    /// The emulated network is down: the request never left.
    private static let networkDown = GatewayFailure.unreachable("network down")

    /// Whether the request provably never reached the gateway (so nothing needs asking about).
    private static func neverArrived(_ failure: GatewayFailure) -> Bool { failure == refused || failure == networkDown }

    /// What went wrong, as the terminal shows it. Only a refused connection proves the request never arrived.
    private static func failure(_ error: any Error) -> GatewayFailure {
        if let e = error as? NetworkLink.Failure { return e == .down ? networkDown : .timeout }
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout { return .timeout }
            if e == .connectTimeout { return refused }
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return refused }
        return .unreachable(String(text.prefix(120)))
    }

    private struct Envelope: Decodable {
        struct Charge: Decodable {
            struct Details: Decodable {
                struct CardPresent: Decodable { var authorization_code: String?; var emv_auth_data: String? }
                var card_present: CardPresent?
            }
            var payment_method_details: Details?
        }
        struct ErrorBody: Decodable {
            struct Intent: Decodable { var id: String }
            var type: String?
            var code: String?
            var decline_code: String?
            var message: String?
            var payment_intent: Intent?
        }
        var id: String?
        var object: String?
        var status: String?
        var latest_charge: Charge?
        var error: ErrorBody?
    }

    /// Maps a gateway response to an answer (exposed for tests).
    static func interpret(status: Int, body: Data) -> GatewayAnswer {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: body) else {
            return GatewayAnswer(result: .failed(.rejected("HTTP \(status) with a body that is not a payment intent")))
        }
        let emv = envelope.latest_charge?.payment_method_details?.card_present?.emv_auth_data
            .flatMap(HexCoding.decode).flatMap { try? BERTLV.decode($0) } ?? []
        return GatewayAnswer(result: result(status: status, envelope), issuerResponse: emv)
    }

    private static func result(status: Int, _ envelope: Envelope) -> AuthorizationResult {
        if let error = envelope.error {
            let message = error.message ?? "HTTP \(status)"
            switch status {
            case 402:
                let code = error.decline_code.flatMap(DeclineCode.init(rawValue:))
                    ?? error.code.flatMap(DeclineCode.init(rawValue:)) ?? .genericDecline
                return .declined(code, message: message, paymentIntentID: error.payment_intent?.id)
            case 401, 403:
                return .failed(.unauthorized(message))
            default:
                return .failed(.rejected(message))
            }
        }
        guard (200..<300).contains(status), let id = envelope.id else {
            return .failed(.rejected("HTTP \(status)"))
        }
        if envelope.object == "refund" {
            return ["succeeded", "pending"].contains(envelope.status ?? "") ? .approved(paymentIntentID: id, authorizationCode: nil)
                : .failed(.rejected("refund \(id) ended in status \(envelope.status ?? "unknown")"))
        }
        switch envelope.status {
        case "succeeded", "requires_capture":
            return .approved(paymentIntentID: id, authorizationCode: envelope.latest_charge?.payment_method_details?.card_present?.authorization_code)
        default:
            return .failed(.rejected("payment intent \(id) ended in status \(envelope.status ?? "unknown")"))
        }
    }
}
