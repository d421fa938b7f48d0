import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine
import EMV

@Suite struct FirmwareProfileTests {
    @Test func countertopLoads() throws {
        let p = try countertop()
        #expect(p.id == "countertop")
        #expect(p.formFactor == .countertop)
        #expect(p.display == .init(columns: 30, rows: 16))
        #expect(p.printerColumns == 32)
        #expect(p.currency == .eur)
        #expect(p.limits.contactlessCVMLimit == Money(minorUnits: 5000, currency: .eur))
        #expect(p.limits.maxAmount == Money(minorUnits: 999_999, currency: .eur))
    }

    static let valid = try! String(contentsOf: profilesDirectory.appendingPathComponent("countertop.yaml"), encoding: .utf8)

    @Test(arguments: [
        ("columns: 30", "columns: 5", "display must be 20–200 columns and 8–100 rows, not 5×16"),
        ("currency: EUR", "currency: EURO", "unknown ISO 4217 currency 'EURO'"),
        ("contactless_cvm_limit: \"50.00\"", "contactless_cvm_limit: \"500.00\"", "limits.contactless_cvm_limit must not exceed limits.contactless_transaction_limit"),
        ("max_amount: \"9999.99\"", "max_amount: \"99.999\"", "limits.max_amount '99.999' is not an amount in EUR"),
        ("form_factor: countertop", "form_factor: desk", "field 'form_factor'"),
        ("id: countertop", "ident: countertop", "unknown field 'ident' (did you mean 'id'?)"),
        ("  columns: 32", "  columns: 200", "printer columns must be 32 (58 mm paper), 42 (58 mm condensed or 80 mm) or 48 (80 mm), not 200"),
        ("country: FR", "country: France", "country must be an ISO 3166 alpha-2 code such as FR, not 'France'"),
        ("  floor_limit:", "  floor_limt:", "unknown field 'floor_limt' in 'limits' (did you mean 'floor_limit'?)"),
        ("mode: off", "mode: sometimes", "tipping.mode must be one of off, prompt, typed, not 'sometimes'"),
        ("enabled: [sale,", "enabled: [sail,", "transactions.enabled.0 must be one of sale, preauthorization"),
        ("terminal_type: \"22\"", "terminal_type: \"2\"", "emv.terminal_type must be 2 hex digits, not '2'"),
        ("applications: [visa,", "applications: [vissa,", "emv.applications must be among cb, cb_debit, visa"),
        ("battery: false", "battery: true", "field 'battery': battery is false (mains) or a mapping"),
        ("merchant_copy: always", "merchant_copie: always", "unknown field 'merchant_copie' in 'receipt' (did you mean 'merchant_copy'?)"),
        ("language: en", "language: de", "language must be one of en, fr, not 'de'"),
        ("language: en", "network: {latency_ms: -5}\nlanguage: en", "network: latency is 0 to 60000 ms, not -5"),
        ("language: en", "network: {latensy_ms: 5}\nlanguage: en", "unknown field 'latensy_ms' in 'network' (did you mean 'latency_ms'?)"),
        ("language: en", "network: {outages: [{after_s: 5, for_s: 0}]}\nlanguage: en", "an outage starts at after_s ≥ 0 seconds and lasts for_s > 0 seconds"),
        ("language: en", "network: {random_outages: {every_s: 0, for_s: 5}}\nlanguage: en", "random outages come every_s > 0 seconds"),
        ("language: en", "offline: {enabled: true}\nlanguage: en", "offline.limits needs at least one currency"),
        ("language: en", "offline: {enabled: true, limits: {EUR: {per_payment: \"99999.00\", total: \"100000.00\"}}}\nlanguage: en",
         "offline.limits.EUR.per_payment EUR"),
        ("language: en", "offline: {enabled: true, limits: {EUR: {per_payment: \"60.00\", total: \"50.00\"}}}\nlanguage: en",
         "offline.limits.EUR: per_payment must be above zero and at most total"),
        ("language: en", "offline: {enabled: true, limits: {XXY: {per_payment: \"1\", total: \"2\"}}}\nlanguage: en", "offline.limits: unknown ISO 4217 currency 'XXY'"),
        ("language: en", "offline: {enabled: true, limits: {EUR: {per_payment: \"10.00\", total: \"20.00\"}}, max_count: 0}\nlanguage: en",
         "offline.max_count is 1 to 100000, not 0"),
        ("language: en", "offline: {enabled: true, limits: {EUR: {per_payment: \"10.00\", total: \"20.00\"}}, max_age_hours: 0}\nlanguage: en",
         "offline.max_age_hours is above 0 and at most 720"),
        ("language: en", "offline: {enabeld: true}\nlanguage: en", "unknown field 'enabeld' in 'offline' (did you mean 'enabled'?)"),
    ])
    func invalidProfilesSayWhereAndWhy(original: String, replacement: String, message: String) throws {
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(yaml != Self.valid)
        // The line the replaced text is on: errors point at it.
        let line = (Self.valid.components(separatedBy: "\n").firstIndex { $0.contains(original) } ?? -1) + 1
        do {
            _ = try FirmwareProfile.parse(yaml: yaml, source: "test.yaml", searching: [profilesDirectory])
            Issue.record("accepted: \(replacement)")
        } catch {
            #expect(error.file == "test.yaml")
            #expect(error.message.hasPrefix(message), "\(error)")
            if !replacement.hasPrefix("form_factor") && !replacement.hasPrefix("battery") { #expect(error.line == line, "\(error)") }
        }
    }

    /// Every shipped profile loads, names its form factor, and every form factor and region is there.
    @Test func shippedProfiles() throws {
        let profiles = try FirmwareProfile.list(searching: [profilesDirectory])
        let ids = Set(profiles.map(\.id))
        #expect(ids.isSuperset(of: ["countertop", "portable", "smartpos", "mpos", "softpos", "eu", "fr", "uk", "us"]))
        #expect(Set(profiles.map(\.formFactor)) == Set(FirmwareProfile.FormFactor.allCases))
        let byID = Dictionary(uniqueKeysWithValues: profiles.map { ($0.id, $0) })
        #expect(byID["softpos"]?.interfaces == [.contactless] && byID["softpos"]?.printerColumns == nil && byID["softpos"]?.battery == true)
        #expect(byID["mpos"]?.printerColumns == nil && byID["portable"]?.batteryModel?.capacityMAh == 2600)
        #expect(byID["portable"]?.network.conditions == NetworkConditions(state: .up, latencyMS: 60, jitterMS: 40))
        #expect(byID["portable"]?.offline == OfflinePolicy(enabled: true, limits: [.init(perPayment: Money(minorUnits: 5000, currency: .eur),
                                                                                          total: Money(minorUnits: 100_000, currency: .eur))],
                                                           maxCount: 100, maxAge: 86_400))
        #expect(byID["countertop"]?.offline == .disabled && byID["fr"]?.offline == .disabled)
        #expect(byID["uk"]?.limits.contactlessCVMLimit == Money(minorUnits: 10000, currency: .gbp))
        #expect(byID["us"]?.currency == .usd && byID["us"]?.extends == "countertop")
        let fr = try #require(byID["fr"])
        #expect(fr.language == .fr && fr.receipt.customerCopy == .onRequest && fr.emv.applications.first == "cb")
        // Inherited from countertop, overridden where fr says so.
        #expect(fr.printerColumns == 32 && fr.merchantName == "VTPE BOUTIQUE DEMO" && fr.transactionTypes == byID["countertop"]?.transactionTypes)
        #expect(fr.emvConfiguration(terminalID: "1").applications.first?.aid == [0xA0, 0, 0, 0, 0x42, 0x10, 0x10])
        for p in profiles { #expect(p.receipt.header.allSatisfy { $0.count <= (p.printerColumns ?? 32) }, "\(p.id)") }
    }

    /// `extends:` chains resolve, a child's error names the child's file, an inherited field's error the parent's,
    /// and a circle is refused.
    @Test func extendsChains() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.valid.write(to: dir.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
        try "id: child\nextends: base\nname: Child\nlimits:\n  contactless_cvm_limit: \"30.00\"\n".write(to: dir.appendingPathComponent("child.yaml"), atomically: true, encoding: .utf8)
        let child = try FirmwareProfile.load(from: dir.appendingPathComponent("child.yaml"), searching: [dir])
        #expect(child.id == "child" && child.name == "Child" && child.extends == "base")
        #expect(child.limits.contactlessCVMLimit == Money(minorUnits: 3000, currency: .eur))
        #expect(child.limits.maxAmount == Money(minorUnits: 999_999, currency: .eur), "the rest of limits is inherited")
        let yaml = try child.resolvedYAML(searching: [dir])
        #expect(yaml.hasPrefix("# child, resolved from child.yaml ← base.yaml\n") && yaml.contains("contactless_cvm_limit:") && yaml.contains("30.00") && !yaml.contains("extends"))

        try "id: bad\nextends: base\nlimits:\n  contactless_cvm_limit: \"300.00\"\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: ProfileError(file: dir.appendingPathComponent("bad.yaml").path, line: 4,
                                     message: "limits.contactless_cvm_limit must not exceed limits.contactless_transaction_limit")) {
            try FirmwareProfile.load(from: dir.appendingPathComponent("bad.yaml"), searching: [dir])
        }
        try "id: tiny\nextends: base\nlimits:\n  max_amount: \"100.00\"\n".write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try FirmwareProfile.load(from: dir.appendingPathComponent("tiny.yaml"), searching: [dir])
            Issue.record("accepted a contactless limit over the maximum")
        } catch {
            // The offending field (the contactless limit) is the parent's.
            #expect(error.file.hasSuffix("base.yaml") && error.message.hasPrefix("limits.contactless_transaction_limit must not exceed"), "\(error)")
        }
        try "id: a\nextends: b\n".write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "id: b\nextends: a\n".write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try FirmwareProfile.load(from: dir.appendingPathComponent("a.yaml"), searching: [dir])
            Issue.record("accepted a circle")
        } catch {
            #expect(error.message == "circular extends: a.yaml → b.yaml → a.yaml", "\(error)")
        }
        try "id: orphan\nextends: nosuch\n".write(to: dir.appendingPathComponent("orphan.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: ProfileError(file: dir.appendingPathComponent("orphan.yaml").path, line: 2, message: "extends: no firmware profile named 'nosuch'")) {
            try FirmwareProfile.load(from: dir.appendingPathComponent("orphan.yaml"), searching: [dir])
        }
    }

    @Test func brokenYAMLAndEmptyFiles() {
        #expect(throws: ProfileError.self) { try FirmwareProfile.parse(yaml: "", source: "x.yaml") }
        do {
            _ = try FirmwareProfile.parse(yaml: "id: [unclosed\nname: x\n", source: "x.yaml")
        } catch {
            #expect(error.message.hasPrefix("not valid YAML"))
            #expect(error.line != nil)
        }
    }

    @Test func unknownProfileListsKnownOnes() {
        do {
            _ = try FirmwareProfile.load(named: "nosuch", searching: [profilesDirectory])
        } catch {
            #expect(error.message.contains("no firmware profile named 'nosuch'"))
            #expect(error.message.contains("countertop"))
        }
    }
}
