/// Tells a keyboard-emulation swipe reader's "typing" from a person's. Such a reader types the tracks —
/// `%B<PAN>^<NAME>^<YYMM><svc><disc>?` then `;<PAN>=<YYMM><svc><disc>?` and Enter — a few milliseconds a key; a person
/// types a `%` or `;` and then nothing for a while. So: a start sentinel opens a possible swipe, the keys that follow
/// are held back while they come faster than `maxGap`, and Enter after a closed track makes it a swipe. A pause, or
/// a key that no track has, gives the held keys back as typing, in order. Pure: keys and their times in, outputs out;
/// the caller's clock drives `flush`.
public struct KeyboardWedgeDecoder: Sendable {
    public enum Output: Sendable, Equatable {
        /// Keys a person typed, to use as keys.
        case typed([Character])
        case swipe(Swipe)
        /// A swipe the reader garbled (the card was swiped too fast or crooked): the reason, never the track.
        case badSwipe(String)
    }

    /// The longest pause between two keys of one swipe (readers type a key every 1–8 ms; people rarely under 30 ms).
    public let maxGap: Duration
    /// Keys of a swipe at most (track 1 has 79 characters, track 2 has 40, track 3 has 107, and the Enters).
    static let maxLength = 240
    /// Held keys from this many on are a reader's, not a person's: what goes wrong with them is a bad swipe, never
    /// keys (a track's digits must not land in the amount or an e-mail address).
    static let trackLike = 6
    static let garbled = "the reader could not read the stripe (swipe again)"

    private var held: [Character] = []
    private var lastKey: Duration?

    public init(maxGap: Duration = .milliseconds(40)) {
        self.maxGap = maxGap
    }

    /// True while keys are held back (the caller should call `flush` after `maxGap`).
    public var holding: Bool { !held.isEmpty }

    /// A key typed at `time` (any monotonic clock's reading).
    public mutating func key(_ c: Character, at time: Duration) -> [Output] {
        var out = flush(at: time)
        defer { lastKey = time }
        if held.isEmpty {
            guard c == "%" || c == ";" else { return out + [.typed([c])] }
            held = [c]
            return out
        }
        if c == "\r" || c == "\n" {
            out += finish()
            return out
        }
        guard c.isASCII, !c.isNewline, held.count < Self.maxLength else {
            // Not a track character (or too many): typing after all — unless it was a reader's burst.
            if held.count >= Self.trackLike {
                out.append(.badSwipe(Self.garbled))
                held = []
                return out + key(c, at: time)
            }
            out.append(.typed(held + [c]))
            held = []
            return out
        }
        held.append(c)
        return out
    }

    /// Gives the held keys back as typing when the last came longer than `maxGap` before `time`.
    public mutating func flush(at time: Duration) -> [Output] {
        guard !held.isEmpty, let lastKey, time - lastKey > maxGap else { return [] }
        // A reader that types without Enter ends with a closed track: that is a swipe too.
        return release()
    }

    /// Gives back what is held now (a key that is no reader's came): a closed track as a swipe, the rest as typing.
    public mutating func release() -> [Output] {
        guard !held.isEmpty else { return [] }
        defer { held = [] }
        if held.last == "?", let swipe = try? Self.swipe(String(held)) { return [.swipe(swipe)] }
        return held.count >= Self.trackLike ? [.badSwipe(Self.garbled)] : [.typed(held)]
    }

    private mutating func finish() -> [Output] {
        let text = String(held)
        held = []
        guard text.contains("?") else {
            return text.count >= Self.trackLike ? [.badSwipe(Self.garbled)] : [.typed(Array(text) + ["\r"])]
        }
        do {
            return [.swipe(try Self.swipe(text))]
        } catch {
            return [.badSwipe(error.description)]
        }
    }

    /// The tracks out of a reader's text: `%…?` is track 1, `;…?` track 2 (the first; a track 3 also starts with `;`).
    /// An `E` right after a start sentinel is the reader's "could not read this track".
    static func swipe(_ text: String) throws(ReaderError) -> Swipe {
        var track1: String?
        var track2: String?
        var rest = Substring(text)
        while let start = rest.firstIndex(where: { $0 == "%" || $0 == ";" }) {
            guard let end = rest[start...].firstIndex(of: "?") else { break }
            let track = String(rest[start...end])
            let body = track.dropFirst()
            if !body.hasPrefix("E") {
                if track.first == "%" { track1 = track1 ?? track } else { track2 = track2 ?? track }
            }
            rest = rest[rest.index(after: end)...]
        }
        guard track1 != nil || track2 != nil else { throw .malformed(garbled) }
        return try Swipe(track1: track1, track2: track2)
    }
}
