/// One BER-TLV data object: a tag and its value bytes, with the decoded children when the tag is constructed.
///
/// Two objects are equal when tag and value bytes are equal; `children` is derived from `value`.
/// `description`, `debugDescription` and the mirror mask sensitive values (see `Tag.isSensitive`).
public struct TLV: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The tag.
    public let tag: Tag
    /// The raw value bytes (for a constructed object, the encoded children).
    public let value: [UInt8]
    /// The decoded children of a constructed object; empty for a primitive object, and for a constructed one that was
    /// decoded with `recursive: false` or whose value does not parse (use `decodedChildren()` to see why).
    public let children: [TLV]

    /// A primitive object, or a constructed one whose value is already encoded (its children are decoded if they parse).
    public init(tag: Tag, value: [UInt8]) {
        self.tag = tag
        self.value = value
        children = tag.isConstructed ? ((try? BERTLV.decode(value[...], path: [tag], depth: 1, recursive: true)) ?? []) : []
    }

    /// A constructed object holding `children`, encoded one after another as its value.
    public init(tag: Tag, children: [TLV]) {
        self.tag = tag
        value = BERTLV.encode(children)
        self.children = children
    }

    init(tag: Tag, value: [UInt8], children: [TLV]) {
        self.tag = tag
        self.value = value
        self.children = children
    }

    /// Decodes the value as a sequence of TLV objects; errors carry this tag in their path and offsets relative to the value.
    public func decodedChildren() throws(PaymentCoreError) -> [TLV] {
        try BERTLV.decode(value[...], path: [tag], depth: 1, recursive: true)
    }

    /// Tag, length and value bytes.
    public func encoded() -> [UInt8] {
        tag.bytes + BERTLV.encodeLength(value.count) + value
    }

    /// The first object with `tag` among the descendants, depth-first in encoding order (not `self`).
    public func first(_ tag: Tag) -> TLV? {
        let children = children.isEmpty && self.tag.isConstructed ? ((try? decodedChildren()) ?? []) : children
        return children.first(tag)
    }

    /// Upper-case hex of the value, e.g. "A0000000031010".
    public var hexValue: String { HexCoding.encode(value) }

    /// Equal when tag and value bytes are equal.
    public static func == (lhs: TLV, rhs: TLV) -> Bool {
        lhs.tag == rhs.tag && lhs.value == rhs.value
    }

    /// Hashes tag and value bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        hasher.combine(value)
    }

    /// "9F26(8)=1122334455667788", or "70[...]" for constructed objects; sensitive values masked.
    public var description: String {
        if tag.isConstructed, !children.isEmpty || value.isEmpty {
            return "\(tag.hex)[\(children.map(\.description).joined(separator: ", "))]"
        }
        return "\(tag.hex)(\(value.count))=\(maskedValue)"
    }

    /// Same as `description`.
    public var debugDescription: String { "TLV(\(description))" }

    /// A mirror showing the tag and the masked value only.
    public var customMirror: Mirror {
        tag.isConstructed
            ? Mirror(self, children: ["tag": tag.hex, "children": children], displayStyle: .struct)
            : Mirror(self, children: ["tag": tag.hex, "value": maskedValue], displayStyle: .struct)
    }

    /// The value in hex, or a masked rendering for sensitive tags and for constructed values, whose
    /// raw bytes would show their sensitive children in clear.
    var maskedValue: String {
        if tag.isConstructed {
            return children.isEmpty && !value.isEmpty ? "<\(value.count) bytes, unparsed>" : "<\(children.count) objects>"
        }
        guard tag.isSensitive else { return hexValue }
        switch tag {
        case .pan:
            let digits = String(HexCoding.encode(value).prefix { $0 != "F" })
            if let pan = try? PAN(digits) { return pan.masked }
        case .track2Equivalent, .track2Data:
            if let track = try? Track2(emvBytes: value) { return track.description }
        default:
            break
        }
        return "<\(value.count) bytes masked>"
    }
}

extension Array where Element == TLV {
    /// The first object with `tag` in this list or below it, depth-first in encoding order.
    public func first(_ tag: Tag) -> TLV? {
        for item in self {
            if item.tag == tag { return item }
            if item.tag.isConstructed, let found = item.first(tag) { return found }
        }
        return nil
    }
}
