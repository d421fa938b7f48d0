/// ISO 9564-1 PIN block formats.
public enum PINBlockFormat: String, Sendable, CaseIterable {
    /// Format 0 (ANSI X9.8): `0` ‖ length ‖ PIN ‖ `F` fill, XORed with 0000 ‖ 12 PAN digits (no check digit).
    case iso0
    /// Format 1: `1` ‖ length ‖ PIN ‖ random fill; no PAN. For where no PAN is available.
    case iso1
    /// Format 2: `2` ‖ length ‖ PIN ‖ `F` fill; no PAN. Offline PIN to the chip (EMV VERIFY) only.
    case iso2
    /// Format 3: as format 0 but with random fill digits A–F.
    case iso3
    /// Format 4 (AES): a 16-byte PIN field `4` ‖ length ‖ PIN ‖ `A` fill ‖ 8 random bytes, tied to the PAN field
    /// when enciphered.
    case iso4

    /// The control nibble: the format number.
    var control: UInt8 {
        switch self {
        case .iso0: 0
        case .iso1: 1
        case .iso2: 2
        case .iso3: 3
        case .iso4: 4
        }
    }

    /// The clear block's size in bytes: 8, or 16 for format 4's PIN field.
    public var byteCount: Int { self == .iso4 ? 16 : 8 }

    /// True for the formats whose clear block is XORed with the PAN (0 and 3); format 4 binds the PAN
    /// at encipherment instead.
    var bindsPANInBlock: Bool { self == .iso0 || self == .iso3 }
}
