/// One swipe from a MagTek USB swipe reader in HID mode (0801:0002): a single 337-byte input report — bytes 0–2 the
/// decode status of tracks 1–3 (0 = decoded), 3–5 their lengths, 6 the card encoding, then a 110-byte buffer per
/// track at offsets 7, 117 and 227 (MagTek 99875191, "USB HID swipe reader technical reference"). Pure: bytes in,
/// tracks out.
public struct MagTekReport: Sendable, Equatable {
    public static let length = 337
    static let trackOffsets = [7, 117, 227]
    static let trackCapacity = 110

    /// The tracks as the reader decoded them (nil: empty or not decoded), sentinels included (`%B…?`, `;…?`).
    public var tracks: [String?]

    public init(_ report: [UInt8]) throws(ReaderError) {
        guard report.count >= Self.length else {
            throw .malformed("a MagTek report has \(Self.length) bytes, this one \(report.count)")
        }
        var tracks: [String?] = []
        for i in 0..<3 {
            let status = report[i]
            let length = Int(report[3 + i])
            guard status == 0, length > 0 else { tracks.append(nil); continue }
            guard length <= Self.trackCapacity else { throw .malformed("track \(i + 1) length \(length) is over the report's \(Self.trackCapacity)") }
            let bytes = report[Self.trackOffsets[i]..<(Self.trackOffsets[i] + length)]
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw .malformed("track \(i + 1) holds non-text bytes") }
            tracks.append(String(decoding: bytes, as: UTF8.self))
        }
        self.tracks = tracks
    }

    /// Builds a report (for tests and the emulated reader): tracks as text, sentinels included.
    public static func encode(track1: String?, track2: String?, track3: String? = nil) -> [UInt8] {
        var report = [UInt8](repeating: 0, count: length)
        for (i, track) in [track1, track2, track3].enumerated() {
            guard let track, !track.isEmpty else { report[i] = 1; continue }
            let bytes = Array(track.utf8.prefix(trackCapacity))
            report[3 + i] = UInt8(bytes.count)
            report.replaceSubrange(trackOffsets[i]..<(trackOffsets[i] + bytes.count), with: bytes)
        }
        report[6] = 1 // ISO/ABA encoding
        return report
    }
}
