import Foundation
import TestSupport
import Testing
@testable import PaymentCore

/// Swift Testing also declares `Tag` (test tags); inside this module the name means the BER-TLV tag.
typealias Tag = PaymentCore.Tag

/// Bytes from hex text such as "9F 26 08"; a malformed literal is a bug in the test itself.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = HexCoding.decode(text) else { preconditionFailure("bad hex in test: \(text)") }
    return bytes
}

/// Upper-case hex of bytes.
func hexString(_ bytes: [UInt8]) -> String { HexCoding.encode(bytes) }

/// Runs `body`, expecting it to throw a PaymentCoreError with `code`; returns the error for further checks.
@discardableResult
func expectError<Result>(
    _ code: PaymentCoreError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Result
) -> PaymentCoreError? {
    do {
        let result = try body()
        Issue.record("expected \(code), got \(result)", sourceLocation: sourceLocation)
        return nil
    } catch let error as PaymentCoreError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected PaymentCoreError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Reads a JSON file from the test bundle's Vectors folder.
func loadVectors<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}
