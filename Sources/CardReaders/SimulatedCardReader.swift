import Foundation
import PaymentCore

/// The built-in card simulator: presents test cards from the catalog as if tapped, inserted or swiped.
public final class SimulatedCardReader: CardReader {
    public let name = "Simulator"
    public let events: AsyncStream<CardEvent>
    public let catalog: TestCardCatalog
    private let continuation: AsyncStream<CardEvent>.Continuation

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
    public func present(_ nameOrNumber: String, mode: EntryMode, now: Date = Date()) throws(CardReaderError) -> CardPresentation {
        try present(card(for: nameOrNumber), mode: mode, now: now)
    }

    /// Presents a catalog card.
    @discardableResult
    public func present(_ card: TestCard, mode: EntryMode, now: Date = Date()) throws(CardReaderError) -> CardPresentation {
        let presentation = try Self.presentation(of: card, mode: mode, now: now)
        continuation.yield(.cardPresented(presentation))
        return presentation
    }

    /// Takes the card away.
    public func remove() { continuation.yield(.cardRemoved) }

    /// The track 2 a simulated card carries: its PAN, an expiry four years ahead (December), service code 201
    /// (international chip card) and fixed discretionary data.
    public static func presentation(of card: TestCard, mode: EntryMode, now: Date) throws(CardReaderError) -> CardPresentation {
        guard let pan = card.pan else { throw CardReaderError.unreadableCard(card.name) }
        let year = Calendar(identifier: .gregorian).component(.year, from: now) + 4
        let text = "\(pan.revealDigits())=\(String(year % 100))12201000000000"
        do {
            return CardPresentation(entryMode: mode, track2: try Track2(parsing: text))
        } catch {
            throw CardReaderError.unreadableCard(card.name)
        }
    }
}

/// Why a reader could not produce a card.
public enum CardReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCard(String)
    case unreadableCard(String)

    public var description: String {
        switch self {
        case .unknownCard(let s):
            // Never echo a full card number back.
            let shown = s.allSatisfy(\.isNumber) && s.count > 10 ? "…" + s.suffix(4) : String(s.prefix(40))
            return "unknown card '\(shown)': use a catalog name (vtpe tap --list), a test card number or a simulator key 1–9"
        case .unreadableCard(let name):
            return "card '\(name)' cannot be read (its number fails the Luhn check)"
        }
    }
}
