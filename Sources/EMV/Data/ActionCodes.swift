/// Action codes: the TVR bits that make a transaction decline offline, go online, or decline when it cannot go
/// online (EMV Book 3 §10.7). Terminals (TAC) and issuers (IAC, tags 9F0E/9F0F/9F0D) use the same shape.
public struct ActionCodes: Sendable, Hashable {
    public var denial: TerminalVerificationResults
    public var online: TerminalVerificationResults
    public var `default`: TerminalVerificationResults

    public init(denial: TerminalVerificationResults, online: TerminalVerificationResults, default: TerminalVerificationResults) {
        self.denial = denial
        self.online = online
        self.default = `default`
    }
}
