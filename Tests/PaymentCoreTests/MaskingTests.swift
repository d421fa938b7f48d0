import Foundation
import TestSupport
import Testing
import PaymentCore

/// Every way a value can reach a log must show at most the first six and last four digits.
@Suite("Masking")
struct MaskingTests {
    static let digits = "4000056655665556"

    /// All renderings a logger or a debugger could produce.
    static func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return ["\(value)", String(describing: value), String(reflecting: value), dumped, "\([value])"]
    }

    static func expectMasked(_ value: Any, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in renderings(value) {
            #expect(!text.contains(digits), "leaked: \(text)", sourceLocation: sourceLocation)
            #expect(!text.contains("5665"), "middle digits leaked: \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func pan() throws {
        let pan = try PAN(Self.digits)
        Self.expectMasked(pan)
        #expect("\(pan)" == "400005******5556")
        #expect(String(reflecting: pan).contains("400005******5556"))
        var dumped = ""
        dump(pan, to: &dumped)
        #expect(dumped.contains("400005******5556"))
    }

    @Test func tracks() throws {
        let track2 = try Track2(parsing: ";\(Self.digits)=30122015665000000000?")
        Self.expectMasked(track2)
        #expect(track2.description == "400005******5556=" + String(repeating: "*", count: 20))
        let track1 = try Track1(parsing: "%B\(Self.digits)^PAYER/ANNA^3012201000566500000?")
        Self.expectMasked(track1)
        #expect(!"\(track1)".contains("ANNA"))
    }

    @Test func tlvWithPANAndTrack2() throws {
        let track2 = try Track2(parsing: "\(Self.digits)=3012201")
        let record = TLV(tag: .readRecordResponseTemplate, children: [
            TLV(tag: .pan, value: hex(Self.digits)),
            TLV(tag: .track2Equivalent, value: track2.emvBytes),
            TLV(tag: .cardholderName, value: Array("PAYER/ANNA".utf8)),
            TLV(tag: .applicationCryptogram, value: hex("1122334455667788")),
        ])
        Self.expectMasked(record)
        let text = "\(record)"
        #expect(text.contains("5A(8)=400005******5556"))
        #expect(text.contains("9F26(8)=1122334455667788"))
        #expect(!text.contains(hexString(Array("PAYER/ANNA".utf8))))
    }

    @Test func errorsNeverCarryTheNumber() {
        let bad = "4000056655665557"
        var errors: [PaymentCoreError] = []
        for attempt: () throws -> Void in [
            { _ = try PAN(bad) },
            { _ = try Track2(parsing: ";\(bad)=3012201?") },
            { _ = try Track1(parsing: "%B\(bad)^PAYER/ANNA^3012201?") },
            { _ = try Track2(parsing: ";\(Self.digits)=3013201?") },
            { _ = try Track2(parsing: ";\(Self.digits)=301220X?") },
            { _ = try TestCard(name: "x", number: bad, outcome: .approved, description: "") },
            { _ = try Money.parse("4000 0566 5566 5556", currency: .eur) },
            { _ = try Money.parse("4000056655665556.5", currency: .jpy) },
            { _ = try Money.fromDigits("4000-0566-5566-5556", currency: .eur) },
            { _ = try Tag(hex: Self.digits) },
            { _ = try Tag(hex: "4000-0566-5566-5556") },
            { _ = try Tag(bytes: hex(Self.digits)) },
        ] {
            do { try attempt() } catch let error as PaymentCoreError { errors.append(error) } catch {}
        }
        #expect(errors.count == 12)
        for error in errors {
            #expect(!error.description.contains(bad) && !error.description.contains(Self.digits), "\(error)")
            #expect(!error.description.contains("5665"), "\(error)")
            #expect(!error.description.contains("0566"), "\(error)")
        }
    }

    @Test func testCards() throws {
        let card = try #require(TestCardCatalog.standard.card(named: "visa_debit"))
        Self.expectMasked(card)
    }

    /// The catalog is indexed by card number: neither it nor a value holding it shows one.
    @Test func theCatalog() {
        struct Holder { let catalog = TestCardCatalog.standard }
        for text in ["\(TestCardCatalog.standard)", String(reflecting: TestCardCatalog.standard), "\(Holder())", String(reflecting: Holder())] {
            #expect(!text.contains("4242424242424242") && !text.contains("4000056655665556"), "\(text.prefix(200))")
        }
    }
}
