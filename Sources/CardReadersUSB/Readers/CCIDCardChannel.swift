import EMV

/// How a CCID reader carries a card's APDU: plain, in XfrBlock (ACR1252U and most readers), or wrapped in the
/// ACR122U's PN532 InDataExchange.
public enum APDUCarrier: Sendable, Equatable {
    case xfrBlock
    case pn532
}

/// The card in a CCID reader, as the EMV kernel's channel: the same kernel, gateway and issuer path as a virtual
/// card's, with the transport rules of `TransportRules`.
public final class CCIDCardChannel: CardChannel {
    private let session: CCIDSession
    private let carrier: APDUCarrier

    public init(session: CCIDSession, carrier: APDUCarrier) {
        self.session = session
        self.carrier = carrier
    }

    public func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        try await TransportRules.transmit(command) { (c) throws(EMVError) in try await exchange(c) }
    }

    /// One command and its answer through the reader, reader failures as the kernel's errors.
    private func exchange(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        let answer: Result<[UInt8], PN532.ExchangeFailure>
        do throws(ReaderError) {
            switch carrier {
            case .xfrBlock: answer = .success(try await session.transmit(command.bytes))
            case .pn532: answer = try PN532.parseExchange(try await ACR122U.pn532(session, PN532.dataExchange(command.bytes)))
            }
        } catch {
            throw Self.kernelError(error)
        }
        switch answer {
        case .success(let bytes): return try ResponseAPDU(bytes: bytes)
        case .failure(.cardGone): throw EMVError(.cardRemoved, "the card left the reader's field")
        case .failure(.error(let code)): throw EMVError(.cardNotResponding, "the reader's PN532 reports error 0x\(hex(code))")
        case .failure(.chained): throw EMVError(.malformedCardResponse, "the card's answer came chained over several PN532 frames")
        }
    }

    /// A reader failure as the kernel sees it: a card gone (unplugged reader, empty slot) ends the dialogue as a
    /// removal; the rest is a card that does not answer, with the reader's words.
    static func kernelError(_ error: ReaderError) -> EMVError {
        switch error {
        case .disconnected: EMVError(.cardRemoved, "the reader was unplugged")
        case .protocolError(.commandFailed(_, .absent)), .protocolError(.noCard): EMVError(.cardRemoved, "the card was removed")
        default: EMVError(.cardNotResponding, error.description)
        }
    }
}
