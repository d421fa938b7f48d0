/// The Application File Locator, tag 94: which records to read, four bytes per file.
public struct ApplicationFileLocator: Hashable, Sendable {
    /// One file: its short file identifier and the range of records to read.
    public struct Entry: Hashable, Sendable {
        public var sfi: UInt8
        public var firstRecord: UInt8
        public var lastRecord: UInt8
        /// Records from `firstRecord` on that take part in offline data authentication.
        public var offlineAuthenticationRecords: UInt8

        public init(sfi: UInt8, firstRecord: UInt8, lastRecord: UInt8, offlineAuthenticationRecords: UInt8 = 0) {
            self.sfi = sfi
            self.firstRecord = firstRecord
            self.lastRecord = lastRecord
            self.offlineAuthenticationRecords = offlineAuthenticationRecords
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses and checks the value of tag 94 (EMV Book 3 §10.2): SFI 1–30, first record ≥ 1, last ≥ first, and no more
    /// ODA records than records.
    public init(bytes: [UInt8]) throws(EMVError) {
        guard !bytes.isEmpty, bytes.count % 4 == 0 else {
            throw EMVError(.invalidData, "An AFL is a non-empty list of 4-byte entries; this one is \(bytes.count) bytes long.", location: "94")
        }
        var entries: [Entry] = []
        for start in stride(from: 0, to: bytes.count, by: 4) {
            let entry = Entry(sfi: bytes[start] >> 3, firstRecord: bytes[start + 1], lastRecord: bytes[start + 2], offlineAuthenticationRecords: bytes[start + 3])
            guard bytes[start] & 0x07 == 0, (1...30).contains(entry.sfi), entry.firstRecord >= 1, entry.lastRecord >= entry.firstRecord,
                  Int(entry.offlineAuthenticationRecords) <= Int(entry.lastRecord) - Int(entry.firstRecord) + 1
            else {
                throw EMVError(.invalidData, "AFL entry \(start / 4 + 1) does not name a valid SFI and record range.", offset: start, location: "94")
            }
            entries.append(entry)
        }
        self.entries = entries
    }

    /// The value of tag 94.
    public var bytes: [UInt8] {
        entries.flatMap { [$0.sfi << 3, $0.firstRecord, $0.lastRecord, $0.offlineAuthenticationRecords] }
    }

    /// Every (SFI, record) to read, in order.
    public var records: [(sfi: UInt8, record: UInt8)] {
        entries.flatMap { entry in (entry.firstRecord...entry.lastRecord).map { (entry.sfi, $0) } }
    }
}
