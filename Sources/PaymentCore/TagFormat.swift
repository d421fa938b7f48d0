/// The data element formats of EMV Book 3 §4.3, which decide how a DOL pads and truncates a value.
public enum TagFormat: String, Sendable, Hashable, CaseIterable {
    /// Alphabetic.
    case a
    /// Alphanumeric.
    case an
    /// Alphanumeric and special characters.
    case ans
    /// Binary.
    case b
    /// Compressed numeric: BCD digits left-justified, padded with trailing F nibbles.
    case cn
    /// Numeric: BCD digits right-justified, padded with leading zero nibbles.
    case n
    /// Variable: a template whose content is other data objects.
    case `var`
}
