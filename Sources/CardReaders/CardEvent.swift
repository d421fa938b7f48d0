import EMV
import PaymentCore

/// How a card reached the terminal; the raw values are Stripe's `read_method` names.
public enum EntryMode: String, Sendable, Codable, CaseIterable {
    case contactless = "contactless_emv"
    case contact = "contact_emv"
    case magstripe = "magnetic_stripe_track2"

    /// The kernel's interface for a chip read; nil for a swipe.
    public var chipInterface: CardInterface? {
        switch self {
        case .contactless: .contactless
        case .contact: .contact
        case .magstripe: nil
        }
    }

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

/// A chip card in the reader's slot or field: the channel the EMV kernel talks to. Two presentations are the same
/// card only when they are the same reader session.
public final class ChipCard: Sendable, Equatable {
    public let channel: any CardChannel
    /// The card's number when the reader already knows it (the simulator does; a USB reader learns it from the
    /// card's records), for screens before the dialogue has read it.
    public let knownPAN: PAN?

    public init(channel: any CardChannel, knownPAN: PAN? = nil) {
        self.channel = channel
        self.knownPAN = knownPAN
    }

    public static func == (lhs: ChipCard, rhs: ChipCard) -> Bool { lhs === rhs }
}

/// A card as presented: its entry mode and either the chip to run the EMV dialogue with, or the magnetic stripe's
/// track 2. Masks itself in every description.
public struct CardPresentation: Sendable, Equatable, CustomStringConvertible {
    public enum Medium: Sendable, Equatable {
        case chip(ChipCard)
        case magstripe(Track2)
    }

    public let entryMode: EntryMode
    public let medium: Medium
    /// The PIN typed ahead by whoever presented the card (QA: `vtpe tap --pin`, the gateway's
    /// `present_payment_method`); nil lets the cardholder type it on the PIN pad.
    public let pin: PINEntry?
    /// The application the cardholder picks when the card offers several brands (its label or its 1-based position),
    /// chosen ahead like the PIN (`vtpe tap --app`); nil: the terminal asks.
    public var application: String?

    public init(entryMode: EntryMode, medium: Medium, pin: PINEntry? = nil, application: String? = nil) {
        self.entryMode = entryMode
        self.medium = medium
        self.pin = pin
        self.application = application
    }

    /// A swiped card.
    public init(swiped track2: Track2, pin: PINEntry? = nil) {
        self.init(entryMode: .magstripe, medium: .magstripe(track2), pin: pin)
    }

    /// The card number, when known before the dialogue.
    public var knownPAN: PAN? {
        switch medium {
        case .chip(let chip): chip.knownPAN
        case .magstripe(let track): track.pan
        }
    }

    public var description: String { "\(entryMode.verb) \(knownPAN?.masked ?? "chip card")" }
}

/// What a reader reports.
public enum CardEvent: Sendable, Equatable {
    /// A card was tapped, inserted or swiped and read.
    case cardPresented(CardPresentation)
    /// The card left the reader (removed, or taken away from the field).
    case cardRemoved
    /// The reader failed; the terminal shows the message and keeps working.
    case readerFailed(String)
    /// The reader came or went (a USB reader plugged in, unplugged, not attached yet), with the words for the screen.
    case readerConnection(connected: Bool, message: String)
}

/// A source of card events: the simulator or a USB reader.
public protocol CardReader: Sendable {
    /// A name for screens and logs, e.g. "Simulator" or "ACS ACR122U".
    var name: String { get }
    /// The reader's events, in order. One consumer.
    var events: AsyncStream<CardEvent> { get }
}
