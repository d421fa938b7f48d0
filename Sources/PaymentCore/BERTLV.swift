/// BER-TLV coding as EMV uses it (EMV Book 3 Annex B, ISO/IEC 8825-1 subset).
///
/// Decoding skips 0x00 and 0xFF bytes between objects (so no tag may start with 0xFF), accepts one- to four-byte tags
/// and definite lengths in short or long form (81–84, non-minimal forms included), and rejects indefinite lengths
/// (80), length fields longer than four bytes, truncation anywhere, constructed values whose children do not parse,
/// and nesting deeper than `maximumDepth`. Errors are `.invalidTLV` with `tagPath` (enclosing tags and, once read,
/// the offending tag) and `offset` (absolute index of the first byte of the offending tag, length or value field).
public enum BERTLV {
    /// Deepest nesting of constructed objects that `decode` follows (EMV templates nest about four deep).
    public static let maximumDepth = 32

    /// Decodes a sequence of TLV objects; with `recursive` (the default) constructed values are decoded too.
    public static func decode(_ bytes: [UInt8], recursive: Bool = true) throws(PaymentCoreError) -> [TLV] {
        try decode(bytes[...], path: [], depth: 0, recursive: recursive)
    }

    /// Encodes the objects one after another.
    public static func encode(_ items: [TLV]) -> [UInt8] {
        items.flatMap { $0.encoded() }
    }

    /// A definite length: one byte below 128, otherwise 81–84 followed by one to four big-endian bytes.
    public static func encodeLength(_ n: Int) -> [UInt8] {
        precondition(n >= 0 && UInt64(n) <= UInt64(UInt32.max), "a BER-TLV length must be between 0 and 2^32 - 1")
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var remaining = n
        while remaining > 0 {
            bytes.insert(UInt8(remaining & 0xFF), at: 0)
            remaining >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }

    /// Decodes `bytes`, whose indices are the offsets reported in errors.
    static func decode(_ bytes: ArraySlice<UInt8>, path: [Tag], depth: Int, recursive: Bool) throws(PaymentCoreError) -> [TLV] {
        var items: [TLV] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 0x00 || bytes[index] == 0xFF {
                index += 1
                continue
            }
            let header = try readHeader(bytes, at: index, path: path, code: .invalidTLV)
            let objectPath = path + [header.tag]
            let available = bytes.endIndex - header.valueStart
            guard header.length <= available else {
                throw PaymentCoreError(
                    code: .invalidTLV,
                    message: "The value of tag \(header.tag.hex) is \(header.length) bytes long but only \(available) remain; the data is truncated.",
                    offset: header.valueStart,
                    tagPath: objectPath
                )
            }
            let valueRange = header.valueStart..<(header.valueStart + header.length)
            var children: [TLV] = []
            if recursive, header.tag.isConstructed {
                guard depth < maximumDepth else {
                    throw PaymentCoreError(
                        code: .invalidTLV,
                        message: "Constructed objects are nested more than \(maximumDepth) deep; the data is probably not BER-TLV.",
                        offset: index,
                        tagPath: objectPath
                    )
                }
                children = try decode(bytes[valueRange], path: objectPath, depth: depth + 1, recursive: true)
            }
            items.append(TLV(tag: header.tag, value: Array(bytes[valueRange]), children: children))
            index = valueRange.upperBound
        }
        return items
    }

    /// A tag and length read from the wire.
    struct Header {
        var tag: Tag
        var lengthStart: Int
        var length: Int
        var valueStart: Int
    }

    /// Reads a tag and a definite length at `start`; errors use `code` so DOL parsing can share this.
    static func readHeader(_ bytes: ArraySlice<UInt8>, at start: Int, path: [Tag], code: PaymentCoreError.Code) throws(PaymentCoreError) -> Header {
        // Tag: the first byte, then subsequent bytes while bit 8 is set when its low five bits are all ones.
        var index = start
        var tagBytes = [bytes[index]]
        index += 1
        if tagBytes[0] & 0x1F == 0x1F {
            while true {
                guard index < bytes.endIndex else {
                    throw PaymentCoreError(
                        code: code,
                        message: "The tag starting \(HexCoding.encode(tagBytes)) is cut off: the data ends inside it.",
                        offset: start,
                        tagPath: path
                    )
                }
                let byte = bytes[index]
                tagBytes.append(byte)
                index += 1
                if byte & 0x80 == 0 { break }
                guard tagBytes.count < 4 else {
                    throw PaymentCoreError(
                        code: code,
                        message: "The tag starting \(HexCoding.encode(tagBytes)) is longer than four bytes, which EMV does not use.",
                        offset: start,
                        tagPath: path
                    )
                }
            }
        }
        let tag: Tag
        do throws(PaymentCoreError) {
            tag = try Tag(bytes: tagBytes)
        } catch {
            throw PaymentCoreError(code: code, message: error.message, offset: start, tagPath: path)
        }

        // Length: short form, or 81–84 and that many big-endian bytes.
        let path = path + [tag]
        guard index < bytes.endIndex else {
            throw PaymentCoreError(code: code, message: "Tag \(tag.hex) has no length: the data ends after the tag.", offset: index, tagPath: path)
        }
        let lengthStart = index
        let first = bytes[index]
        index += 1
        guard first & 0x80 != 0 else {
            return Header(tag: tag, lengthStart: lengthStart, length: Int(first), valueStart: index)
        }
        let count = Int(first & 0x7F)
        guard count != 0 else {
            throw PaymentCoreError(
                code: code,
                message: "Tag \(tag.hex) uses the indefinite length form (80), which EMV does not allow.",
                offset: lengthStart,
                tagPath: path
            )
        }
        guard count <= 4 else {
            throw PaymentCoreError(
                code: code,
                message: "The length of tag \(tag.hex) is given in \(count) bytes (\(HexCoding.byte(first))); at most four are allowed.",
                offset: lengthStart,
                tagPath: path
            )
        }
        guard bytes.endIndex - index >= count else {
            throw PaymentCoreError(
                code: code,
                message: "The length of tag \(tag.hex) is cut off: \(count) length bytes announced, \(bytes.endIndex - index) present.",
                offset: lengthStart,
                tagPath: path
            )
        }
        let length = bytes[index..<(index + count)].reduce(0) { $0 << 8 | Int($1) }
        return Header(tag: tag, lengthStart: lengthStart, length: length, valueStart: index + count)
    }
}
