import ArgumentParser
import CaisseAP
import Foundation
import Gateway
import NIOCore
import NIOPosix
import PaymentCore

/// `vtpe ecr sale|refund AMOUNT`: a till in a shell. Sends one Caisse-AP request to a payment terminal — ours
/// (`vtpe terminal --ecr caisse-ap`) or a real one on the shop's network — and prints its decoded answer.
/// Exit 0 accepted, 3 refused, 4 not done (abandoned, timed out, not reachable …).
struct ECRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecr",
        abstract: "Act as a till: send a Caisse-AP sale or refund to a payment terminal and print its answer.",
        discussion: """
        Examples:
          vtpe ecr sale 12.34                         a sale on the terminal at 127.0.0.1:8888
          vtpe ecr refund 5 --host 192.168.1.20       a refund on a terminal of the shop's network
          vtpe ecr sale 12,34 --json                  the decoded answer as JSON
        Exit codes: 0 accepted, 3 refused, 4 not done (abandoned, timed out, unreachable, malformed answer).
        """,
        subcommands: [Sale.self, Refund.self])

    struct Sale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sale", abstract: "Ask the terminal for a debit (CD 0).")
        @OptionGroup var options: ECROptions
        func run() async throws { try await options.run(.debit) }
    }

    struct Refund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "refund", abstract: "Ask the terminal for a credit to the card presented (CD 1).")
        @OptionGroup var options: ECROptions
        func run() async throws { try await options.run(.credit) }
    }
}

struct ECROptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The amount in the currency's units, e.g. 12.34 (12,34 works too).", valueName: "amount")) var amount: String
    @Option(help: "The ISO 4217 currency code.") var currency = "EUR"
    @Option(help: "The terminal's address.") var host = "127.0.0.1"
    @Option(help: "The terminal's Caisse-AP port.") var port = 8888
    @Option(help: "The till's number (CA).") var till = "01"
    @Option(help: ArgumentHelp("How long to wait for the terminal's answer, in seconds (the customer may take a while).", valueName: "s")) var timeout = 180.0
    @Flag(help: "Print the answer as JSON.") var json = false

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard (1...8).contains(till.count), till.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw ValidationError("--till is 1 to 8 digits, e.g. 01") }
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }

    func run(_ operation: CaisseAPRequest.Operation) async throws {
        let code = currency.uppercased()
        let money: Money
        do {
            money = try Money.parse(amount.replacingOccurrences(of: ",", with: "."), currency: try Currency(code: code))
        } catch {
            throw ValidationError("invalid amount '\(amount.prefix(20))' in \(code.prefix(3)): \(error)")
        }
        guard money.minorUnits > 0, money.minorUnits <= CaisseAPRequest.maxAmount else {
            throw ValidationError("the amount must be above zero and at most 12 digits in minor units")
        }
        let request = CaisseAPRequest(amount: money.minorUnits, operation: operation, currency: money.currency, till: till)
        let outcome = await CaisseAPTill.send(request.message, host: host, port: port, timeout: .milliseconds(Int64(timeout * 1000)))
        switch outcome {
        case .answer(let answer):
            print(json ? Self.json(answer, money: money) : Self.line(answer, money: money))
            switch answer.status {
            case .done, .accepted: return
            case .notDone: throw ExitCode(answer.failure?.isRefusal ?? true ? 3 : 4)
            }
        case .failed(let reason):
            if json {
                print(JSONValue.object([("status", "not_done"), ("error", .string(reason))]).compactText)
            } else {
                print("NOT_DONE amount=\(money) till=\(till) error=\"\(reason)\"")
            }
            throw ExitCode(4)
        }
    }

    /// `ACCEPTED amount=EUR 12.34 till=01 auth=123456 card=497010######0002 …` / `REFUSED … code=04 (refusé)`.
    static func line(_ answer: CaisseAPAnswer, money: Money) -> String {
        let till = answer.message["CA"] ?? "?"
        switch answer.status {
        case .done:
            var words = ["ACCEPTED", "amount=\(money)", "till=\(till)"]
            if let card = answer.card {
                words += ["auth=\(card.authorization)", "card=\(card.maskedPAN)", "expiry=\(card.expiry)", "aid=\(card.aid)",
                          "application=\(card.applicationCode)", "read=\(Self.readMode(card.readMode))"]
            }
            return words.joined(separator: " ")
        case .accepted:
            return "TAKEN amount=\(money) till=\(till) (the terminal answers at the end of the transaction)"
        case .notDone:
            let failure = answer.failure ?? .refused
            let word = failure.isRefusal ? "REFUSED" : "NOT_DONE"
            return "\(word) amount=\(money) till=\(till) code=\(answer.message["AF"] ?? failure.rawValue) (\(failure.text))"
        }
    }

    static func readMode(_ mode: CaisseAPAnswer.ReadMode) -> String {
        switch mode {
        case .contact: "contact"
        case .contactless: "contactless"
        case .magneticStripe: "magnetic_stripe"
        }
    }

    /// The answer's status and every field it carried.
    static func json(_ answer: CaisseAPAnswer, money: Money) -> String {
        let status = switch answer.status {
        case .done: "accepted"
        case .accepted: "taken"
        case .notDone: (answer.failure ?? .refused).isRefusal ? "refused" : "not_done"
        }
        var fields: [(String, JSONValue)] = [("status", .string(status)), ("amount", .int(money.minorUnits)),
                                             ("currency", .string(money.currency.code.lowercased()))]
        if let failure = answer.failure {
            fields.append(("failure", .object([("code", .string(failure.rawValue)), ("text", .string(failure.text))])))
        }
        fields.append(("fields", .object(answer.message.fields.map { ($0.tag, .string($0.value)) })))
        return JSONValue.object(fields).compactText
    }
}

/// The till's side of one Caisse-AP exchange over TCP: connect, write the request, read until the answer is whole
/// (or the terminal closes the connection), within `timeout`.
enum CaisseAPTill {
    enum Outcome {
        case answer(CaisseAPAnswer)
        case failed(String)
    }

    static func send(_ request: CaisseAPMessage, host: String, port: Int, timeout: Duration) async -> Outcome {
        do {
            return try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask { try await exchange(request, host: host, port: port) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .failed("no answer from \(host):\(port) within \(timeout)")
                }
                let first = try await group.next() ?? .failed("no answer")
                group.cancelAll()
                return first
            }
        } catch {
            return .failed("\(host):\(port): \(Self.explain(error))")
        }
    }

    private static func exchange(_ request: CaisseAPMessage, host: String, port: Int) async throws -> Outcome {
        let bytes = try request.encoded()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var received: [UInt8] = []
            for try await chunk in inbound {
                received += chunk.readableBytesView
                switch CaisseAPMessage.scan(received) {
                case .complete(let message) where message["AE"] != nil:
                    return try decoded(message)
                case .invalid(let error):
                    return .failed("the terminal's answer is malformed: \(error)")
                default:
                    continue
                }
            }
            switch CaisseAPMessage.scan(received) {
            case .complete(let message): return try decoded(message)
            case .incomplete where received.isEmpty: return .failed("the terminal closed the connection without an answer")
            case .incomplete(let offset): return .failed("the terminal's answer stops in the middle of a field (byte \(offset))")
            case .invalid(let error): return .failed("the terminal's answer is malformed: \(error)")
            }
        }
    }

    private static func decoded(_ message: CaisseAPMessage) throws -> Outcome {
        do { return .answer(try CaisseAPAnswer.parse(message)) } catch { return .failed("the terminal's answer is malformed: \(error)") }
    }

    static func explain(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused (is the terminal listening?)" }
        if text.contains("connectTimeout") { return "the connection timed out" }
        return String(text.prefix(200))
    }
}
