/// A reader slot holding one virtual card: insert, tap and remove it at any time, even mid-dialogue.
///
/// While the card is out, `transmit` throws `EMVError(.cardRemoved)`; each insert or tap powers the card up again,
/// so the dialogue starts over while the card keeps its counters.
public actor VirtualCardChannel: CardChannel {
    /// The card as it is now (its counters change as it answers).
    public private(set) var card: VirtualCard
    /// True while the card is inserted or in the field.
    public private(set) var isPresent: Bool
    /// How the card is presented.
    public private(set) var interface: CardInterface
    /// Every command and response so far, oldest first.
    public private(set) var exchanges: [(command: CommandAPDU, response: ResponseAPDU)] = []

    /// A slot with `card` presented through `interface` (inserted for `.contact`, tapped for `.contactless`).
    public init(card: VirtualCard, interface: CardInterface = .contact, present: Bool = true) {
        var card = card
        let powered = present && card.reset(interface: interface)
        self.card = card
        self.interface = interface
        isPresent = present
        self.powered = powered
    }

    /// False when the card is present but has no chip on this interface (a contact-only card in the field).
    private var powered: Bool

    /// Puts the card into the chip slot.
    public func insert() {
        present(through: .contact)
    }

    /// Holds the card in the contactless field.
    public func tap() {
        present(through: .contactless)
    }

    /// Takes the card out (of the slot or the field).
    public func remove() {
        isPresent = false
        powered = false
    }

    /// Sends a command to the card.
    public func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        guard isPresent else { throw EMVError(.cardRemoved, "the card was removed") }
        guard powered else {
            throw EMVError(.cardNotResponding, "the card does not answer on the \(interface) interface")
        }
        let response = card.process(command)
        exchanges.append((command, response))
        return response
    }

    private func present(through interface: CardInterface) {
        self.interface = interface
        isPresent = true
        powered = card.reset(interface: interface)
    }
}
