/// Track 1, format B, of a magnetic stripe (ISO/IEC 7813): `%B<PAN>^<NAME>^<YYMM><SSS><discretionary>?`.
///
/// `description` shows only the masked PAN; name and everything else are replaced by `*`.
public struct Track1: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The card number.
    public let pan: PAN
    /// Cardholder name as encoded, 2–26 characters, usually "SURNAME/GIVEN".
    public let name: String
    /// The expiry month.
    public let expiry: Expiry
    /// The service code.
    public let serviceCode: ServiceCode
    /// Issuer data after the service code; sensitive, never log it.
    public let discretionaryData: String

    /// Most characters between the sentinels (ISO/IEC 7813: 79 including sentinels and LRC).
    static let maximumDataLength = 76

    /// Builds track 1 from its fields, checking the track 1 alphabet and the length limits.
    public init(pan: PAN, name: String, expiry: Expiry, serviceCode: ServiceCode, discretionaryData: String = "") throws(PaymentCoreError) {
        let nameBytes = Array(name.utf8)
        try Self.checkName(nameBytes) { message, index in
            PaymentCoreError(code: .invalidTrack, message: message, location: "name at offset \(index)", offset: index)
        }
        if let bad = discretionaryData.utf8.firstIndex(where: { !TrackCharacters.isTrack1FieldCharacter($0) }) {
            let offset = discretionaryData.utf8.distance(from: discretionaryData.utf8.startIndex, to: bad)
            throw PaymentCoreError(
                code: .invalidTrack,
                message: "Track 1 discretionary data uses upper-case letters, digits and punctuation other than ^ % ?.",
                location: "discretionaryData at offset \(offset)",
                offset: offset
            )
        }
        let length = 1 + pan.length + 1 + nameBytes.count + 1 + 7 + discretionaryData.utf8.count
        guard length <= Self.maximumDataLength else {
            throw PaymentCoreError(
                code: .invalidTrack,
                message: "Track 1 holds at most \(Self.maximumDataLength) characters between the sentinels; this one would hold \(length).",
                location: "discretionaryData"
            )
        }
        self.pan = pan
        self.name = name
        self.expiry = expiry
        self.serviceCode = serviceCode
        self.discretionaryData = discretionaryData
    }

    /// Parses format B track 1 with or without the `%` and `?` sentinels; errors give the field and character offset.
    public init(parsing text: String) throws(PaymentCoreError) {
        let bytes = Array(text.utf8)
        let payload = TrackCharacters.payload(of: bytes, start: TrackCharacters.startSentinel1)
        func failure(_ message: String, field: String, at index: Int) -> PaymentCoreError {
            PaymentCoreError(code: .invalidTrack, message: message, location: "track1.\(field) at offset \(index)", offset: index)
        }
        guard payload.count <= Self.maximumDataLength else {
            throw failure(
                "Track 1 holds at most \(Self.maximumDataLength) characters between the sentinels; this one has \(payload.count).",
                field: "data", at: payload.lowerBound + Self.maximumDataLength
            )
        }
        guard payload.first.map({ bytes[$0] == UInt8(ascii: "B") }) == true else {
            throw failure("Track 1 must start with format code 'B' after the '%' sentinel.", field: "formatCode", at: payload.lowerBound)
        }
        let panStart = payload.lowerBound + 1
        guard let panEnd = bytes[panStart..<payload.upperBound].firstIndex(of: TrackCharacters.fieldSeparator1) else {
            throw failure("Track 1 needs a '^' after the card number.", field: "separator", at: payload.upperBound)
        }
        if let bad = bytes[panStart..<panEnd].firstIndex(where: { !TrackCharacters.isDigit($0) && $0 != UInt8(ascii: " ") }) {
            throw failure("The card number on track 1 is digits only; found \(TrackCharacters.show(bytes[bad])).", field: "pan", at: bad)
        }
        do throws(PaymentCoreError) {
            pan = try PAN(String(decoding: bytes[panStart..<panEnd], as: UTF8.self))
        } catch {
            throw error.relocated(field: "track1.pan", offset: panStart)
        }

        let nameStart = panEnd + 1
        guard let nameEnd = bytes[nameStart..<payload.upperBound].firstIndex(of: TrackCharacters.fieldSeparator1) else {
            throw failure("Track 1 needs a '^' after the cardholder name.", field: "separator", at: payload.upperBound)
        }
        try Self.checkName(Array(bytes[nameStart..<nameEnd])) { message, index in
            failure(message, field: "name", at: nameStart + index)
        }
        name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)

        let expiryStart = nameEnd + 1
        guard payload.upperBound >= expiryStart + 7 else {
            throw failure("Track 1 ends before the expiry date (YYMM) and service code (3 digits).", field: "expiry", at: payload.upperBound)
        }
        if let bad = bytes[expiryStart..<expiryStart + 7].firstIndex(where: { !TrackCharacters.isDigit($0) }) {
            let field = bad < expiryStart + 4 ? "expiry" : "serviceCode"
            throw failure("Track 1 expects digits for the expiry date and service code; found \(TrackCharacters.show(bytes[bad])).", field: field, at: bad)
        }
        do throws(PaymentCoreError) {
            expiry = try Expiry(yymm: String(decoding: bytes[expiryStart..<expiryStart + 4], as: UTF8.self))
            serviceCode = try ServiceCode(String(decoding: bytes[expiryStart + 4..<expiryStart + 7], as: UTF8.self))
        } catch {
            throw error.relocated(field: "track1.expiry", offset: expiryStart)
        }

        let discretionary = bytes[(expiryStart + 7)..<payload.upperBound]
        if let bad = discretionary.firstIndex(where: { !TrackCharacters.isTrack1FieldCharacter($0) }) {
            throw failure(
                "Track 1 discretionary data uses upper-case letters, digits and punctuation other than ^ % ?; found \(TrackCharacters.show(bytes[bad])).",
                field: "discretionaryData", at: bad
            )
        }
        discretionaryData = String(decoding: discretionary, as: UTF8.self)
    }

    /// Track 1 text "B<PAN>^<NAME>^<YYMM><SSS><discretionary>", wrapped in `%`…`?` when `sentinels`.
    public func formatted(sentinels: Bool = false) -> String {
        let body = "B\(pan.revealDigits())^\(name)^\(expiry.yymm)\(serviceCode.digits)\(discretionaryData)"
        return sentinels ? "%\(body)?" : body
    }

    /// "B" and the masked PAN, then `^` and one `*` per remaining character.
    public var description: String {
        "B\(pan.masked)^\(String(repeating: "*", count: name.utf8.count))^\(String(repeating: "*", count: 7 + discretionaryData.utf8.count))"
    }

    /// Same as `description`, labelled.
    public var debugDescription: String { "Track1(\(description))" }

    /// A mirror with only the masked form, so `dump` cannot leak track data or the name.
    public var customMirror: Mirror { Mirror(self, children: ["masked": description], displayStyle: .struct) }

    /// Checks the 2–26 character name against the track 1 alphabet; `failure` builds the error for an index into `name`.
    private static func checkName(
        _ name: [UInt8],
        failure: (String, Int) -> PaymentCoreError
    ) throws(PaymentCoreError) {
        guard (2...26).contains(name.count) else {
            throw failure("The cardholder name on track 1 has 2 to 26 characters; this one has \(name.count).", 0)
        }
        if let bad = name.firstIndex(where: { !TrackCharacters.isTrack1FieldCharacter($0) }) {
            throw failure("The cardholder name on track 1 uses upper-case letters, digits, space and punctuation other than ^ % ?.", bad)
        }
    }
}
