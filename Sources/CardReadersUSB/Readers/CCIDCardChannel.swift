import EMV

/// How a CCID reader carries a card's APDU: plain, in XfrBlock (ACR1252U and most readers), or wrapped in the
/// ACR122U's PN532 InDataExchange.
public enum APDUCarrier: Sendable, Equatable {
    case xfrBlock
    case pn532
}

/// The card in a CCID reader, as the EMV kernel's channel: the same kernel, gateway and issuer path as a virtual
/// card's. The transport layer's rules for case 2 and 4 commands (EMV Book 1 §9.3.1.3) are kept here: `61 xx`
/// fetches the rest with GET RESPONSE, `6C xx` sends the command again with the right Le.
public final class CCIDCardChannel: CardChannel {
    private let session: CCIDSession
    private let carrier: APDUCarrier
    /// GET RESPONSE rounds accepted for one command (a card that keeps saying "more" is given up on).
    static let maxResponseRounds = 16

    public init(session: CCIDSession, carrier: APDUCarrier) {
        self.session = session
        self.carrier = carrier
    }

    public func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        var response = try await exchange(command)
        if response.status.sw1 == 0x6C {
            response = try await exchange(try CommandAPDU(cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2,
                                                          data: command.data, le: response.status.sw2))
        }
        var data = response.data
        var rounds = 0
        while response.status.sw1 == 0x61 {
            rounds += 1
            guard rounds <= Self.maxResponseRounds else { throw EMVError(.malformedCardResponse, "the card kept answering 61 xx") }
            response = try await exchange(try CommandAPDU(cla: 0x00, ins: 0xC0, p1: 0, p2: 0, le: response.status.sw2))
            data += response.data
        }
        return ResponseAPDU(data: data, status: response.status)
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
