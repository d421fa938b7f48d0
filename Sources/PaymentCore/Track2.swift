/// Track 2 of a magnetic stripe (ISO/IEC 7813) or its EMV equivalent (tag 57): PAN, expiry, service code.
///
/// `description` shows only the masked PAN; every other character is replaced by `*`.
public struct Track2: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The card number.
    public let pan: PAN
    /// The expiry month.
    public let expiry: Expiry
    /// The service code.
    public let serviceCode: ServiceCode
    /// Issuer data after the service code (digits, without the `F` pad); sensitive, never log it.
    public let discretionaryData: String

    /// Most characters between the sentinels (ISO/IEC 7813: 40 including sentinels and LRC).
    static let maximumDataLength = 37

    /// Builds track 2 from its fields; the discretionary data must be digits and the whole track fit in 37 characters.
    public init(pan: PAN, expiry: Expiry, serviceCode: ServiceCode, discretionaryData: String = "") throws(PaymentCoreError) {
        if let bad = discretionaryData.utf8.firstIndex(where: { !TrackCharacters.isDigit($0) }) {
            let offset = discretionaryData.utf8.distance(from: discretionaryData.utf8.startIndex, to: bad)
            throw PaymentCoreError(
                code: .invalidTrack,
                message: "Track 2 discretionary data is digits only.",
                location: "discretionaryData at offset \(offset)",
                offset: offset
            )
        }
        let length = pan.length + 1 + 7 + discretionaryData.utf8.count
        guard length <= Self.maximumDataLength else {
            throw PaymentCoreError(
                code: .invalidTrack,
                message: "Track 2 holds at most \(Self.maximumDataLength) characters between the sentinels; this one would hold \(length).",
                location: "discretionaryData"
            )
        }
        self.pan = pan
        self.expiry = expiry
        self.serviceCode = serviceCode
        self.discretionaryData = discretionaryData
    }

    /// Parses ";PAN=YYMMSSS...?" with or without sentinels, with `=` or the EMV `D` separator and an optional trailing `F` pad.
    ///
    /// Errors give the field and the character offset in `text`.
    public init(parsing text: String) throws(PaymentCoreError) {
        let bytes = Array(text.utf8)
        let payload = TrackCharacters.payload(of: bytes, start: TrackCharacters.startSentinel2)
        try self.init(characters: Array(bytes[payload]), base: payload.lowerBound, unit: "offset")
    }

    /// Decodes EMV track 2 equivalent data (tag 57, or 9F6B): packed digits, `D` separator, `F` pad.
    ///
    /// Error offsets count nibbles from the start of the value.
    public init(emvBytes: [UInt8]) throws(PaymentCoreError) {
        var characters: [UInt8] = []
        characters.reserveCapacity(emvBytes.count * 2)
        for byte in emvBytes {
            for nibble in [byte >> 4, byte & 0x0F] {
                characters.append(nibble < 10 ? 0x30 + nibble : UInt8(ascii: "A") + nibble - 10)
            }
        }
        try self.init(characters: characters, base: 0, unit: "nibble")
    }

    /// Track 2 text: PAN, separator, YYMM, service code, discretionary data; `;` and `?` around it when `sentinels`.
    public func formatted(separator: Character = "=", sentinels: Bool = false) -> String {
        let body = pan.revealDigits() + String(separator) + expiry.yymm + serviceCode.digits + discretionaryData
        return sentinels ? ";\(body)?" : body
    }

    /// The EMV encoding (tag 57 value): packed nibbles with `D` as separator and an `F` pad to a whole byte.
    public var emvBytes: [UInt8] {
        var nibbles = Array(formatted(separator: "D").utf8).map { $0 == UInt8(ascii: "D") ? 0x0D : $0 - 0x30 }
        if nibbles.count % 2 == 1 { nibbles.append(0x0F) }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    /// The masked PAN, then `=` and one `*` per remaining character.
    public var description: String {
        let rest = 7 + discretionaryData.utf8.count
        return "\(pan.masked)=\(String(repeating: "*", count: rest))"
    }

    /// Same as `description`, labelled.
    public var debugDescription: String { "Track2(\(description))" }

    /// A mirror with only the masked form, so `dump` cannot leak track data.
    public var customMirror: Mirror { Mirror(self, children: ["masked": description], displayStyle: .struct) }

    /// Parses the characters between the sentinels; `base` and `unit` turn indices into reported offsets.
    private init(characters: [UInt8], base: Int, unit: String) throws(PaymentCoreError) {
        func failure(_ message: String, field: String, at index: Int) -> PaymentCoreError {
            PaymentCoreError(code: .invalidTrack, message: message, location: "track2.\(field) at \(unit) \(base + index)", offset: base + index)
        }
        var characters = characters
        if let last = characters.last, last == UInt8(ascii: "F") || last == UInt8(ascii: "f") {
            characters.removeLast()
        }
        guard characters.count <= Self.maximumDataLength else {
            throw failure(
                "Track 2 holds at most \(Self.maximumDataLength) characters between the sentinels; this one has \(characters.count).",
                field: "data", at: Self.maximumDataLength
            )
        }
        let isSeparator = { (byte: UInt8) in byte == UInt8(ascii: "=") || byte == UInt8(ascii: "D") || byte == UInt8(ascii: "d") }
        guard let separator = characters.firstIndex(where: isSeparator) else {
            throw failure("Track 2 needs a field separator ('=' or 'D') after the card number.", field: "separator", at: characters.count)
        }
        if let bad = characters[..<separator].firstIndex(where: { !TrackCharacters.isDigit($0) }) {
            throw failure("The card number on track 2 is digits only; found \(TrackCharacters.show(characters[bad])).", field: "pan", at: bad)
        }
        do throws(PaymentCoreError) {
            pan = try PAN(String(decoding: characters[..<separator], as: UTF8.self))
        } catch {
            throw error.relocated(field: "track2.pan", offset: base)
        }

        let expiryStart = separator + 1
        guard characters.count >= expiryStart + 7 else {
            throw failure("Track 2 ends before the expiry date (YYMM) and service code (3 digits).", field: "expiry", at: characters.count)
        }
        if let bad = characters[expiryStart..<expiryStart + 7].firstIndex(where: { !TrackCharacters.isDigit($0) }) {
            let field = bad < expiryStart + 4 ? "expiry" : "serviceCode"
            throw failure("Track 2 expects digits for the expiry date and service code; found \(TrackCharacters.show(characters[bad])).", field: field, at: bad)
        }
        do throws(PaymentCoreError) {
            expiry = try Expiry(yymm: String(decoding: characters[expiryStart..<expiryStart + 4], as: UTF8.self))
            serviceCode = try ServiceCode(String(decoding: characters[expiryStart + 4..<expiryStart + 7], as: UTF8.self))
        } catch {
            throw error.relocated(field: "track2.expiry", offset: base + expiryStart)
        }

        let discretionary = characters[(expiryStart + 7)...]
        if let bad = discretionary.firstIndex(where: { !TrackCharacters.isDigit($0) }) {
            throw failure("Track 2 discretionary data is digits only; found \(TrackCharacters.show(characters[bad])).", field: "discretionaryData", at: bad)
        }
        discretionaryData = String(decoding: discretionary, as: UTF8.self)
    }
}
