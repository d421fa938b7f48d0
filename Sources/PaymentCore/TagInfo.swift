/// What the EMV data dictionary says about a tag.
public struct TagInfo: Sendable, Hashable {
    /// The name in EMV Book 3 Annex A (or the contactless kernel book that defines it).
    public let name: String
    /// The data format.
    public let format: TagFormat

    /// Creates an entry.
    public init(name: String, format: TagFormat) {
        self.name = name
        self.format = format
    }
}
