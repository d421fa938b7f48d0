/// A channel to a card: send a command APDU, get its response.
///
/// The kernel speaks only through this, so the same dialogue runs against a virtual card, a USB reader or a
/// recorded trace.
public protocol CardChannel: Sendable {
    /// Sends one command and waits for the card's answer; throws `EMVError(.cardRemoved)` when the card is gone.
    func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU
}
