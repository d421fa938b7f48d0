/// The one error type of the EMV module: a code, a sentence, and where (byte offset, tag path or profile field) when known.
public struct EMVError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A command or response APDU that cannot be encoded or parsed.
        case invalidAPDU
        /// The card left the reader (pulled out or taken out of the field).
        case cardRemoved
        /// The card is present but does not answer on this interface (e.g. a contact-only card in the field).
        case cardNotResponding
        /// The card answered something the protocol does not allow.
        case cardError
        /// A card response whose TLV or fixed-layout data does not parse.
        case malformedCardResponse
        /// Data that is not a valid EMV data object (TVR, CVM list, AFL, PIN, date, ...).
        case invalidData
        /// A card profile (card-profiles.json or a profile built in code) that cannot make a card.
        case invalidProfile
    }

    public let code: Code
    public let message: String
    public let offset: Int?
    /// Where, in words: "card-profiles.json: profiles[3].cvm_list", "70/8E", ...
    public let location: String?

    public init(_ code: Code, _ message: String, offset: Int? = nil, location: String? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.location = location
    }

    public var description: String {
        var text = message
        if let location { text += " (\(location))" }
        if let offset { text += " (at byte \(offset))" }
        return text
    }
}
