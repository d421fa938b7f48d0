import EMV
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PaymentCore
import PaymentCrypto
import Testing
@testable import Gateway

/// A terminal as the tests play it: a reader with keys loaded by the gateway, a virtual card run through the real
/// kernel, and the card-present confirm of docs/api.md (DE55, DUKPT-enciphered track 2 and PIN block).
final class TestChipTerminal: @unchecked Sendable {
    let client: any TestClientProtocol
    let readerID: String
    let initialKey: SymmetricKey
    // Touched by one test task at a time (the kernel calls back in sequence); the lock keeps it honest.
    private let lock = NSLock()
    private var state: (ksn: DUKPTSerialNumber, form: String, response: [String: Any], status: Int)
    var ksn: DUKPTSerialNumber { lock.withLock { state.ksn } }
    /// The last confirm body sent and the gateway's answer.
    var lastForm: String { lock.withLock { state.form } }
    var lastResponse: [String: Any] { lock.withLock { state.response } }
    var lastStatus: Int { lock.withLock { state.status } }

    init(client: any TestClientProtocol, readerID: String, injection: [String: Any]) throws {
        self.client = client
        self.readerID = readerID
        initialKey = try SymmetricKey(hex: injection["initial_key"] as! String)
        state = (try DUKPTSerialNumber(hex: injection["initial_ksn"] as! String), "", [:], 0)
    }

    static func make(_ client: any TestClientProtocol, scheme: String = "aes_dukpt", location: String? = nil) async throws -> TestChipTerminal {
        let loc: String
        if let location { loc = location } else {
            loc = try await client.post("/v1/terminal/locations", "display_name=Shop&address[country]=US").json["id"] as! String
        }
        let reader = try await client.post("/v1/terminal/readers", "registration_code=vtpe-countertop-\(UUID().uuidString.prefix(8))&location=\(loc)").json["id"] as! String
        return try await loading(client, readerID: reader, scheme: scheme)
    }

    /// Keys for a reader registered already.
    static func loading(_ client: any TestClientProtocol, readerID: String, scheme: String = "aes_dukpt") async throws -> TestChipTerminal {
        let injection = try await client.post("/v1/terminal/readers/\(readerID)/vtpe_key_injection", "key_scheme=\(scheme)")
        #expect(injection.status == .ok)
        return try TestChipTerminal(client: client, readerID: readerID, injection: injection.json)
    }

    /// A swipe: only the enciphered track 2.
    func swipeForm(_ track: Track2, amount: Int64, currency: String = "usd") throws -> String {
        let keys = try nextKeys()
        return [
            "amount=\(amount)", "currency=\(currency)", "confirm=true", "payment_method_types[]=card_present", "expand[]=latest_charge",
            "payment_method_data[type]=card_present",
            "payment_method_data[card_present][vtpe_read_method]=magnetic_stripe_track2",
            "payment_method_data[card_present][vtpe_ksn]=\(keys.ksn.hex)",
            "payment_method_data[card_present][vtpe_encrypted_track2]=\(HexCoding.encode(try keys.encipher(track2: track)))",
        ].joined(separator: "&")
    }

    func nextKeys() throws -> DUKPTTransactionKeys {
        let next = try ksn.next()
        lock.withLock { state.ksn = next }
        return try DUKPTTransactionKeys(initialKey: initialKey, ksn: next)
    }

    /// The confirm form for one online request (`tamper` changes the DE55 objects before they leave).
    func form(_ request: OnlineRequest, readMethod: String, amount: Int64, intent: String? = nil, tamper: ([TLV]) -> [TLV] = { $0 }) throws -> String {
        let fields = (intent != nil ? ["expand[]=latest_charge"] : [
            "amount=\(amount)", "currency=usd", "confirm=true", "payment_method_types[]=card_present", "expand[]=latest_charge",
        ]) + ["payment_method_data[type]=card_present"]
        return (fields + (try cardPresentFields(request, readMethod: readMethod, tamper: tamper))).joined(separator: "&")
    }

    /// The card-present fields of docs/api.md under `prefix` (`payment_method_data[card_present]` for a payment,
    /// `vtpe_card_present` for a refund, which takes no PIN block).
    func cardPresentFields(_ request: OnlineRequest, readMethod: String, prefix: String = "payment_method_data[card_present]",
                           withPIN: Bool = true, tamper: ([TLV]) -> [TLV] = { $0 }) throws -> [String] {
        let keys = try nextKeys()
        var rng = SystemRandomNumberGenerator()
        let track2 = try #require(request.track2)
        let de55 = tamper(request.tlv.filter { $0.tag != .track2Equivalent })
        var fields = [
            "\(prefix)[vtpe_read_method]=\(readMethod)",
            "\(prefix)[vtpe_ksn]=\(keys.ksn.hex)",
            "\(prefix)[vtpe_encrypted_track2]=\(HexCoding.encode(try keys.encipher(track2: track2)))",
            "\(prefix)[vtpe_emv_data]=\(HexCoding.encode(BERTLV.encode(de55)))",
        ]
        if withPIN, let pin = request.onlinePIN {
            let block = try keys.encipherPIN(pin.revealDigits(), pan: request.pan, random: &rng)
            fields.append("\(prefix)[vtpe_encrypted_pin_block]=\(HexCoding.encode(block))")
        }
        return fields
    }

    func send(_ form: String, intent: String? = nil, idempotencyKey: String = UUID().uuidString) async throws -> OnlineResponse {
        lock.withLock { state.form = form }
        let path = intent.map { "/v1/payment_intents/\($0)/confirm" } ?? "/v1/payment_intents"
        let response = try await client.post(path, form, headers: [HTTPField.Name("Idempotency-Key")!: idempotencyKey])
        let json = response.json
        lock.withLock { state.response = json; state.status = Int(response.status.code) }
        return Self.onlineResponse(json)
    }

    /// The kernel's view of the answer: the charge's emv_auth_data (8A, 91), or the decline's response code.
    static func onlineResponse(_ json: [String: Any]) -> OnlineResponse {
        if let error = json["error"] as? [String: Any] {
            let code = (error["decline_code"] as? String).flatMap(DeclineCode.init(rawValue:)) ?? .genericDecline
            return .received(authorisationResponseCode: code.isoResponseCode, issuerAuthenticationData: nil)
        }
        let details = ((json["latest_charge"] as? [String: Any])?["payment_method_details"] as? [String: Any])?["card_present"] as? [String: Any]
        guard let hex = details?["emv_auth_data"] as? String, let bytes = HexCoding.decode(hex),
              let objects = try? BERTLV.decode(bytes),
              let arc = objects.first(where: { $0.tag == .authorisationResponseCode }) else { return .unableToGoOnline }
        return .received(authorisationResponseCode: String(decoding: arc.value, as: UTF8.self),
                         issuerAuthenticationData: objects.first { $0.tag == .issuerAuthenticationData }?.value)
    }

    /// Runs `profile` through the kernel for `amount` (USD cents) and authorizes online through the gateway.
    /// `configuration` is the terminal's (its AIDs), `chooseApplication` the cardholder choosing among them.
    func run(_ profile: String, amount: Int64, currency: Currency = .usd, interface: CardInterface = .contact, pin: String = "1234", intent: String? = nil,
             card: VirtualCardChannel? = nil, configuration: TerminalConfiguration = .standard,
             tamper: @escaping @Sendable ([TLV]) -> [TLV] = { $0 },
             formTamper: @escaping @Sendable (String) -> String = { $0 },
             chooseApplication: @escaping KernelRunner.ApplicationChooser = { _ in 0 }) async throws -> KernelOutcome {
        let cardProfile = try #require(CardProfile.standard(named: profile))
        let channel = card ?? VirtualCardChannel(card: VirtualCard(profile: cardProfile), interface: interface)
        let runner = KernelRunner(
            configuration: configuration, channel: channel, chooseApplication: chooseApplication,
            readPIN: { _ in try? PINEntry(pin) },
            authorize: { request in
                do {
                    let form = try self.form(request, readMethod: interface == .contact ? "contact_emv" : "contactless_emv", amount: amount,
                                             intent: intent, tamper: tamper)
                    return try await self.send(formTamper(form), intent: intent)
                } catch {
                    return .unableToGoOnline
                }
            })
        let date = try TransactionDate(Date())
        return await runner.run(Transaction(amount: Money(minorUnits: amount, currency: currency), date: date,
                                            unpredictableNumber: UInt32.random(in: 0...UInt32.max), entryMode: interface))
    }

    var declineCode: String? { (lastResponse["error"] as? [String: Any])?["decline_code"] as? String }
    var cardPresent: [String: Any]? {
        ((lastResponse["latest_charge"] as? [String: Any])?["payment_method_details"] as? [String: Any])?["card_present"] as? [String: Any]
    }
}

/// Card-present authorization: the issuer deciphers track 2 and the PIN under the location's DUKPT keys, verifies the
/// ARQC and answers with an ARPC the virtual card accepts; tampering, replays and wrong PINs decline.
@Suite struct CardPresentTests {
    @Test(arguments: StoreEngine.all) func chipSaleApprovedWithIssuerAuthentication(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            for scheme in ["aes_dukpt", "tdes_dukpt"] {
                let terminal = try await TestChipTerminal.make(client, scheme: scheme)
                let outcome = try await terminal.run("visa_credit", amount: 2000)
                // approvedOnline for contact means the card checked the ARPC and answered the second GENERATE AC with a TC.
                #expect(outcome.decision == .approvedOnline, "\(scheme): \(outcome)")
                #expect(!outcome.tvr.contains(.issuerAuthenticationFailed))
                let details = try #require(terminal.cardPresent)
                #expect(details["read_method"] as? String == "contact_emv")
                #expect(details["last4"] as? String == "4242" && details["brand"] as? String == "visa")
                let auth = try #require(details["emv_auth_data"] as? String)
                #expect(auth.hasPrefix("8A023030910A"), "ARC 00 then 10 bytes of ARPC ‖ ARC: \(auth)")
                let receipt = try #require(details["receipt"] as? [String: Any])
                #expect(receipt["dedicated_file_name"] as? String == "A0000000031010")
                #expect(receipt["cardholder_verification_method"] as? String == "online_pin")
                #expect(receipt["authorization_response_code"] as? String == "3030")
                #expect((receipt["application_cryptogram"] as? String)?.count == 16)
                #expect((receipt["terminal_verification_results"] as? String)?.count == 10)
                #expect(terminal.lastResponse["status"] as? String == "succeeded")
            }
        }
    }

    @Test func contactlessTapNeedsNoSecondGenerateAC() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let outcome = try await terminal.run("mastercard_contactless_only", amount: 1500, interface: .contactless)
            #expect(outcome.decision == .approvedOnline)
            #expect(terminal.cardPresent?["read_method"] as? String == "contactless_emv")
        }
    }

    @Test func wrongOnlinePINDeclinesIncorrectPIN() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let outcome = try await terminal.run("online_pin", amount: 2000, pin: "9999")
            #expect(outcome.decision == .declinedOnline)
            #expect(terminal.lastStatus == 402)
            #expect(terminal.declineCode == "incorrect_pin")
            #expect(outcome.authorisationResponseCode == "55")
        }
    }

    @Test func flippedCryptogramBitIsASecurityViolation() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let outcome = try await terminal.run("visa_credit", amount: 2000) { objects in
                objects.map { $0.tag == .applicationCryptogram ? TLV(tag: $0.tag, value: [$0.value[0] ^ 0x01] + $0.value.dropFirst()) : $0 }
            }
            #expect(terminal.declineCode == "security_violation")
            #expect(outcome.decision == .declinedOnline)
            // Changing the amount the cryptogram covers is caught the same way.
            _ = try await terminal.run("visa_credit", amount: 2000) { objects in
                objects.map { $0.tag == .amountAuthorised ? TLV(tag: $0.tag, value: [0, 0, 0, 0, 0x01, 0x00]) : $0 }
            }
            #expect(terminal.declineCode == "security_violation")
        }
    }

    /// A real card tapped on a real reader: its cryptogram is its issuer's, not ours. Declined as a foreign card
    /// (`card_not_supported`), not as tampering, and nothing breaks.
    @Test func aForeignCardIsDeclinedAsNotSupported() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let pan = try PAN("4111111111111111") // a valid number outside the test catalog
            let foreign = CardProfile.virtualCard(for: pan, name: "foreign", expiry: try Expiry(month: 12, year: 2031))
            let channel = VirtualCardChannel(card: VirtualCard(profile: foreign), interface: .contact)
            // Our virtual card of that number would verify: another issuer's key is a cryptogram we cannot check.
            let outcome = try await terminal.run("visa_credit", amount: 2000, card: channel) { objects in
                objects.map { $0.tag == .applicationCryptogram ? TLV(tag: $0.tag, value: $0.value.map { $0 ^ 0x5A }) : $0 }
            }
            #expect(terminal.lastStatus == 402)
            #expect(terminal.declineCode == "card_not_supported")
            #expect(outcome.decision == .declinedOnline)
        }
    }

    @Test(arguments: StoreEngine.all) func replayedCryptogramWithANewIdempotencyKeyIsDeclined(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let outcome = try await terminal.run("visa_credit", amount: 2000)
            #expect(outcome.decision == .approvedOnline)
            let form = terminal.lastForm
            // The same request again under a new key: same ATC, same ARQC — a replay.
            _ = try await terminal.send(form)
            #expect(terminal.lastStatus == 402)
            #expect(terminal.declineCode == "duplicate_transaction")
            // The next real transaction of the card (ATC + 1) is fine.
            #expect(try await terminal.run("visa_credit", amount: 2000).decision == .approvedOnline)
        }
    }

    @Test func sameIdempotencyKeyReplaysTheAnswerInsteadOfDeclining() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let channel = VirtualCardChannel(card: VirtualCard(profile: CardProfile.standard(named: "visa_credit")!), interface: .contact)
            _ = try await terminal.run("visa_credit", amount: 2000, card: channel)
            let form = terminal.lastForm
            let first = try await client.post("/v1/payment_intents", form, headers: [HTTPField.Name("Idempotency-Key")!: "T1-000001"])
            let again = try await client.post("/v1/payment_intents", form, headers: [HTTPField.Name("Idempotency-Key")!: "T1-000001"])
            #expect(first.status.code == 402) // the cryptogram was used by the run above
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(String(buffer: first.body) == String(buffer: again.body))
        }
    }

    @Test(arguments: [(201, "call_issuer", "01"), (205, "generic_decline", "05"), (255, "incorrect_pin", "55"),
                      (265, "withdrawal_count_limit_exceeded", "65"), (275, "pin_try_exceeded", "75")])
    func cardPresentTestAmounts(amount: Int64, code: String, arc: String) async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let outcome = try await terminal.run("visa_credit", amount: amount)
            #expect(terminal.declineCode == code)
            #expect(outcome.decision == .declinedOnline)
            #expect(outcome.authorisationResponseCode == arc)
        }
    }

    @Test func catalogDeclinesAndPINCards() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            // The online PIN test card with its PIN: approved by the issuer.
            #expect(try await terminal.run("online_pin", amount: 2000).decision == .approvedOnline)
            #expect(terminal.cardPresent?["receipt"].flatMap { ($0 as? [String: Any])?["cardholder_verification_method"] as? String } == "online_pin")
            // The offline PIN card: the card checks the PIN itself; the issuer approves.
            #expect(try await terminal.run("offline_pin", amount: 6000).decision == .approvedOnline)
            #expect(terminal.cardPresent?["receipt"].flatMap { ($0 as? [String: Any])?["cardholder_verification_method"] as? String } == "offline_pin")
        }
    }

    @Test func badCardPresentRequestsAreNamed() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            _ = try await terminal.run("visa_credit", amount: 2000)
            let good = terminal.lastForm
            func field(_ name: String) -> String {
                good.split(separator: "&").first { $0.contains("[\(name)]=") }.map { String($0.split(separator: "=")[1]) } ?? ""
            }
            func replacing(_ name: String, with value: String) -> String {
                good.split(separator: "&").map { $0.contains("[\(name)]=") ? "payment_method_data[card_present][\(name)]=\(value)" : String($0) }.joined(separator: "&")
            }
            // Clear track 2 inside the DE55 is refused.
            let withTrack = try #require(HexCoding.decode(field("vtpe_emv_data")))
            let leaked = HexCoding.encode(withTrack + BERTLV.encode([TLV(tag: .track2Equivalent, value: [0x42, 0x42, 0xD3])]))
            var r = try await client.post("/v1/payment_intents", replacing("vtpe_emv_data", with: leaked))
            #expect(r.status == .badRequest && r.error["param"] as? String == "payment_method_data[card_present][vtpe_emv_data]")
            #expect((r.error["message"] as? String)?.contains("57") == true)
            // An unknown BDK.
            let ksn = field("vtpe_ksn")
            r = try await client.post("/v1/payment_intents", replacing("vtpe_ksn", with: "00000000" + ksn.dropFirst(8)))
            #expect(r.status == .badRequest && r.error["param"] as? String == "payment_method_data[card_present][vtpe_ksn]")
            r = try await client.post("/v1/payment_intents", replacing("vtpe_ksn", with: "ABC"))
            #expect(r.status == .badRequest && r.error["param"] as? String == "payment_method_data[card_present][vtpe_ksn]")
            // Track 2 under another KSN's key does not decipher.
            let counter = UInt32(ksn.suffix(8), radix: 16)!
            let other = ksn.prefix(16) + String(format: "%08X", counter + 1)
            r = try await client.post("/v1/payment_intents", replacing("vtpe_ksn", with: String(other)))
            #expect(r.status == .badRequest && r.error["param"] as? String == "payment_method_data[card_present][vtpe_encrypted_track2]")
            // A chip read without EMV data.
            r = try await client.post("/v1/payment_intents", good.split(separator: "&").filter { !$0.contains("vtpe_emv_data") }.joined(separator: "&"))
            #expect(r.status == .badRequest && r.error["param"] as? String == "payment_method_data[card_present][vtpe_emv_data]")
            r = try await client.post("/v1/payment_intents", replacing("vtpe_emv_data", with: "ZZ"))
            #expect(r.status == .badRequest && r.error["param"] as? String == "payment_method_data[card_present][vtpe_emv_data]")
        }
    }

    @Test func aDamagedPINBlockIsAnIncorrectPIN() async throws {
        try await withGateway { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let outcome = try await terminal.run("online_pin", amount: 2000, formTamper: { form in
                form.split(separator: "&").map { part -> String in
                    guard part.contains("vtpe_encrypted_pin_block") else { return String(part) }
                    let value = part.split(separator: "=")[1]
                    return "payment_method_data[card_present][vtpe_encrypted_pin_block]=" + (value.first == "0" ? "1" : "0") + value.dropFirst()
                }.joined(separator: "&")
            })
            #expect(terminal.lastForm.contains("vtpe_encrypted_pin_block"))
            #expect(terminal.declineCode == "incorrect_pin")
            #expect(outcome.decision == .declinedOnline)
        }
    }

    @Test(arguments: StoreEngine.all) func swipeWithEncipheredTrack2(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, _, _ in
            let terminal = try await TestChipTerminal.make(client)
            let track = try Track2(parsing: "4242424242424242=3412201000000000")
            let r = try await client.post("/v1/payment_intents", try terminal.swipeForm(track, amount: 1234, currency: "eur"))
            #expect(r.status == .ok)
            #expect(r.json["payment_method_types"] as? [String] == ["card_present"])
            let charge = try #require(r.json["latest_charge"] as? [String: Any])
            let cp = try #require((charge["payment_method_details"] as? [String: Any])?["card_present"] as? [String: Any])
            #expect(cp["read_method"] as? String == "magnetic_stripe_track2" && cp["last4"] as? String == "4242")
            #expect((cp["authorization_code"] as? String)?.count == 6)
            #expect(cp["receipt"] is NSNull && cp["emv_auth_data"] is NSNull)
            // A swipe carrying EMV data is refused, so is a clear track 2 (the interim field of old terminals).
            let clear = try await client.post("/v1/payment_intents", "amount=100&currency=eur&confirm=true&payment_method_data[type]=card_present"
                + "&payment_method_data[card_present][vtpe_track2]=4242424242424242%3D3412201000000000")
            #expect(clear.status == .badRequest)
        }
    }

    @Test func keyInjection() async throws {
        try await withGateway { client, _, _ in
            let location = try await client.post("/v1/terminal/locations", "display_name=Shop&address[country]=US").json["id"] as! String
            let a = try await TestChipTerminal.make(client, location: location)
            let b = try await TestChipTerminal.make(client, location: location)
            let other = try await TestChipTerminal.make(client)
            let (ka, kb, ko) = (a.ksn.hex, b.ksn.hex, other.ksn.hex)
            #expect(ka.count == 24)
            #expect(ka.prefix(8) == kb.prefix(8), "one BDK per location")
            #expect(ka.prefix(16) != kb.prefix(16), "a device ID per reader")
            #expect(ka.prefix(8) != ko.prefix(8), "another location, another BDK")
            let tdes = try await TestChipTerminal.make(client, scheme: "tdes_dukpt", location: location)
            #expect(tdes.ksn.hex.count == 20)
            #expect(tdes.ksn.hex.prefix(8) != ka.prefix(8), "a BDK per scheme")
            let reader = a.readerID
            let injected = try await client.post("/v1/terminal/readers/\(reader)/vtpe_key_injection", "")
            #expect(injected.json["key_scheme"] as? String == "aes_dukpt")
            let key = try SymmetricKey(hex: injected.json["initial_key"] as! String)
            #expect(injected.json["key_check_value"] as? String == (try key.checkValue(.aes)))
            let bad = try await client.post("/v1/terminal/readers/\(reader)/vtpe_key_injection", "key_scheme=des")
            #expect(bad.status == .badRequest && bad.error["param"] as? String == "key_scheme")
            let missing = try await client.post("/v1/terminal/readers/tmr_nope/vtpe_key_injection", "")
            #expect(missing.status == .notFound)
        }
    }

    @Test func noClearCardDataAtRest() async throws {
        try await withGateway { client, _, dir in
            let terminal = try await TestChipTerminal.make(client)
            #expect(try await terminal.run("online_pin", amount: 2000).decision == .approvedOnline)
            let pinForm = terminal.lastForm
            #expect(try await terminal.run("visa_credit", amount: 2000).decision == .approvedOnline)
            var bytes = Data()
            for name in ["gateway.sqlite", "gateway.sqlite-wal"] {
                bytes.append(FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) ?? Data())
            }
            #expect(bytes.count > 10_000)
            let text = String(decoding: bytes, as: UTF8.self)
            for pan in ["4001000360000005", "4242424242424242"] {
                #expect(!text.contains(pan))
                // Track 2 in its EMV form (packed BCD) must not be there either.
                let packed = HexCoding.decode(pan)!
                #expect(bytes.range(of: Data(packed)) == nil)
            }
            // Nor the PIN block (enciphered as sent, or any part of it) or the enciphered track 2.
            for name in ["vtpe_encrypted_pin_block", "vtpe_encrypted_track2"] {
                let hex = try #require(pinForm.split(separator: "&").first { $0.contains(name) }?.split(separator: "=").last.map(String.init))
                #expect(!text.contains(hex) && !text.contains(hex.lowercased()), "\(name) stored")
                #expect(bytes.range(of: Data(HexCoding.decode(hex)!.prefix(8))) == nil, "\(name) stored as bytes")
            }
        }
    }
}

/// The terminal's status inquiry after a lost answer: `GET /v1/vtpe/idempotency_keys/:key`.
@Suite struct StatusInquiryTests {
    @Test(arguments: StoreEngine.all) func answersWhatBecameOfAKey(engine: StoreEngine) async throws {
        try await withGateway(engine) { client, store, _ in
            let unknown = try await client.get("/v1/vtpe/idempotency_keys/T1-000001")
            #expect(unknown.status == .notFound && unknown.error["code"] as? String == "resource_missing")
            let paid = try await client.post("/v1/payment_intents", "amount=700&currency=usd&payment_method=pm_card_visa&confirm=true",
                                             headers: [HTTPField.Name("Idempotency-Key")!: "T1-000001"])
            let done = try await client.get("/v1/vtpe/idempotency_keys/T1-000001")
            #expect(done.status == .ok && done.json["status"] as? String == "completed" && done.json["response_status"] as? Int == 200)
            #expect((done.json["response"] as? [String: Any])?["id"] as? String == paid.json["id"] as? String)
            let declined = try await client.post("/v1/payment_intents", "amount=700&currency=usd&payment_method=pm_card_visa_chargeDeclined&confirm=true",
                                                 headers: [HTTPField.Name("Idempotency-Key")!: "T1-000002"])
            #expect(declined.status.code == 402)
            let failed = try await client.get("/v1/vtpe/idempotency_keys/T1-000002")
            #expect(failed.json["response_status"] as? Int == 402)
            #expect(((failed.json["response"] as? [String: Any])?["error"] as? [String: Any])?["decline_code"] as? String == "generic_decline")
            // A request still running answers in_progress.
            _ = try await store.claimIdempotencyKey("T1-000003", fingerprint: "x", now: Int64(Date().timeIntervalSince1970))
            let running = try await client.get("/v1/vtpe/idempotency_keys/T1-000003")
            #expect(running.json["status"] as? String == "in_progress" && running.json["response"] is NSNull)
        }
    }
}
