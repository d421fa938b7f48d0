import Foundation
import PaymentCore
import Testing
@testable import TerminalEngine

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
        ("columns: 30", "columns: 5", 8, "display must be 20–200 columns and 8–100 rows, not 5×16"),
        ("currency: EUR", "currency: EURO", 12, "unknown ISO 4217 currency 'EURO'"),
        ("contactless_cvm_limit: \"50.00\"", "contactless_cvm_limit: \"500.00\"", 21, "limits.contactless_cvm_limit must not exceed limits.contactless_transaction_limit"),
        ("max_amount: \"9999.99\"", "max_amount: \"99.999\"", 18, "limits.max_amount '99.999' is not an amount in EUR"),
        ("form_factor: countertop", "form_factor: desk", 6, "field 'form_factor'"),
        ("id: countertop", "ident: countertop", 3, "missing field 'id'"),
        ("columns: 32", "columns: 200", 11, "printer columns must be 16–64 (58 mm paper is 32), not 200"),
        ("country: FR", "country: France", 13, "country must be an ISO 3166 alpha-2 code such as FR, not 'France'"),
    ])
    func invalidProfilesSayWhereAndWhy(original: String, replacement: String, line: Int, message: String) throws {
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(yaml != Self.valid)
        do {
            _ = try FirmwareProfile.parse(yaml: yaml, source: "test.yaml")
            Issue.record("accepted: \(replacement)")
        } catch {
            #expect(error.file == "test.yaml")
            #expect(error.message.hasPrefix(message), "\(error)")
            if line != 3 { #expect(error.line == line, "\(error)") }
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
