import ArgumentParser

/// Changes the running terminal's emulated network: the field's dead zones and bad 4G, in a script.
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Show or change the running terminal's emulated network (up, down, flaky).",
        discussion: """
        `vtpe network down` cuts the link (requests fail at once: the terminal knows nothing was sent); \
        `vtpe network flaky --latency 300 --loss 20` delays every request and its answer by 300 ms and loses 20 % \
        of them (half on the way out, half on the way back: the terminal then asks what became of its payment); \
        `vtpe network up` restores it. Without a state, prints the link: state, figures, requests and losses so far. \
        Profiles set the figures and outages a terminal starts with (docs/networks.md).
        """
    )

    @Argument(help: "up, down or flaky; nothing to show the link.") var state: String?
    @Option(help: ArgumentHelp("One-way delay of each request and of its answer.", valueName: "ms")) var latency: Int?
    @Option(help: ArgumentHelp("Up to this much more delay each way, drawn at random.", valueName: "ms")) var jitter: Int?
    @Option(help: ArgumentHelp("Share of requests lost on a flaky network (default 10).", valueName: "percent")) var loss: Double?
    @OptionGroup var connection: TerminalConnection

    func validate() throws {
        if let state, !["up", "down", "flaky"].contains(state) { throw ValidationError("the state is up, down or flaky, not '\(state)'") }
        if state == nil, latency != nil || jitter != nil || loss != nil { throw ValidationError("give a state (up, down or flaky) with --latency, --jitter or --loss") }
        if loss != nil, state != "flaky" { throw ValidationError("--loss applies to a flaky network") }
    }

    func run() async throws {
        var words = ["network"] + (state.map { [$0] } ?? [])
        if let latency { words.append("latency=\(latency)") }
        if let jitter { words.append("jitter=\(jitter)") }
        if let loss { words.append("loss=\(loss)") }
        try await connection.send(words.joined(separator: " "))
    }
}
