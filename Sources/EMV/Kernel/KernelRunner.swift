/// Drives an `EMVKernel` over a `CardChannel`: what the terminal engine calls to run one chip transaction.
///
/// The closures stand for the people and systems around the kernel: the cardholder choosing an application or typing
/// a PIN, and the acquirer authorising online. A thrown `.cardRemoved` from the channel becomes the kernel's
/// `.cardRemoved` event, so a card pulled out at any step ends the transaction as `.terminated(.cardRemoved)`.
public struct KernelRunner: Sendable {
    /// Returns the index of the chosen candidate, or nil to cancel.
    public typealias ApplicationChooser = @Sendable ([Candidate]) async -> Int?
    /// Returns the PIN, or nil when the cardholder bypasses PIN entry.
    public typealias PINReader = @Sendable (PINRequest) async -> PINEntry?
    /// Sends the authorisation and returns the host's answer, or `.unableToGoOnline`.
    public typealias Authorizer = @Sendable (OnlineRequest) async -> OnlineResponse
    /// Sees every event and action, e.g. for an APDU trace (mask card data before logging it).
    public typealias Observer = @Sendable (KernelEvent?, [KernelAction]) -> Void

    public let configuration: TerminalConfiguration
    public let channel: any CardChannel
    public let chooseApplication: ApplicationChooser
    public let readPIN: PINReader
    public let authorize: Authorizer
    public let observe: Observer?

    public init(
        configuration: TerminalConfiguration,
        channel: any CardChannel,
        chooseApplication: @escaping ApplicationChooser = { _ in 0 },
        readPIN: @escaping PINReader,
        authorize: @escaping Authorizer,
        observe: Observer? = nil
    ) {
        self.configuration = configuration
        self.channel = channel
        self.chooseApplication = chooseApplication
        self.readPIN = readPIN
        self.authorize = authorize
        self.observe = observe
    }

    /// Runs one transaction to its outcome; cancelling the task cancels the transaction.
    public func run(_ transaction: Transaction) async -> KernelOutcome {
        var kernel = EMVKernel(configuration: configuration)
        var pending = kernel.handle(.start(transaction))
        observe?(.start(transaction), pending)
        while !pending.isEmpty {
            let action = pending.removeFirst()
            let event: KernelEvent
            switch action {
            case .complete(let outcome):
                return outcome
            case .transmit(let command):
                do throws(EMVError) {
                    event = .cardResponded(try await channel.transmit(command))
                } catch {
                    event = error.code == .cardRemoved ? .cardRemoved : .transmissionFailed(error)
                }
            case .chooseApplication(let candidates):
                // An index outside the list cancels, so a confused chooser cannot loop forever.
                let index = await chooseApplication(candidates).flatMap { candidates.indices.contains($0) ? $0 : nil }
                event = index.map(KernelEvent.applicationChosen) ?? .cancelled
            case .requestOfflinePIN(let triesLeft):
                event = await readPIN(.offline(triesLeft: triesLeft)).map(KernelEvent.pinEntered) ?? .pinBypassed
            case .requestOnlinePIN:
                event = await readPIN(.online).map(KernelEvent.pinEntered) ?? .pinBypassed
            case .goOnline(let request):
                event = .onlineResponse(await authorize(request))
            }
            let next = kernel.handle(Task.isCancelled ? .cancelled : event)
            observe?(event, next)
            pending += next
        }
        // The kernel always ends with `.complete`; reaching here means an event it ignored, so cancel cleanly.
        for action in kernel.handle(.cancelled) {
            if case .complete(let outcome) = action { return outcome }
        }
        return kernel.cancelledOutcome
    }
}
