import Foundation
import PaymentCore

extension CardProfile {
    /// The profiles bundled with the EMV module (`Resources/card-profiles.json`), in file order. The file ships with
    /// the module, so failing to load it is a programmer error.
    public static let standard: [CardProfile] = {
        guard let url = Bundle.module.url(forResource: "card-profiles", withExtension: "json") else {
            fatalError("EMV's bundled card-profiles.json is missing; check the EMV target's resources.")
        }
        do throws(EMVError) {
            return try load(contentsOf: url)
        } catch {
            fatalError("EMV's bundled card-profiles.json is invalid: \(error)")
        }
    }()

    /// The standard profile with this name.
    public static func standard(named name: String) -> CardProfile? {
        standard.first { $0.name == name }
    }

    /// Reads a profile file; errors name the file, the profile's index and the field.
    public static func load(contentsOf url: URL) throws(EMVError) -> [CardProfile] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EMVError(.invalidProfile, "Cannot read the card profiles at \(url.path): \(error.localizedDescription)", location: url.lastPathComponent)
        }
        return try load(jsonData: data, source: url.lastPathComponent)
    }

    /// Parses `{"profiles": [...]}`; `source` (a file name) starts every error location, e.g.
    /// "card-profiles.json: profiles[3].cvm_list.rules[1].method".
    public static func load(jsonData: Data, source: String = "card profiles") throws(EMVError) -> [CardProfile] {
        let file: ProfileFile
        do {
            file = try JSONDecoder().decode(ProfileFile.self, from: jsonData)
        } catch let error as DecodingError {
            throw describe(error, source: source)
        } catch {
            throw EMVError(.invalidProfile, "The card profiles are not valid JSON: \(error.localizedDescription)", location: source)
        }
        var profiles: [CardProfile] = []
        var names: Set<String> = []
        for (index, entry) in file.profiles.enumerated() {
            do throws(EMVError) {
                let profile = try entry.profile().validated()
                guard names.insert(profile.name).inserted else {
                    throw EMVError(.invalidProfile, "Two profiles are named \"\(profile.name)\"; names must be unique.", location: "name")
                }
                profiles.append(profile)
            } catch {
                throw EMVError(.invalidProfile, error.message, location: "\(source): profiles[\(index)].\(error.location ?? "")")
            }
        }
        return profiles
    }

    private static func describe(_ error: DecodingError, source: String) -> EMVError {
        let path = codingPathDescription
        switch error {
        case .keyNotFound(let key, let context):
            return EMVError(.invalidProfile, "A card profile is missing the required field \"\(key.stringValue)\".", location: "\(source): \(path(context.codingPath + [key]))")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return EMVError(.invalidProfile, "A card profile field has the wrong type: \(context.debugDescription)", location: "\(source): \(path(context.codingPath))")
        case .dataCorrupted(let context):
            return EMVError(.invalidProfile, "The card profiles are not valid JSON: \(context.debugDescription)", location: "\(source): \(path(context.codingPath))")
        @unknown default:
            return EMVError(.invalidProfile, "The card profiles could not be decoded.", location: source)
        }
    }
}

/// The JSON layout of card-profiles.json.
private struct ProfileFile: Decodable {
    var profiles: [Entry]

    struct Entry: Decodable {
        var name: String
        var summary: String?
        var scheme: String
        var product: String?
        var testCard: String?
        var pan: String
        var psn: Int?
        var expiry: String
        var effective: String?
        var serviceCode: String
        var cardholderName: String?
        var issuerCountry: Int?
        var currency: String?
        var interfaces: [String]
        var applications: [ApplicationEntry]
        var pin: String?
        var pinTryLimit: Int?
        var pinTriesRemaining: Int?
        var cvmList: CVMListEntry
        var iac: IACEntry
        var auc: String?
        var risk: RiskEntry?
        var contactlessSCA: SCAEntry?
        var atc: Int?
        var cdcvm: Bool?
        var cardBlocked: Bool?
        var pdol: String?
        var cdol1: String?
        var cdol2: String?
        var applicationVersion: String?

        enum CodingKeys: String, CodingKey {
            case name, summary, scheme, product, pan, psn, expiry, effective, currency, interfaces, applications, pin, iac, auc, risk, atc, cdcvm
            case pdol, cdol1, cdol2
            case testCard = "test_card"
            case serviceCode = "service_code"
            case cardholderName = "cardholder_name"
            case issuerCountry = "issuer_country"
            case pinTryLimit = "pin_try_limit"
            case pinTriesRemaining = "pin_tries_remaining"
            case cvmList = "cvm_list"
            case cardBlocked = "card_blocked"
            case applicationVersion = "application_version"
            case contactlessSCA = "contactless_sca"
        }

        func profile() throws(EMVError) -> CardProfile {
            func fail(_ field: String, _ message: String) -> EMVError {
                EMVError(.invalidProfile, "Card profile \"\(name)\": \(message)", location: field)
            }
            func hex(_ text: String, field: String, count: Int? = nil) throws(EMVError) -> [UInt8] {
                guard let bytes = HexCoding.decode(text), count.map({ bytes.count == $0 }) ?? true else {
                    throw fail(field, "expected \(count.map { "\($0) bytes of " } ?? "")hex, e.g. \"0010000000\".")
                }
                return bytes
            }
            func dol(_ text: String?, field: String) throws(EMVError) -> DOL? {
                guard let text else { return nil }
                let bytes = try hex(text, field: field)
                do throws(PaymentCoreError) {
                    return try DOL(parsing: bytes)
                } catch {
                    throw fail(field, "not a data object list: \(error.message)")
                }
            }
            func tvr(_ text: String, field: String) throws(EMVError) -> TerminalVerificationResults {
                guard let value = TerminalVerificationResults(hex: text) else { throw fail(field, "an issuer action code is 5 bytes of hex.") }
                return value
            }
            guard let scheme = CardProfile.Scheme(rawValue: scheme) else {
                throw fail("scheme", "\"\(scheme)\" is not a scheme; use visa or mastercard.")
            }
            let product: CardProfile.Product
            if let name = self.product {
                guard let value = CardProfile.Product(rawValue: name) else { throw fail("product", "use credit, debit or prepaid.") }
                product = value
            } else {
                product = .credit
            }
            let pan: PAN
            let expiry: Expiry
            let effective: Expiry?
            let serviceCode: ServiceCode
            let currency: Currency
            do throws(PaymentCoreError) { pan = try PAN(self.pan) } catch { throw fail("pan", error.message) }
            do throws(PaymentCoreError) { expiry = try Expiry(yymm: self.expiry) } catch { throw fail("expiry", error.message) }
            do throws(PaymentCoreError) { effective = try self.effective.map { text throws(PaymentCoreError) in try Expiry(yymm: text) } } catch {
                throw fail("effective", error.message)
            }
            do throws(PaymentCoreError) { serviceCode = try ServiceCode(self.serviceCode) } catch { throw fail("service_code", error.message) }
            do throws(PaymentCoreError) { currency = try Currency(code: self.currency ?? "USD") } catch { throw fail("currency", error.message) }
            if let testCard {
                guard let card = TestCardCatalog.standard.card(named: testCard) else {
                    throw fail("test_card", "\"\(testCard)\" is not a card of PaymentCore's test-card catalog.")
                }
                guard card.hasNumber(pan.revealDigits()) else {
                    throw fail("test_card", "test card \"\(testCard)\" has another number than \(pan.masked).")
                }
            }
            guard (0...99).contains(psn ?? 1) else { throw fail("psn", "the PAN sequence number is 0–99.") }
            var interfaces: Set<CardInterface> = []
            for (index, text) in self.interfaces.enumerated() {
                guard let interface = CardInterface(rawValue: text) else {
                    throw fail("interfaces[\(index)]", "\"\(text)\" is not an interface; use contact or contactless.")
                }
                interfaces.insert(interface)
            }
            var applications: [CardProfile.Application] = []
            for (index, entry) in self.applications.enumerated() {
                guard (0...255).contains(entry.priority ?? 0) else { throw fail("applications[\(index)].priority", "the priority is one byte.") }
                applications.append(CardProfile.Application(
                    aid: try hex(entry.aid, field: "applications[\(index)].aid"),
                    label: entry.label,
                    priority: UInt8(entry.priority ?? 0)
                ))
            }
            var pinEntry: PINEntry?
            if let pin {
                do throws(EMVError) { pinEntry = try PINEntry(pin) } catch { throw fail("pin", "a PIN is 4 to 12 digits.") }
            }
            var rules: [CVMRule] = []
            for (index, rule) in cvmList.rules.enumerated() {
                guard let method = CVMethod.profileNames[rule.method] else {
                    throw fail("cvm_list.rules[\(index)].method", "\"\(rule.method)\" is not a CVM; use one of \(CVMethod.profileNames.keys.sorted().joined(separator: ", ")).")
                }
                guard let condition = CVMCondition.profileNames[rule.condition] else {
                    throw fail(
                        "cvm_list.rules[\(index)].condition",
                        "\"\(rule.condition)\" is not a condition; use one of \(CVMCondition.profileNames.keys.sorted().joined(separator: ", "))."
                    )
                }
                guard ["next", "fail"].contains(rule.onFailure) else {
                    throw fail("cvm_list.rules[\(index)].on_failure", "use next (try the next rule) or fail.")
                }
                rules.append(CVMRule(method: method, condition: condition, applySucceedingRuleIfUnsuccessful: rule.onFailure == "next"))
            }
            guard (0...Int(UInt32.max)).contains(cvmList.x ?? 0), (0...Int(UInt32.max)).contains(cvmList.y ?? 0) else {
                throw fail("cvm_list", "amounts X and Y are 0 to 4294967295 minor units.")
            }
            guard (0...Int(UInt16.max)).contains(atc ?? 0) else { throw fail("atc", "the ATC is 0–65535.") }
            return CardProfile(
                name: name,
                summary: summary ?? "",
                scheme: scheme,
                product: product,
                testCardName: testCard,
                pan: pan,
                psn: UInt8(psn ?? 1),
                expiry: expiry,
                effective: effective,
                serviceCode: serviceCode,
                cardholderName: cardholderName ?? "TEST/CARDHOLDER",
                issuerCountryCode: issuerCountry ?? 840,
                currency: currency,
                interfaces: interfaces,
                applications: applications,
                pin: pinEntry,
                pinTryLimit: pinTryLimit ?? 3,
                pinTriesRemaining: pinTriesRemaining ?? pinTryLimit ?? 3,
                cvmList: CVMList(amountX: UInt32(cvmList.x ?? 0), amountY: UInt32(cvmList.y ?? 0), rules: rules),
                issuerActionCodes: CardProfile.IssuerActionCodes(
                    denial: try tvr(iac.denial, field: "iac.denial"),
                    online: try tvr(iac.online, field: "iac.online"),
                    default: try tvr(iac.default, field: "iac.default")
                ),
                applicationUsageControl: try hex(auc ?? "FF00", field: "auc", count: 2),
                riskManagement: CardProfile.RiskManagement(
                    lowerConsecutiveOfflineLimit: risk?.lowerConsecutiveOfflineLimit ?? 0,
                    upperConsecutiveOfflineLimit: risk?.upperConsecutiveOfflineLimit ?? 0,
                    alwaysDeclines: risk?.alwaysDeclines ?? false
                ),
                contactlessSCA: contactlessSCA.map {
                    CardProfile.ContactlessSCA(cumulativeAmountLimit: $0.cumulativeAmount, consecutiveTransactionLimit: $0.consecutiveTransactions)
                },
                initialATC: UInt16(atc ?? 0),
                supportsCDCVM: cdcvm ?? false,
                cardBlocked: cardBlocked ?? false,
                pdol: try dol(pdol, field: "pdol"),
                cdol1: try dol(cdol1, field: "cdol1"),
                cdol2: try dol(cdol2, field: "cdol2"),
                applicationVersion: try applicationVersion.map { text throws(EMVError) in try hex(text, field: "application_version", count: 2) }
            )
        }
    }

    struct ApplicationEntry: Decodable {
        var aid: String
        var label: String
        var priority: Int?
    }

    struct CVMListEntry: Decodable {
        var x: Int?
        var y: Int?
        var rules: [RuleEntry]
    }

    struct RuleEntry: Decodable {
        var method: String
        var condition: String
        var onFailure: String

        enum CodingKeys: String, CodingKey {
            case method, condition
            case onFailure = "on_failure"
        }
    }

    struct IACEntry: Decodable {
        var denial: String
        var online: String
        var `default`: String
    }

    struct RiskEntry: Decodable {
        var lowerConsecutiveOfflineLimit: Int?
        var upperConsecutiveOfflineLimit: Int?
        var alwaysDeclines: Bool?

        enum CodingKeys: String, CodingKey {
            case lowerConsecutiveOfflineLimit = "lower_consecutive_offline_limit"
            case upperConsecutiveOfflineLimit = "upper_consecutive_offline_limit"
            case alwaysDeclines = "always_declines"
        }
    }

    struct SCAEntry: Decodable {
        var cumulativeAmount: Int64
        var consecutiveTransactions: Int

        enum CodingKeys: String, CodingKey {
            case cumulativeAmount = "cumulative_amount"
            case consecutiveTransactions = "consecutive_transactions"
        }
    }
}
