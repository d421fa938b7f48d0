import Foundation

/// A scripted terminal session (docs/scenarios.md): a profile, a data directory, and steps run in order on one
/// terminal without a screen, each step optionally with expectations.
public struct Scenario: Sendable, Equatable {
    public var name: String
    /// The file and the line of the scenario's first key.
    public var file: String
    public var line: Int
    /// Firmware profile id or YAML path (default `countertop`).
    public var profile: String
    /// A data directory to use and keep (relative to the file); nil: a fresh one, removed after the run.
    public var dataDirectory: String?
    /// Seeds the emulated network's randomness (loss, jitter, random outages), so a flaky run replays.
    public var seed: UInt64?
    /// Seconds the terminal waits for an authorization answer before asking the gateway (default 5).
    public var gatewayTimeout: Double?
    public var steps: [Step]
}

/// One step: what to do, and what must then be true.
public struct Step: Sendable, Equatable {
    public var line: Int
    public var action: Action
    public var expect: Expectations
    /// A name later steps use for this step's transaction (`stan: NAME`).
    public var saveAs: String?
    /// How many times the step runs (`repeat: 50`), each time checked.
    public var repeatCount: Int = 1

    /// A short description for reports (`sale 12.00 visa tap`).
    public var summary: String { action.summary + (repeatCount > 1 ? " ×\(repeatCount)" : "") }
}

/// A STAN a step refers to: a number, the last transaction's, or one a step saved (`save_as`).
public enum STANReference: Sendable, Equatable {
    case number(UInt32)
    case last
    case named(String)
}

/// How a card is presented.
public struct Presentation: Sendable, Equatable {
    /// `tap`, `insert` or `swipe`.
    public var mode: String
    public var card: String
    public var pin: String?
    /// The application chosen when the card offers several (its label or 1-based index).
    public var application: String?
}

/// Where in the transaction to kill the terminal (`kill_when`).
public enum KillPoint: String, Sendable, Equatable, CaseIterable {
    case readingCard = "reading_card"
    case pinEntry = "pin_entry"
    case authorizing
    case approved
}

public enum Action: Sendable, Equatable {
    /// `sale`, `preauth` or `refund`, with the card presented at once (or by a later `tap`/`insert`/`swipe` step).
    case transaction(verb: String, amount: String, card: Presentation?, tip: String?, offlineBehavior: String?, of: STANReference?,
                     killWhen: KillPoint?)
    case complete(STANReference, amount: String?)
    case void(STANReference)
    /// A card presented to the transaction waiting for one.
    case present(Presentation)
    /// Keys pressed (digits, E enter, C cancel, B backspace, M menu); `wait` for the transaction's result.
    case keypad(String, wait: Bool)
    /// The card pulled out, at once.
    case removeCard
    /// Waits for the result of the transaction in progress.
    case waitResult
    case network(state: String, latencyMS: Int?, jitterMS: Int?, lossPercent: Double?)
    case battery(String)
    case printer(String)
    /// The terminal dies at once (nothing more is written), and starts again on the same data directory.
    case restart
    /// Until the offline store has forwarded everything (or `timeout` seconds).
    case waitOfflineQueue(timeout: Double)
    case pause(seconds: Double)
    case batch(close: Bool)
    case reprint(STANReference?, copy: String)
    case status
    /// An earlier transaction as the journal has it now (with its gateway object for `expect: gateway:`).
    case inspect(STANReference)

    public var summary: String {
        switch self {
        case .transaction(let verb, let amount, let card, _, let offline, _, let kill):
            [verb, amount, card.map { "\($0.card) \($0.mode)" }, offline, kill.map { "kill when \($0.rawValue)" }].compactMap { $0 }.joined(separator: " ")
        case .complete(let stan, let amount): "complete \(stan.text)" + (amount.map { " \($0)" } ?? "")
        case .void(let stan): "void \(stan.text)"
        case .present(let p): "\(p.mode) \(p.card)"
        case .keypad(let keys, _): "keypad \(keys)"
        case .removeCard: "remove card"
        case .waitResult: "wait for the result"
        case .network(let state, _, _, _): "network \(state)"
        case .battery(let level): "battery \(level)"
        case .printer(let state): "printer \(state)"
        case .restart: "restart"
        case .waitOfflineQueue: "wait for the offline queue"
        case .pause(let s): "pause \(s) s"
        case .batch(let close): close ? "batch close" : "batch report"
        case .reprint(let stan, let copy): "reprint \(stan?.text ?? "last") \(copy)"
        case .status: "status"
        case .inspect(let stan): "inspect \(stan.text)"
        }
    }
}

extension STANReference {
    var text: String {
        switch self {
        case .number(let n): String(format: "%06u", n)
        case .last: "last"
        case .named(let name): name
        }
    }
}
