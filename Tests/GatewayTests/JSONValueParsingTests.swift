import Foundation
import Testing
@testable import Gateway

/// The stored-document reader against `JSONDecoder` (the `Decodable` init it replaced on the hot path): the same
/// value for every document the writer makes, and no value where the decoder had none.
@Suite struct JSONValueParsingTests {
    static let documents: [String] = [
        #"{}"#, #"[]"#, #"null"#, #"true"#, #"-42"#, #""plain""#,
        #"{"b":1,"a":{"z":[1,2,{"y":null}],"x":"é€😀"},"c":false}"#,
        #"{"text":"quote \" backslash \\ slash \/ tab \t nl \n cr \r bs \b ff \f"}"#,
        #"{"u":"\u00e9\u20ac\ud83d\ude00\u0000"}"#,
        #" { "spaced" : [ 1 , 2 ] , "n" : 9223372036854775807 , "m" : -9223372036854775808 } "#,
        #"{"present":{"brand":"visa","last4":"4242","offline":{"stored_at":1800000000,"type":"deferred"},"receipt":{"tvr":"0000008000"}}}"#,
    ]

    @Test func readsWhatTheDecoderReads() throws {
        for text in Self.documents {
            let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(JSONValue(jsonText: text) == decoded, "\(text)")
        }
    }

    @Test func readsBackWhatTheWriterWrote() {
        let value: JSONValue = .object([("b", .array([.int(1), .null, .bool(true)])), ("a", .string("line\nbreak \u{1} \"q\" ü"))])
        #expect(JSONValue(jsonText: value.compactText) == .object([("a", .string("line\nbreak \u{1} \"q\" ü")), ("b", .array([.int(1), .null, .bool(true)]))]))
    }

    @Test func refusesWhatIsNotADocument() {
        let broken = [#""#, #"{"#, #"{"a"}"#, #"{"a":1,}"#, #"[1 2]"#, #""open"#, #""bad \x""#, #""\ud83d""#, "\"tab\there\"",
                      #"1.5"#, #"99999999999999999999"#, #"tru"#, #"{} extra"#, #"+1"#, String(repeating: "[", count: 100) + String(repeating: "]", count: 100)]
        for text in broken { #expect(JSONValue(jsonText: text) == nil, "\(text)") }
    }
}
