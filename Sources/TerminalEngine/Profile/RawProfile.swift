import Foundation
import PaymentCore
import PaymentCrypto
import Yams

/// The YAML shape of a profile, before validation.
struct RawProfile: Decodable {
    struct Display: Decodable { var columns: Int; var rows: Int }
    struct Keypad: Decodable { var keys: [String]?; var touch: Bool? }
    struct Printer: Decodable {
        var columns: Int
        var paperMM: Int?
        enum CodingKeys: String, CodingKey { case columns, paperMM = "paper_mm" }
    }
    struct Limits: Decodable {
        var maxAmount: String
        var floorLimit: String
        var contactlessTransactionLimit: String
        var contactlessCvmLimit: String
        enum CodingKeys: String, CodingKey {
            case maxAmount = "max_amount", floorLimit = "floor_limit"
            case contactlessTransactionLimit = "contactless_transaction_limit", contactlessCvmLimit = "contactless_cvm_limit"
        }
    }
    struct Merchant: Decodable {
        var name: String
        var city: String
        var contractNumber: String?
        enum CodingKeys: String, CodingKey { case name, city, contractNumber = "contract_number" }
    }
    /// `battery: false` for mains power, or the battery's figures.
    enum Battery: Decodable {
        case none
        case battery(capacityMAh: Int, perTransaction: Double, perIdleMinute: Double)
        enum CodingKeys: String, CodingKey { case capacity = "capacity_mah", perTransaction = "drain_per_transaction", perIdle = "drain_per_idle_minute" }
        init(from decoder: any Decoder) throws {
            if let flag = try? decoder.singleValueContainer().decode(Bool.self) {
                guard !flag else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                        debugDescription: "battery is false (mains) or a mapping with capacity_mah, drain_per_transaction and drain_per_idle_minute"))
                }
                self = .none
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self = .battery(capacityMAh: try c.decode(Int.self, forKey: .capacity), perTransaction: try c.decode(Double.self, forKey: .perTransaction),
                            perIdleMinute: try c.decode(Double.self, forKey: .perIdle))
        }
    }
    struct Transactions: Decodable {
        var enabled: [String]?
        var incrementalAuthorization: Bool?
        var unreferencedRefund: Bool?
        enum CodingKeys: String, CodingKey { case enabled, incrementalAuthorization = "incremental_authorization", unreferencedRefund = "unreferenced_refund" }
    }
    struct Tipping: Decodable { var mode: String; var percentages: [Int]? }
    struct Receipt: Decodable {
        var header: [String]?
        var footer: [String]?
        var merchantCopy: String?
        var customerCopy: String?
        var email: Bool?
        enum CodingKeys: String, CodingKey { case header, footer, merchantCopy = "merchant_copy", customerCopy = "customer_copy", email }
    }
    struct EMV: Decodable {
        struct TAC: Decodable { var denial: String; var online: String; var `default`: String }
        struct Contactless: Decodable { var transaction: String; var cvm: String }
        var terminalType: String?
        var terminalCapabilities: String?
        var additionalTerminalCapabilities: String?
        var tac: TAC?
        var applications: [String]?
        var contactlessLimits: [String: Contactless]?
        enum CodingKeys: String, CodingKey {
            case terminalType = "terminal_type", terminalCapabilities = "terminal_capabilities"
            case additionalTerminalCapabilities = "additional_terminal_capabilities", tac, applications, contactlessLimits = "contactless_limits"
        }
    }
    struct Offline: Decodable {
        struct Limit: Decodable {
            var perPayment: String
            var total: String
            enum CodingKeys: String, CodingKey { case perPayment = "per_payment", total }
        }
        var enabled: Bool
        var limits: [String: Limit]?
        var maxCount: Int?
        var maxAgeHours: Double?
        enum CodingKeys: String, CodingKey { case enabled, limits, maxCount = "max_count", maxAgeHours = "max_age_hours" }
    }
    struct Network: Decodable {
        struct Window: Decodable {
            var after: Double
            var duration: Double
            enum CodingKeys: String, CodingKey { case after = "after_s", duration = "for_s" }
        }
        struct Random: Decodable {
            var every: Double
            var duration: Double
            enum CodingKeys: String, CodingKey { case every = "every_s", duration = "for_s" }
        }
        var latencyMS: Int?
        var jitterMS: Int?
        var lossPercent: Double?
        var outages: [Window]?
        var randomOutages: Random?
        var seed: UInt64?
        enum CodingKeys: String, CodingKey {
            case latencyMS = "latency_ms", jitterMS = "jitter_ms", lossPercent = "loss_percent", outages, randomOutages = "random_outages", seed
        }
    }
    struct Firmware: Decodable {
        var version: String
        var kernelVersion: String?
        enum CodingKeys: String, CodingKey { case version, kernelVersion = "kernel_version" }
    }

    var id: String
    var name: String
    var model: String
    var formFactor: FirmwareProfile.FormFactor
    var language: String?
    var display: Display
    var keypad: Keypad?
    var printer: Printer?
    var currency: String
    var country: String
    var interfaces: [FirmwareProfile.CardInterface]
    var connectivity: [String]
    var battery: Battery
    var limits: Limits
    var transactions: Transactions?
    var tipping: Tipping?
    var receipt: Receipt?
    var emv: EMV?
    var merchant: Merchant
    var keyManagement: String?
    var firmware: Firmware?
    var network: Network?
    var offline: Offline?

    enum CodingKeys: String, CodingKey {
        case id, name, model, formFactor = "form_factor", language, display, keypad, printer, currency, country, interfaces
        case connectivity, battery, limits, transactions, tipping, receipt, emv, merchant, keyManagement = "key_management", firmware, network, offline
    }

    /// The applications a profile may name, with their AIDs (partial selection, so longer card AIDs match) and the
    /// application version the terminal supports.
    static let schemes: [(name: String, aid: String, version: String)] = [
        ("cb", "A0000000421010", "0002"), ("cb_debit", "A0000000422010", "0002"),
        ("visa", "A0000000031010", "0096"), ("mastercard", "A0000000041010", "0002"), ("maestro", "A0000000043060", "0002"),
        ("amex", "A00000002501", "0001"), ("discover", "A0000001523010", "0001"), ("jcb", "A0000000651010", "0200"),
        ("unionpay", "A000000333010101", "0030"),
    ]
    static let defaultApplications = ["visa", "mastercard", "maestro", "amex", "discover", "jcb", "unionpay"]
    static let keypadKeys = ["digits", "cancel", "clear", "enter", "menu", "f1", "f2", "f3", "f4"]
    static let connectivityKinds = ["ethernet", "wifi", "4g", "bluetooth", "phone"]

    func validated(_ document: ProfileDocument) throws(ProfileError) -> FirmwareProfile {
        func fail(_ path: [String], _ message: String) -> ProfileError {
            let (file, line) = document.location(of: path)
            return ProfileError(file: file, line: line, message: message)
        }
        func oneOf<T>(_ text: String, _ path: [String], _ allowed: [String], _ make: (String) -> T?) throws(ProfileError) -> T {
            guard let value = make(text) else { throw fail(path, "\(path.joined(separator: ".")) must be one of \(allowed.joined(separator: ", ")), not '\(text)'") }
            return value
        }
        guard id.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) != nil else {
            throw fail(["id"], "id '\(id)' must be lower-case letters, digits and dashes")
        }
        guard (20...200).contains(display.columns), (8...100).contains(display.rows) else {
            throw fail(["display"], "display must be 20–200 columns and 8–100 rows, not \(display.columns)×\(display.rows)")
        }
        if let printer {
            guard [32, 42, 48].contains(printer.columns) else {
                throw fail(["printer", "columns"], "printer columns must be 32 (58 mm paper), 42 (58 mm condensed or 80 mm) or 48 (80 mm), not \(printer.columns)")
            }
            if let mm = printer.paperMM, ![58, 80].contains(mm) { throw fail(["printer", "paper_mm"], "printer.paper_mm must be 58 or 80, not \(mm)") }
        }
        let language = try oneOf(self.language ?? "en", ["language"], FirmwareProfile.Language.allCases.map(\.rawValue)) { FirmwareProfile.Language(rawValue: $0) }
        let cur: Currency
        do { cur = try Currency(code: currency) } catch { throw fail(["currency"], "unknown ISO 4217 currency '\(currency)'") }
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw fail(["country"], "country must be an ISO 3166 alpha-2 code such as FR, not '\(country)'")
        }
        guard FirmwareProfile.numericCountryCodes[country] != nil else {
            throw fail(["country"], "country '\(country)' is not one this terminal knows the ISO 3166 number of (known: \(FirmwareProfile.numericCountryCodes.keys.sorted().joined(separator: " ")))")
        }
        let scheme: DUKPTScheme
        switch keyManagement {
        case nil: scheme = .aes
        case let text?:
            guard let s = DUKPTScheme(rawValue: text) else {
                throw fail(["key_management"], "key_management must be aes_dukpt or tdes_dukpt, not '\(text)'")
            }
            scheme = s
        }
        guard !interfaces.isEmpty else { throw fail(["interfaces"], "a terminal needs at least one card interface") }
        for (i, kind) in connectivity.enumerated() where !Self.connectivityKinds.contains(kind) {
            throw fail(["connectivity", String(i)], "connectivity must be among \(Self.connectivityKinds.joined(separator: ", ")), not '\(kind)'")
        }
        if formFactor == .softpos, interfaces != [.contactless] {
            throw fail(["interfaces"], "a softpos phone reads contactless cards only: interfaces must be [contactless]")
        }
        func money(_ path: [String], _ text: String) throws(ProfileError) -> Money {
            do { return try Money.parse(text, currency: cur) } catch {
                throw fail(path, "\(path.joined(separator: ".")) '\(text)' is not an amount in \(cur.code) (\(error.message))")
            }
        }
        let limits = FirmwareProfile.Limits(
            maxAmount: try money(["limits", "max_amount"], self.limits.maxAmount),
            floorLimit: try money(["limits", "floor_limit"], self.limits.floorLimit),
            contactlessTransactionLimit: try money(["limits", "contactless_transaction_limit"], self.limits.contactlessTransactionLimit),
            contactlessCVMLimit: try money(["limits", "contactless_cvm_limit"], self.limits.contactlessCvmLimit))
        guard limits.maxAmount.minorUnits > 0 else { throw fail(["limits", "max_amount"], "limits.max_amount must be above zero") }
        guard limits.contactlessCVMLimit.minorUnits <= limits.contactlessTransactionLimit.minorUnits else {
            throw fail(["limits", "contactless_cvm_limit"], "limits.contactless_cvm_limit must not exceed limits.contactless_transaction_limit")
        }
        guard limits.contactlessTransactionLimit.minorUnits <= limits.maxAmount.minorUnits else {
            throw fail(["limits", "contactless_transaction_limit"], "limits.contactless_transaction_limit must not exceed limits.max_amount")
        }
        guard !merchant.name.isEmpty else { throw fail(["merchant", "name"], "merchant.name must not be empty") }

        let keypad = FirmwareProfile.Keypad(keys: self.keypad?.keys ?? ["digits", "cancel", "clear", "enter"], touch: self.keypad?.touch ?? false)
        for (i, key) in keypad.keys.enumerated() where !Self.keypadKeys.contains(key) {
            throw fail(["keypad", "keys", String(i)], "keypad.keys must be among \(Self.keypadKeys.joined(separator: ", ")), not '\(key)'")
        }
        guard keypad.touch || ["digits", "cancel", "enter"].allSatisfy(keypad.keys.contains) else {
            throw fail(["keypad", "keys"], "a keypad without a touch screen needs at least digits, cancel and enter")
        }

        let allTypes = FirmwareProfile.TransactionType.allCases.map(\.rawValue)
        var types: [FirmwareProfile.TransactionType] = []
        for (i, name) in (transactions?.enabled ?? allTypes).enumerated() {
            types.append(try oneOf(name, ["transactions", "enabled", String(i)], allTypes) { FirmwareProfile.TransactionType(rawValue: $0) })
        }
        guard types.contains(.sale) else { throw fail(["transactions", "enabled"], "transactions.enabled must include sale") }
        if types.contains(.completion), !types.contains(.preauthorization) {
            throw fail(["transactions", "enabled"], "transactions.enabled has completion without preauthorization")
        }
        let incremental = transactions?.incrementalAuthorization ?? false
        if incremental, !types.contains(.completion) {
            throw fail(["transactions", "incremental_authorization"], "incremental_authorization needs completion among transactions.enabled")
        }
        let unreferenced = transactions?.unreferencedRefund ?? false
        if unreferenced, !types.contains(.refund) {
            throw fail(["transactions", "unreferenced_refund"], "unreferenced_refund needs refund among transactions.enabled")
        }

        let tipMode = try oneOf(tipping?.mode ?? "off", ["tipping", "mode"], FirmwareProfile.TipMode.allCases.map(\.rawValue)) { FirmwareProfile.TipMode(rawValue: $0) }
        let percentages = tipping?.percentages ?? []
        if tipMode == .prompt {
            guard (1...4).contains(percentages.count), percentages.allSatisfy({ (1...100).contains($0) }) else {
                throw fail(["tipping", "percentages"], "tipping.mode prompt needs 1 to 4 percentages between 1 and 100")
            }
        }

        let copies = FirmwareProfile.CopyPolicy.allCases.map(\.rawValue)
        let receipt = FirmwareProfile.ReceiptSettings(
            header: self.receipt?.header ?? [merchant.name, merchant.city],
            footer: self.receipt?.footer ?? [],
            merchantCopy: try oneOf(self.receipt?.merchantCopy ?? "always", ["receipt", "merchant_copy"], copies) { FirmwareProfile.CopyPolicy(rawValue: $0) },
            customerCopy: try oneOf(self.receipt?.customerCopy ?? "always", ["receipt", "customer_copy"], copies) { FirmwareProfile.CopyPolicy(rawValue: $0) },
            email: self.receipt?.email ?? (printer == nil))
        let width = printer?.columns ?? 32
        for (field, lines) in [("header", receipt.header), ("footer", receipt.footer)] {
            if let (i, line) = lines.enumerated().first(where: { $0.element.count > width }) {
                throw fail(["receipt", field, String(i)], "receipt.\(field) line '\(line.prefix(20))…' is \(line.count) characters; the paper is \(width) wide")
            }
        }

        func hex(_ path: [String], _ text: String?, bytes: Int) throws(ProfileError) -> [UInt8]? {
            guard let text else { return nil }
            guard let value = HexCoding.decode(text), value.count == bytes else {
                throw fail(path, "\(path.joined(separator: ".")) must be \(bytes * 2) hex digits, not '\(text)'")
            }
            return value
        }
        let emvPath = ["emv"]
        let terminalType = try hex(emvPath + ["terminal_type"], emv?.terminalType, bytes: 1)?.first ?? 0x22
        let tac: (denial: [UInt8], online: [UInt8], default: [UInt8])? = if let t = emv?.tac {
            (try hex(emvPath + ["tac", "denial"], t.denial, bytes: 5)!, try hex(emvPath + ["tac", "online"], t.online, bytes: 5)!,
             try hex(emvPath + ["tac", "default"], t.default, bytes: 5)!)
        } else { nil }
        let applications = emv?.applications ?? Self.defaultApplications
        let schemeNames = Self.schemes.map(\.name)
        for (i, app) in applications.enumerated() where !schemeNames.contains(app) {
            throw fail(emvPath + ["applications", String(i)], "emv.applications must be among \(schemeNames.joined(separator: ", ")), not '\(app)'")
        }
        var contactless: [String: FirmwareProfile.ContactlessLimits] = [:]
        for (code, entry) in emv?.contactlessLimits ?? [:] {
            let path = emvPath + ["contactless_limits", code]
            let c: Currency
            do { c = try Currency(code: code) } catch { throw fail(path, "emv.contactless_limits: unknown ISO 4217 currency '\(code)'") }
            func amount(_ key: String, _ text: String) throws(ProfileError) -> Money {
                do { return try Money.parse(text, currency: c) } catch { throw fail(path + [key], "emv.contactless_limits.\(code).\(key) '\(text)' is not an amount in \(code)") }
            }
            let limits = FirmwareProfile.ContactlessLimits(transaction: try amount("transaction", entry.transaction), cvm: try amount("cvm", entry.cvm))
            guard limits.cvm.minorUnits <= limits.transaction.minorUnits else {
                throw fail(path + ["cvm"], "emv.contactless_limits.\(code).cvm must not exceed its transaction limit")
            }
            contactless[code] = limits
        }
        let settings = FirmwareProfile.EMVSettings(
            terminalType: terminalType,
            terminalCapabilities: try hex(emvPath + ["terminal_capabilities"], emv?.terminalCapabilities, bytes: 3),
            additionalTerminalCapabilities: try hex(emvPath + ["additional_terminal_capabilities"], emv?.additionalTerminalCapabilities, bytes: 5)
                ?? [0x70, 0x00, 0xF0, 0xA0, 0x01],
            tac: tac, applications: applications, contactlessLimits: contactless)

        let batteryModel: FirmwareProfile.Battery? = switch battery {
        case .none: nil
        case .battery(let capacity, let perTransaction, let perIdle): FirmwareProfile.Battery(capacityMAh: capacity, drainPerTransaction: perTransaction, drainPerIdleMinute: perIdle)
        }
        if let b = batteryModel {
            guard b.capacityMAh > 0, (0...100).contains(b.drainPerTransaction), (0...100).contains(b.drainPerIdleMinute) else {
                throw fail(["battery"], "battery needs capacity_mah above 0 and drains between 0 and 100 (percent)")
            }
        } else if [.portable, .mpos, .softpos].contains(formFactor) {
            throw fail(["battery"], "a \(formFactor.rawValue) device runs on a battery: give capacity_mah, drain_per_transaction and drain_per_idle_minute")
        }
        let conditions = NetworkConditions(state: (network?.lossPercent ?? 0) > 0 ? .flaky : .up, latencyMS: network?.latencyMS ?? 0,
                                           jitterMS: network?.jitterMS ?? 0, lossPercent: network?.lossPercent ?? 0)
        if let problem = conditions.problem { throw fail(["network"], "network: \(problem)") }
        for (i, window) in (network?.outages ?? []).enumerated() where window.after < 0 || window.duration <= 0 {
            throw fail(["network", "outages", String(i)], "an outage starts at after_s ≥ 0 seconds and lasts for_s > 0 seconds")
        }
        if let random = network?.randomOutages, random.every <= 0 || random.duration <= 0 {
            throw fail(["network", "random_outages"], "random outages come every_s > 0 seconds on average and last for_s > 0 seconds")
        }
        let offlinePolicy = try offlinePolicy(maxAmount: limits.maxAmount, fail)
        let networkProfile = FirmwareProfile.Network(
            conditions: conditions,
            outages: OutageSchedule(windows: (network?.outages ?? []).map { .init(start: $0.after, duration: $0.duration) },
                                    randomEvery: network?.randomOutages?.every, randomFor: network?.randomOutages?.duration ?? 30,
                                    seed: network?.seed ?? 1),
            seed: network?.seed ?? 1)
        return FirmwareProfile(
            id: id, extends: document.chain.dropFirst().first.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent },
            name: name, model: model, formFactor: formFactor, language: language,
            display: .init(columns: display.columns, rows: display.rows), keypad: keypad, printerColumns: printer?.columns,
            currency: cur, country: country, interfaces: interfaces, connectivity: connectivity, batteryModel: batteryModel,
            limits: limits, transactionTypes: types, incrementalAuthorization: incremental, unreferencedRefund: unreferenced,
            tipping: .init(mode: tipMode, percentages: percentages), receipt: receipt, emv: settings,
            merchantName: merchant.name, merchantCity: merchant.city, merchantContract: merchant.contractNumber, keyManagement: scheme,
            firmwareVersion: firmware?.version ?? "vtpe-\(formFactor.rawValue)-1.0", kernelVersion: firmware?.kernelVersion ?? "vtpe-emv-1.0",
            source: document.source, network: networkProfile, offline: offlinePolicy)
    }

    /// The `offline` block: limits per currency (each amount in its currency, per payment ≤ total, and ≤ the
    /// profile's maximum amount in the profile's currency), how many payments and how old.
    private func offlinePolicy(maxAmount: Money, _ fail: ([String], String) -> ProfileError) throws(ProfileError) -> OfflinePolicy {
        guard let offline, offline.enabled else { return .disabled }
        let entries = (offline.limits ?? [:]).sorted { $0.key < $1.key }
        guard !entries.isEmpty else { throw fail(["offline", "limits"], "offline.limits needs at least one currency, e.g. EUR: {per_payment: \"50.00\", total: \"1000.00\"}") }
        var limits: [OfflinePolicy.Limit] = []
        for (code, entry) in entries {
            let path = ["offline", "limits", code]
            let currency: Currency
            do { currency = try Currency(code: code) } catch { throw fail(path, "offline.limits: unknown ISO 4217 currency '\(code)'") }
            func amount(_ key: String, _ text: String) throws(ProfileError) -> Money {
                do { return try Money.parse(text, currency: currency) } catch { throw fail(path + [key], "offline.limits.\(code).\(key) '\(text)' is not an amount in \(code)") }
            }
            let limit = OfflinePolicy.Limit(perPayment: try amount("per_payment", entry.perPayment), total: try amount("total", entry.total))
            guard limit.perPayment.minorUnits > 0, limit.perPayment.minorUnits <= limit.total.minorUnits else {
                throw fail(path, "offline.limits.\(code): per_payment must be above zero and at most total")
            }
            if currency == maxAmount.currency, limit.perPayment.minorUnits > maxAmount.minorUnits {
                throw fail(path + ["per_payment"], "offline.limits.\(code).per_payment \(limit.perPayment.formatted(withCode: true)) is above limits.max_amount \(maxAmount.formatted(withCode: true))")
            }
            limits.append(limit)
        }
        let count = offline.maxCount ?? 100
        guard (1...100_000).contains(count) else { throw fail(["offline", "max_count"], "offline.max_count is 1 to 100000, not \(count)") }
        let hours = offline.maxAgeHours ?? 24
        guard hours > 0, hours <= 720 else { throw fail(["offline", "max_age_hours"], "offline.max_age_hours is above 0 and at most 720 (30 days), not \(hours)") }
        return OfflinePolicy(enabled: true, limits: limits, maxCount: count, maxAge: hours * 3600)
    }
}
