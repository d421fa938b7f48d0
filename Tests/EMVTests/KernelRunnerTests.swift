import Testing
import PaymentCore
@testable import EMV

/// A channel that pulls the card out of its slot after a number of commands.
actor RemovingChannel: CardChannel {
    let slot: VirtualCardChannel
    let removeAfter: Int
    var sent = 0

    init(slot: VirtualCardChannel, removeAfter: Int) {
        self.slot = slot
        self.removeAfter = removeAfter
    }

    func transmit(_ command: CommandAPDU) async throws(EMVError) -> ResponseAPDU {
        if sent == removeAfter { await slot.remove() }
        sent += 1
        return try await slot.transmit(command)
    }
}

@Suite struct KernelRunnerTests {
    static func runner(_ channel: any CardChannel, online: @escaping KernelRunner.Authorizer = { IndependentIssuer().respond($0) }) -> KernelRunner {
        KernelRunner(
            configuration: Fixture.configuration,
            channel: channel,
            chooseApplication: { _ in 0 },
            readPIN: { _ in Fixture.pin },
            authorize: online
        )
    }

    @Test func runsAContactTransactionThroughAChannel() async throws {
        let channel = VirtualCardChannel(card: VirtualCard(profile: Fixture.profile("mastercard_credit")), interface: .contact)
        let outcome = await Self.runner(channel).run(Fixture.transaction(10000, .contact))
        #expect(outcome.decision == .approvedOnline)
        #expect(await channel.exchanges.count == 12)
        #expect(await channel.card.atc == 33)
    }

    @Test func runsATap() async throws {
        let channel = VirtualCardChannel(card: VirtualCard(profile: Fixture.profile("mastercard_contactless_only")), interface: .contactless)
        let outcome = await Self.runner(channel).run(Fixture.transaction(10000, .contactless))
        #expect(outcome.decision == .approvedOnline)
        #expect(outcome.cardholderVerification == .consumerDevice)
    }

    @Test func removalMidDialogueTerminates() async throws {
        for removeAfter in 0..<11 {
            let slot = VirtualCardChannel(card: VirtualCard(profile: Fixture.profile("visa_credit")), interface: .contact)
            let outcome = await Self.runner(RemovingChannel(slot: slot, removeAfter: removeAfter)).run(Fixture.transaction(1000, .contact))
            #expect(outcome.decision == .terminated(.cardRemoved), "removed after \(removeAfter) commands")
        }
    }

    @Test func cardholderCancelsAtApplicationChoice() async {
        for answer in [nil, 5] as [Int?] {
            let channel = VirtualCardChannel(card: VirtualCard(profile: Fixture.profile("mastercard_debit")), interface: .contact)
            let runner = KernelRunner(
                configuration: Fixture.configuration, channel: channel, chooseApplication: { _ in answer },
                readPIN: { _ in Fixture.pin }, authorize: { _ in .unableToGoOnline }
            )
            #expect(await runner.run(Fixture.transaction(1000, .contact)).decision == .terminated(.cancelled))
        }
    }

    @Test func tappingAContactOnlyCard() async {
        let channel = VirtualCardChannel(card: VirtualCard(profile: Fixture.profile("offline_pin")), interface: .contactless)
        let outcome = await Self.runner(channel).run(Fixture.transaction(1000, .contactless))
        #expect(outcome.decision == .terminated(.communicationFailed("the card does not answer on the contactless interface")))
    }

    @Test func observerSeesEveryStep() async {
        let channel = VirtualCardChannel(card: VirtualCard(profile: Fixture.profile("visa_credit")), interface: .contactless)
        let log = Log()
        let runner = KernelRunner(
            configuration: Fixture.configuration, channel: channel, readPIN: { _ in nil },
            authorize: { IndependentIssuer().respond($0) }, observe: { _, actions in log.append(actions.count) }
        )
        _ = await runner.run(Fixture.transaction(1000, .contactless))
        #expect(log.count == 9)  // start, 7 responses, online answer
    }
}

/// A tiny thread-safe counter for the observer test.
final class Log: Sendable {
    private let storage = Mutex<[Int]>([])
    func append(_ value: Int) { storage.withLock { $0.append(value) } }
    var count: Int { storage.withLock { $0.count } }
}

import Synchronization
