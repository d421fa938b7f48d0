import EMV
import Foundation
import PaymentCore
import Synchronization

/// The built-in card simulator: presents test cards from the catalog as if tapped, inserted or swiped.
///
/// A tapped or inserted card is a virtual EMV card (`CardProfile.virtualCard`): its bundled profile when the
/// catalog card has one, else a generic chip card of its brand. Each card keeps its counters (ATC, PIN tries)
/// from one presentation to the next for as long as the reader lives.
public final class SimulatedCardReader: CardReader {
    public let name = "Simulator"
    public let events: AsyncStream<CardEvent>
    public let catalog: TestCardCatalog
    private let continuation: AsyncStream<CardEvent>.Continuation
    private let wallet = VirtualCardWallet()
    private let current = Mutex<SimulatedChip?>(nil)

    public init(catalog: TestCardCatalog = .standard) {
        self.catalog = catalog
        (events, continuation) = AsyncStream.makeStream(of: CardEvent.self, bufferingPolicy: .bufferingNewest(16))
    }

    /// The cards a user can present with one key, in key order.
    public var cards: [TestCard] { catalog.simulatorCards }

    /// The catalog card a user means: a name (`visa`), a number, a payment method id or a simulator key (`1`).
    public func card(for nameOrNumber: String) throws(CardReaderError) -> TestCard {
        if nameOrNumber.count == 1, let card = catalog.card(simulatorKey: nameOrNumber.first!) { return card }
        guard let card = catalog.resolve(nameOrNumber) else { throw CardReaderError.unknownCard(nameOrNumber) }
        return card
    }

    /// Presents a catalog card by name, number or key, the way a card would be read.
    @discardableResult
    public func present(_ nameOrNumber: String, mode: EntryMode, pin: PINEntry? = nil, now: Date = Date()) throws(CardReaderError) -> CardPresentation {
        try present(card(for: nameOrNumber), mode: mode, pin: pin, now: now)
    }

    /// Presents a catalog card.
    @discardableResult
    public func present(_ card: TestCard, mode: EntryMode, pin: PINEntry? = nil, now: Date = Date()) throws(CardReaderError) -> CardPresentation {
        let presentation = try self.presentation(of: card, mode: mode, pin: pin, now: now)
        continuation.yield(.cardPresented(presentation))
        return presentation
    }

    /// The card as this reader reads it, without announcing it: a chip session for a tap or an insert, track 2 for
    /// a swipe.
    /// `damagedChip`: the chip does not answer (a failed chip read, after which the terminal takes the stripe).
    public func presentation(of card: TestCard, mode: EntryMode, pin: PINEntry? = nil, now: Date = Date(), damagedChip: Bool = false) throws(CardReaderError) -> CardPresentation {
        let profile = try Self.profile(of: card, now: now)
        guard let interface = mode.chipInterface else {
            // A phone or watch wallet has no magnetic stripe.
            guard !profile.supportsCDCVM else { throw CardReaderError.noStripe(card.name) }
            return CardPresentation(swiped: try Self.track2(of: profile, card: card), pin: pin)
        }
        guard profile.interfaces.contains(interface) else { throw CardReaderError.noChipOn(card.name, mode) }
        let chip = SimulatedChip(name: profile.name, wallet: wallet, profile: profile, interface: interface, damaged: damagedChip)
        current.withLock { $0?.remove(); $0 = chip }
        return CardPresentation(entryMode: mode, medium: .chip(ChipCard(channel: chip, knownPAN: profile.pan)), pin: pin)
    }

    /// Takes the card away (out of the slot or the field), also in the middle of a dialogue.
    public func remove() {
        current.withLock { $0?.remove(); $0 = nil }
        continuation.yield(.cardRemoved)
    }

    /// The chip personalisation of a catalog card.
    public static func profile(of card: TestCard, now: Date) throws(CardReaderError) -> CardProfile {
        guard let pan = card.pan else { throw CardReaderError.unreadableCard(card.name) }
        let year = Calendar(identifier: .gregorian).component(.year, from: now) + 4
        guard let expiry = try? Expiry(month: 12, year: year) else { throw CardReaderError.unreadableCard(card.name) }
        return CardProfile.virtualCard(for: pan, name: card.name, expiry: expiry)
    }

    /// The magnetic stripe of a card: its PAN, expiry and service code, fixed discretionary data.
    static func track2(of profile: CardProfile, card: TestCard) throws(CardReaderError) -> Track2 {
        do {
            return try Track2(pan: profile.pan, expiry: profile.expiry, serviceCode: profile.serviceCode, discretionaryData: "1000000000")
        } catch {
            throw CardReaderError.unreadableCard(card.name)
        }
    }
}

/// The simulator's cards, by name: their state (ATC, PIN tries, offline counters) outlives each presentation.
final class VirtualCardWallet: Sendable {
    private let cards = Mutex<[String: VirtualCard]>([:])

    /// Powers the card up on `interface` (making it from `profile` the first time); false when it has no chip there.
    func reset(_ name: String, profile: CardProfile, interface: CardInterface) -> Bool {
        cards.withLock { cards in
            var card = cards[name] ?? VirtualCard(profile: profile)
            let powered = card.reset(interface: interface)
            cards[name] = card
            return powered
        }
    }

    func process(_ name: String, _ command: CommandAPDU) -> ResponseAPDU? {
        cards.withLock { cards in
            guard var card = cards[name] else { return nil }
            let response = card.process(command)
            cards[name] = card
            return response
        }
    }
}

/// One presentation of a simulated chip: talks to the wallet's card until it is removed.
final class SimulatedChip: CardChannel, Sendable {
    private let name: String
    private let wallet: VirtualCardWallet
    private let interface: CardInterface
    private let state: Mutex<(present: Bool, powered: Bool)>

    init(name: String, wallet: VirtualCardWallet, profile: CardProfile, interface: CardInterface, damaged: Bool = false) {
        self.name = name
        self.wallet = wallet
        self.interface = interface
        state = Mutex((true, !damaged && wallet.reset(name, profile: profile, interface: interface)))
    }

    func remove() { state.withLock { $0.present = false } }

    func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        let (present, powered) = state.withLock { ($0.present, $0.powered) }
        guard present else { throw EMVError(.cardRemoved, "the card was removed") }
        guard powered, let response = wallet.process(name, command) else {
            throw EMVError(.cardNotResponding, "the card does not answer on the \(interface) interface")
        }
        return response
    }
}

/// Why a reader could not produce a card.
public enum CardReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCard(String)
    case unreadableCard(String)
    /// The card has no chip for that interface (a contact-only card tapped, or a contactless-only card inserted).
    case noChipOn(String, EntryMode)
    /// A phone or watch wallet: nothing to swipe.
    case noStripe(String)

    public var description: String {
        switch self {
        case .unknownCard(let s):
            // Never echo a full card number back.
            let shown = s.allSatisfy(\.isNumber) && s.count > 10 ? "…" + s.suffix(4) : String(s.prefix(40))
            return "unknown card '\(shown)': use a catalog name (vtpe tap --list), a test card number or a simulator key 1–9"
        case .unreadableCard(let name):
            return "card '\(name)' cannot be read (its number fails the Luhn check)"
        case .noStripe(let name):
            return "card '\(name)' is a phone wallet: it has no magnetic stripe to swipe; tap it"
        case .noChipOn(let name, let mode):
            return "card '\(name)' cannot be \(mode == .contactless ? "tapped: it has no contactless chip; insert it" : "inserted: it is contactless only; tap it")"
        }
    }
}
