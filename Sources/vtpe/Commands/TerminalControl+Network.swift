import TerminalEngine

extension TerminalControl {
    /// `network` shows the emulated link; `network up|down|flaky [latency=MS] [jitter=MS] [loss=PCT]` changes it.
    /// Figures not given keep their value; `up` clears the loss, `flaky` without `loss=` loses 10 %.
    func setNetwork(_ words: [String]) -> String {
        guard let first = words.first else { return "ok network " + describe(network) }
        guard let state = NetworkConditions.State(rawValue: first) else {
            return "error unknown network state '\(first.prefix(20))': use up, down or flaky"
        }
        var conditions = network.conditions
        conditions.state = state
        if state == .up { conditions.lossPercent = 0 }
        if state == .flaky, conditions.lossPercent == 0 { conditions.lossPercent = 10 }
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return "error '\(word.prefix(20))': use latency=MS, jitter=MS or loss=PCT" }
            switch parts[0] {
            case "latency", "jitter":
                guard let ms = Int(parts[1]) else { return "error \(parts[0]) is a whole number of milliseconds, not '\(parts[1].prefix(20))'" }
                if parts[0] == "latency" { conditions.latencyMS = ms } else { conditions.jitterMS = ms }
            case "loss":
                guard let percent = Double(parts[1]) else { return "error loss is a percentage, not '\(parts[1].prefix(20))'" }
                conditions.lossPercent = percent
            default:
                return "error unknown network setting '\(parts[0].prefix(20))': use latency, jitter or loss"
            }
        }
        if let problem = conditions.problem { return "error \(problem)" }
        if state != .flaky, conditions.lossPercent > 0 { return "error loss applies to a flaky network: use `network flaky loss=\(conditions.lossPercent)`" }
        network.set(conditions)
        // The link is back: the stored payments leave now, as a terminal's do when it sees its network again, not
        // at the next periodic pass.
        if state != .down { Task { [engine] in await engine.forwardOffline() } }
        return "ok network " + describe(network)
    }

    private func describe(_ link: NetworkLink) -> String {
        let counts = link.counts
        return link.conditions.summary + (link.inOutage ? " outage=scheduled" : "") + " requests=\(counts.requests) lost=\(counts.lost)"
    }
}
