import Foundation
import Testing
import PaymentCore
@testable import EMV

@Suite struct CardProfileTests {
    @Test func standardProfilesLoad() {
        #expect(CardProfile.standard.map(\.name) == [
            "visa_credit", "visa_debit", "mastercard_credit", "mastercard_debit", "mastercard_contactless_only",
            "visa_apple_pay", "mastercard_google_pay", "offline_pin", "online_pin", "expired", "pin_blocked", "declines_offline", "visa_19_digit", "cb_visa", "cb_mastercard",
            "visa_contactless_sca",
        ])
        for profile in CardProfile.standard {
            #expect(profile.pin.map { $0 == Fixture.pin } ?? true, "\(profile.name) uses the test PIN 1234")
            if let name = profile.testCardName {
                #expect(TestCardCatalog.standard.card(named: name)?.hasNumber(profile.pan.revealDigits()) == true)
            }
        }
        #expect(Fixture.profile("visa_19_digit").pan.length == 19)
        #expect(Fixture.profile("pin_blocked").pinTriesRemaining == 0)
        #expect(Fixture.profile("mastercard_contactless_only").interfaces == [.contactless])
    }

    static func load(_ profile: String) -> EMVError? {
        do throws(EMVError) {
            _ = try CardProfile.load(jsonData: Data("{\"profiles\": [\(profile)]}".utf8), source: "test.json")
            return nil
        } catch {
            return error
        }
    }

    static let valid = """
    {"name": "p", "scheme": "visa", "pan": "4242424242424242", "expiry": "3012", "service_code": "201",
     "interfaces": ["contact"], "applications": [{"aid": "A0000000031010", "label": "VISA"}],
     "cvm_list": {"rules": [{"method": "signature", "condition": "always", "on_failure": "fail"}]},
     "iac": {"denial": "0000000000", "online": "0000000000", "default": "0000000000"}}
    """

    @Test func errorsNameTheFileProfileAndField() throws {
        #expect(Self.load(Self.valid) == nil)
        let badMethod = try #require(Self.load(Self.valid.replacingOccurrences(of: "\"signature\"", with: "\"retina\"")))
        #expect(badMethod.location == "test.json: profiles[0].cvm_list.rules[0].method")
        #expect(badMethod.message.hasPrefix("Card profile \"p\": \"retina\" is not a CVM"))
        #expect(Self.load(Self.valid.replacingOccurrences(of: "\"scheme\": \"visa\", ", with: ""))?.location == "test.json: profiles[0].scheme")
        #expect(Self.load(Self.valid.replacingOccurrences(of: "4242424242424242", with: "4242424242424241"))?.location == "test.json: profiles[0].pan")
        #expect(Self.load(Self.valid.replacingOccurrences(of: "\"name\": \"p\",", with: "\"name\": \"p\", \"test_card\": \"mastercard\","))?.location
            == "test.json: profiles[0].test_card")
        #expect(Self.load(Self.valid.replacingOccurrences(of: "A0000000031010", with: "A000"))?.location == "test.json: profiles[0].applications[0].aid")
        #expect(Self.load(Self.valid.replacingOccurrences(of: "\"default\": \"0000000000\"", with: "\"default\": \"00\""))?.location == "test.json: profiles[0].iac.default")
        #expect(Self.load(Self.valid + ", " + Self.valid)?.message == "Two profiles are named \"p\"; names must be unique.")
        #expect(Self.load("{")?.code == .invalidProfile)
        // Error messages never carry the full card number.
        #expect(Self.load(Self.valid.replacingOccurrences(of: "4242424242424242", with: "4242424242424241"))?.description.contains("4242424242424241") == false)
    }

    @Test func profileValidation() {
        var profile = Fixture.profile("visa_credit")
        profile.pinTriesRemaining = 9
        #expect(throws: EMVError.self) { try profile.validated() }
        profile = Fixture.profile("visa_credit")
        profile.applications = []
        #expect(throws: EMVError.self) { try profile.validated() }
    }
}
