import CardReaders
import PaymentCore

/// A magnetic stripe as read: track 2 (what a payment needs) and track 1 when the reader gave it. Masks itself.
public struct Swipe: Sendable, Equatable, CustomStringConvertible {
    public var track1: Track1?
    public var track2: Track2

    /// The tracks as text, sentinels included or not: track 2 is taken as is; a missing or unreadable track 2 is made
    /// from track 1 (the same PAN, expiry, service code). Errors name the track, never its content.
    public init(track1 text1: String?, track2 text2: String?) throws(ReaderError) {
        let one: Track1? = text1.flatMap { try? Track1(parsing: $0) }
        let fromTrack1 = one.flatMap { try? Track2(pan: $0.pan, expiry: $0.expiry, serviceCode: $0.serviceCode) }
        if let text2 {
            do {
                track2 = try Track2(parsing: text2)
            } catch {
                guard let fromTrack1 else { throw .malformed("track 2 is not ISO 7813 track 2 data (\(error.message))") }
                track2 = fromTrack1
            }
        } else if let fromTrack1 {
            track2 = fromTrack1
        } else {
            throw .malformed(text1 == nil ? "the swipe has no track 1 or track 2" : "track 1 is not ISO 7813 format B data and there is no track 2")
        }
        track1 = one
    }

    /// The swipe as the engine takes a card (the fallback rules — a chip card swiped — are the engine's).
    public var presentation: CardPresentation { CardPresentation(swiped: track2) }

    public var description: String { "swipe \(track2.pan.masked)" }
}
