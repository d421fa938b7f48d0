/// A Data Object List (PDOL, CDOL1, CDOL2, DDOL, TDOL): the tags and lengths a card asks the terminal to send.
public struct DOL: Hashable, Sendable {
    /// One requested data object: its tag and the exact number of bytes to send.
    public struct Entry: Hashable, Sendable {
        /// The requested tag.
        public let tag: Tag
        /// Bytes to send for it.
        public let length: Int

        /// Creates an entry; a negative length is a programmer error.
        public init(tag: Tag, length: Int) {
            precondition(length >= 0, "a DOL entry length cannot be negative")
            self.tag = tag
            self.length = length
        }
    }

    /// The requested objects in order.
    public let entries: [Entry]

    /// A list of the given entries.
    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Longest value one entry may ask for; EMV data elements are far shorter, and a card cannot make the terminal
    /// allocate gigabytes by asking for more.
    public static let maximumEntryLength = 255

    /// Parses the value of a DOL tag (e.g. 9F38): tag and BER length pairs, no values.
    public init(parsing bytes: [UInt8]) throws(PaymentCoreError) {
        var entries: [Entry] = []
        var index = 0
        while index < bytes.count {
            let header = try BERTLV.readHeader(bytes[...], at: index, path: [], code: .invalidDOL)
            guard header.length <= Self.maximumEntryLength else {
                throw PaymentCoreError(
                    code: .invalidDOL,
                    message: "The list asks for \(header.length) bytes of tag \(header.tag.hex); at most \(Self.maximumEntryLength) are allowed.",
                    offset: header.lengthStart,
                    tagPath: [header.tag]
                )
            }
            entries.append(Entry(tag: header.tag, length: header.length))
            index = header.valueStart
        }
        self.entries = entries
    }

    /// The tag and length pairs as they appear in the DOL tag's value.
    public func encoded() -> [UInt8] {
        entries.flatMap { $0.tag.bytes + BERTLV.encodeLength($0.length) }
    }

    /// Sum of the entry lengths: the size of the data `build` returns.
    public var totalLength: Int { entries.reduce(0) { $0 + $1.length } }

    /// Concatenates the values for the entries, following EMV Book 3 §5.4.
    ///
    /// A missing value, or a constructed tag, gives zeros. A longer value is cut to the entry length: numeric (n)
    /// keeps its rightmost bytes, every other format its leftmost. A shorter value is padded: numeric with leading
    /// zeros, compressed numeric (cn) with trailing 0xFF, every other format with trailing zeros. Tags outside
    /// `EMVTags` count as binary.
    public func build(_ values: [Tag: [UInt8]]) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(totalLength)
        for entry in entries {
            data += Self.fit(values[entry.tag], tag: entry.tag, length: entry.length)
        }
        return data
    }

    /// Splits data built for this list back into one value per tag; throws unless its size is `totalLength`.
    public func parse(_ data: [UInt8]) throws(PaymentCoreError) -> [Tag: [UInt8]] {
        guard data.count == totalLength else {
            throw PaymentCoreError(
                code: .invalidDOL,
                message: "The data for this object list must be \(totalLength) bytes long, not \(data.count).",
                offset: min(data.count, totalLength)
            )
        }
        var values: [Tag: [UInt8]] = [:]
        var index = 0
        for entry in entries {
            values[entry.tag] = Array(data[index..<(index + entry.length)])
            index += entry.length
        }
        return values
    }

    static func fit(_ value: [UInt8]?, tag: Tag, length: Int) -> [UInt8] {
        guard let value, !tag.isConstructed else { return [UInt8](repeating: 0, count: length) }
        let format = EMVTags.info(for: tag)?.format ?? .b
        if value.count >= length {
            return format == .n ? Array(value.suffix(length)) : Array(value.prefix(length))
        }
        let padding = length - value.count
        switch format {
        case .n: return [UInt8](repeating: 0x00, count: padding) + value
        case .cn: return value + [UInt8](repeating: 0xFF, count: padding)
        default: return value + [UInt8](repeating: 0x00, count: padding)
        }
    }
}
