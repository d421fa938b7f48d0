import PaymentCore
import Testing
@testable import CaisseAP

/// The Caisse-AP codec: exact bytes of a till's request and a terminal's answer, the refusals of malformed ones with
/// the code the answer carries, and a fuzz of random and mutated requests (never a crash: a request, a refusal, or
/// "wait for more").
@Suite struct CaisseAPCodecTests {
    /// A sale of EUR 12.34 from till 01, as the Odoo add-on and akretion's client write it.
    static let sale = "CZ0040300CJ012012345678901CA00201CE003978BA0010CD0010CB0041234"

    @Test func aSaleRequestIsWrittenAsTillsWriteIt() throws {
        let request = CaisseAPRequest(amount: 1234, operation: .debit, currency: .eur)
        #expect(String(decoding: try request.message.encoded(), as: UTF8.self) == Self.sale)
        // Amounts have at least two digits.
        let small = CaisseAPRequest(amount: 5, operation: .credit, currency: .jpy, till: "7")
        #expect(small.message["CB"] == "05" && small.message["CE"] == "392" && small.message["CD"] == "1" && small.message["CA"] == "7")
    }

    @Test func aRequestIsRead() throws {
        let request = try CaisseAPRequest.parse(try CaisseAPMessage.decode(Array(Self.sale.utf8)))
        #expect(request.amount == 1234 && request.operation == .debit && request.currency == .eur && request.till == "01")
        #expect(request.protocolID == "012345678901" && !request.immediateAnswer && request.mode == nil)
        // Field order does not matter (but CZ is written first).
        let shuffled = "CB0041234CD0010CZ0040300CA00201CJ012012345678901CE003978"
        #expect(try CaisseAPRequest.parse(try CaisseAPMessage.decode(Array(shuffled.utf8))).amount == 1234)
    }

    @Test(arguments: [
        ("CZ0040300CJ012012345678901CA00201CE003978CD0010", "the field CB is missing"),
        ("CZ0040300CJ012012345678901CA00201CE003978CD0010CB0041A34", "CB 1A34 is not an amount in minor units (1 to 12 digits)"),
        ("CZ0040300CJ012012345678901CA00201CE00297CD0010CB0041234", "CE 97 is not an ISO 4217 currency number (three digits)"),
        ("CZ0040200CJ012012345678901CA00201CE003978CD0010CB0041234", "CZ 0200 is not a Caisse-AP 3 version (0300)"),
        ("CZ0040300CJ012012345678901CA00201CE003978CD0010CB00200", "CB is zero: nothing to pay"),
    ]) func malformedRequestsAreRefusedAsFormatErrors(text: String, reason: String) throws {
        #expect(throws: CaisseAPRefusal(.formatError, reason)) { try CaisseAPRequest.parse(try CaisseAPMessage.decode(Array(text.utf8))) }
    }

    @Test func anUnknownActionIsRefusedAsSuch() {
        #expect(throws: CaisseAPRefusal(.unknownAction, "CD 2 is neither 0 (debit) nor 1 (credit)")) {
            try CaisseAPRequest.parse(try CaisseAPMessage.decode(Array("CZ0040300CJ012012345678901CA00201CE003978CD0012CB0041234".utf8)))
        }
        // The Odoo add-on writes amounts below ten minor units with one digit, and no BA.
        #expect(throws: Never.self) { try CaisseAPRequest.parse(try CaisseAPMessage.decode(Array("CZ0040300CJ012012345678901CA00201CE003978CD0010CB0015".utf8))) }
    }

    @Test func brokenBytesAreNamed() {
        #expect(throws: CaisseAPError.badTag("cz", offset: 0)) { try CaisseAPMessage.decode(Array("cz0040300".utf8)) }
        #expect(throws: CaisseAPError.badLength(tag: "CZ", offset: 2)) { try CaisseAPMessage.decode(Array("CZ0A40300".utf8)) }
        #expect(throws: CaisseAPError.badLength(tag: "CZ", offset: 2)) { try CaisseAPMessage.decode(Array("CZ0000300".utf8)) }
        #expect(throws: CaisseAPError.notASCII(tag: "CA", offset: 14)) { try CaisseAPMessage.decode(Array("CZ0040300CA002\u{e9}1".utf8)) }
        #expect(throws: CaisseAPError.duplicateTag("CB")) { try CaisseAPMessage.decode(Array("CB00212CB00213".utf8)) }
        #expect(throws: CaisseAPError.truncated(offset: 9)) { try CaisseAPMessage.decode(Array("CZ0040300CB0041".utf8)) }
        #expect(throws: CaisseAPError.tooLong(20_000)) { try CaisseAPMessage.decode([UInt8](repeating: 0x41, count: 20_000)) }
        // Part of a message: more may come.
        #expect(CaisseAPMessage.scan(Array("CZ0040300CB0".utf8)) == .incomplete(offset: 9))
        #expect(CaisseAPMessage.scan(Array("CZ00".utf8)) == .incomplete(offset: 0))
        #expect(CaisseAPMessage.scan(Array("CZ0x".utf8)) == .invalid(.badLength(tag: "CZ", offset: 2)))
        #expect(CaisseAPMessage.scan(Array("C\u{1}".utf8)) == .invalid(.badTag("C\\x1", offset: 0)))
    }

    @Test func answersEchoTheRequestAndCarryTheCardOrTheFailure() throws {
        let request = try CaisseAPMessage.decode(Array(Self.sale.utf8))
        let card = CaisseAPAnswer.Card(authorization: "123456", maskedPAN: CaisseAPAnswer.mask(digits: "4970101234560002"), expiry: "2912",
                                       aid: "A0000000421010", applicationCode: "00B", readMode: .contactless)
        let done = CaisseAPAnswer(echoing: request, status: .done, card: card)
        #expect(String(decoding: try done.message.encoded(), as: UTF8.self)
            == "CZ0040300CJ012012345678901CA00201CE003978BA0010CD0010CB0041234AE00210AC006123456AA016497010######0002AB0042912AI014A0000000421010CC00300BCI0012")
        let read = try CaisseAPAnswer.parse(try CaisseAPMessage.decode(try done.message.encoded()))
        #expect(read.status == .done && read.card == card && read.failure == nil)

        let refused = CaisseAPAnswer(echoing: request, status: .notDone, failure: .operatorAbandon)
        #expect(String(decoding: try refused.message.encoded(), as: UTF8.self) == "CZ0040300CJ012012345678901CA00201CE003978BA0010CD0010CB0041234AE00201AF00211")
        let back = try CaisseAPAnswer.parse(try CaisseAPMessage.decode(try refused.message.encoded()))
        #expect(back.status == .notDone && back.failure == .operatorAbandon && back.card == nil)
        #expect(CaisseAPAnswer.mask(digits: "4242424242424242") == "424242######4242" && CaisseAPAnswer.mask(digits: "12345678") == "####5678")
    }

    /// Random bytes and mutated requests: every input is read as a whole request, a refusal with its code, a broken
    /// message, or the start of one; an answer can always be written.
    @Test func fuzzedRequestsNeverCrashAndAlwaysGetAnAnswer() throws {
        var rng = SeededGenerator(seed: 0xCA15_5EA9)
        let base = Array(Self.sale.utf8)
        var counts = (requests: 0, refusals: 0, broken: 0, partial: 0)
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 3 == 0 {
                bytes = (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = base
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    switch Int.random(in: 0...3, using: &rng) {
                    case 0: if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                    case 1: if !bytes.isEmpty { bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng)) }
                    case 2: bytes.insert(UInt8.random(in: 0x20...0x7E, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
                    default: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
                    }
                }
            }
            switch CaisseAPMessage.scan(bytes) {
            case .complete(let message):
                let answer: CaisseAPAnswer
                do throws(CaisseAPRefusal) {
                    let request = try CaisseAPRequest.parse(message)
                    #expect(request.amount > 0)
                    counts.requests += 1
                    answer = CaisseAPAnswer(echoing: message, status: .done)
                } catch {
                    counts.refusals += 1
                    answer = CaisseAPAnswer(echoing: message, status: .notDone, failure: error.code)
                }
                _ = try answer.message.encoded()
            case .invalid:
                counts.broken += 1
                _ = try CaisseAPAnswer(echoing: CaisseAPMessage(), status: .notDone, failure: .formatError).message.encoded()
            case .incomplete:
                counts.partial += 1
            }
        }
        #expect(counts.requests > 0 && counts.refusals > 0 && counts.broken > 0 && counts.partial > 0, "\(counts)")
    }
}
