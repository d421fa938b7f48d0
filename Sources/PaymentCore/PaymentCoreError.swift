/// The one error type of PaymentCore: a code to branch on, a message a person can act on, and where it happened.
///
/// Messages never contain a full PAN or track data; at most the masked PAN or its last four digits.
public struct PaymentCoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of input was rejected.
    public enum Code: String, Sendable, CaseIterable {
        /// Not an active ISO 4217 currency code.
        case invalidCurrency
        /// Not a well-formed amount.
        case invalidAmount
        /// The amount does not fit in 64-bit minor units.
        case amountOverflow
        /// More decimal places than the currency has.
        case wrongPrecision
        /// Two amounts in different currencies were combined.
        case currencyMismatch
        /// Not 12–19 digits.
        case invalidPAN
        /// The card number fails the Luhn check.
        case luhnCheckFailed
        /// Not a valid expiry month and year.
        case invalidExpiry
        /// Not a three-digit service code.
        case invalidServiceCode
        /// Malformed magnetic-stripe track data.
        case invalidTrack
        /// Not a valid BER-TLV tag.
        case invalidTag
        /// Malformed BER-TLV data.
        case invalidTLV
        /// Malformed data object list, or data that does not fit it.
        case invalidDOL
        /// A bad test-card catalog entry or file.
        case catalog
    }

    /// What kind of input was rejected.
    public let code: Code
    /// A sentence that says what is wrong and what to do about it.
    public let message: String
    /// Where: a field name, a tag path with offset ("70/57 at offset 12") or "offset N".
    public let location: String?
    /// The absolute byte (or character) offset of the offending element, when known.
    public let offset: Int?
    /// The BER-TLV tags enclosing the offending element, outermost first; empty outside TLV.
    public let tagPath: [Tag]

    /// Creates an error; `location` defaults to one derived from `tagPath` and `offset`.
    public init(code: Code, message: String, location: String? = nil, offset: Int? = nil, tagPath: [Tag] = []) {
        self.code = code
        self.message = message
        self.offset = offset
        self.tagPath = tagPath
        self.location = location ?? Self.location(tagPath: tagPath, offset: offset)
    }

    /// The message, followed by the location in parentheses when there is one.
    public var description: String {
        guard let location else { return message }
        return "\(message) (\(location))"
    }

    /// "70/57 at offset 12", "70/57", "offset 12" or nil.
    static func location(tagPath: [Tag], offset: Int?) -> String? {
        let path = tagPath.map(\.hex).joined(separator: "/")
        switch (path.isEmpty, offset) {
        case (true, nil): return nil
        case (true, let offset?): return "offset \(offset)"
        case (false, nil): return path
        case (false, let offset?): return "\(path) at offset \(offset)"
        }
    }

    /// The same code and message, reported at another place (e.g. a PAN error inside a track).
    func relocated(field: String, offset: Int?) -> PaymentCoreError {
        let location = offset.map { "\(field) at offset \($0)" } ?? field
        return PaymentCoreError(code: code, message: message, location: location, offset: offset, tagPath: tagPath)
    }
}
