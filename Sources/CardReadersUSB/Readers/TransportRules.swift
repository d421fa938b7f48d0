import EMV

/// The terminal transport layer's rules for case 2 and 4 commands (EMV Book 1 §9.3.1.3), for every reader path: a
/// card that answers `61 xx` has more to say (GET RESPONSE fetches it), one that answers `6C xx` wants the command
/// again with Le = xx. Virtual cards never need them; real T=0 cards do.
enum TransportRules {
    /// GET RESPONSE rounds accepted for one command (a card that keeps saying "more" is given up on).
    static let maxResponseRounds = 16

    static func transmit(_ command: CommandAPDU, _ exchange: (CommandAPDU) async throws(EMVError) -> ResponseAPDU) async throws(EMVError) -> ResponseAPDU {
        var response = try await exchange(command)
        if response.status.sw1 == 0x6C {
            response = try await exchange(try CommandAPDU(cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2,
                                                          data: command.data, le: response.status.sw2))
        }
        var data = response.data
        var rounds = 0
        while response.status.sw1 == 0x61 {
            rounds += 1
            guard rounds <= maxResponseRounds else { throw EMVError(.malformedCardResponse, "the card kept answering 61 xx") }
            response = try await exchange(try CommandAPDU(cla: 0x00, ins: 0xC0, p1: 0, p2: 0, le: response.status.sw2))
            data += response.data
        }
        return ResponseAPDU(data: data, status: response.status)
    }
}
