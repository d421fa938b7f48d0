/// How the card talks to the terminal: through its contacts (inserted) or over the air (tapped).
public enum CardInterface: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case contact
    case contactless

    /// POS entry mode (tag 9F39): 05 for chip, 07 for contactless chip.
    public var posEntryMode: UInt8 { self == .contact ? 0x05 : 0x07 }

    public var description: String { rawValue }
}
