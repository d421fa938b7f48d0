import PaymentCore

/// How a card reached the terminal; the raw values are Stripe's `read_method` names.
public enum EntryMode: String, Sendable, Codable, CaseIterable {
    case contactless = "contactless_emv"
    case contact = "contact_emv"
    case magstripe = "magnetic_stripe_track2"

    /// A word for screens: TAP, INSERT, SWIPE.
    public var verb: String {
        switch self {
        case .contactless: "TAP"
        case .contact: "INSERT"
        case .magstripe: "SWIPE"
        }
    }

    /// A word for receipts.
    public var receiptLabel: String {
        switch self {
        case .contactless: "CONTACTLESS"
        case .contact: "CHIP"
        case .magstripe: "SWIPED"
        }
    }
}

/// A card as read: its entry mode and track 2 (equivalent) data. Masks itself in every description.
public struct CardPresentation: Sendable, Equatable, CustomStringConvertible {
    public let entryMode: EntryMode
    public let track2: Track2

    public init(entryMode: EntryMode, track2: Track2) {
        self.entryMode = entryMode
        self.track2 = track2
    }

    public var description: String { "\(entryMode.verb) \(track2.pan.masked)" }
}

/// What a reader reports.
public enum CardEvent: Sendable, Equatable {
    /// A card was tapped, inserted or swiped and read.
    case cardPresented(CardPresentation)
    /// The card left the reader (removed, or taken away from the field).
    case cardRemoved
    /// The reader failed; the terminal shows the message and keeps working.
    case readerFailed(String)
}

/// A source of card events: the simulator or a USB reader.
public protocol CardReader: Sendable {
    /// A name for screens and logs, e.g. "Simulator" or "ACS ACR122U".
    var name: String { get }
    /// The reader's events, in order. One consumer.
    var events: AsyncStream<CardEvent> { get }
}
