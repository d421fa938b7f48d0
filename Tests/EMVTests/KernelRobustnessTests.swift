import Testing
import TestSupport
import PaymentCore
@testable import EMV

/// Removal at every step, malformed card responses, and seeded random responses: every run ends with a reason.
@Suite struct KernelRobustnessTests {
    static let journeys: [(profile: String, mode: CardInterface, amount: Int64)] = [
        ("visa_credit", .contact, 1000), ("visa_credit", .contactless, 1000), ("mastercard_credit", .contact, 10000),
        ("mastercard_credit", .contactless, 10000), ("mastercard_debit", .contact, 1000), ("offline_pin", .contact, 1000),
    ]

    @Test func cardRemovedAtEachStepTerminates() throws {
        for journey in Self.journeys {
            var card = VirtualCard(profile: Fixture.profile(journey.profile))
            let full = drive(Fixture.transaction(journey.amount, journey.mode), card: &card)
            #expect(full.outcome?.decision.isApproved == true)
            for step in full.commands.indices {
                var fresh = VirtualCard(profile: Fixture.profile(journey.profile))
                let run = drive(Fixture.transaction(journey.amount, journey.mode), card: &fresh, respond: { index, _, response in
                    index == step ? nil : response
                })
                #expect(run.outcome?.decision == .terminated(.cardRemoved), "\(journey) removed at command \(step)")
                #expect(run.commands.count == step + 1)
            }
        }
    }

    @Test func cardRemovedWhileWaitingForPeople() throws {
        var kernel = EMVKernel(configuration: Fixture.configuration)
        var card = VirtualCard(profile: Fixture.profile("mastercard_credit"))
        var actions = kernel.handle(.start(Fixture.transaction(10000, .contact)))
        // Answer the card until the kernel asks for the offline PIN.
        while case .transmit(let command)? = actions.first { actions = kernel.handle(.cardResponded(card.process(command))) }
        #expect(actions == [.requestOfflinePIN(triesLeft: 3)])
        guard case .complete(let outcome)? = kernel.handle(.cardRemoved).first else { Issue.record("no outcome"); return }
        #expect(outcome.decision == .terminated(.cardRemoved))
        #expect(kernel.handle(.pinEntered(Fixture.pin)).isEmpty)  // finished kernels ignore late events
    }

    @Test func removalWhileOnlineEndsAContactButNotATap() throws {
        for mode in CardInterface.allCases {
            var kernel = EMVKernel(configuration: Fixture.configuration)
            var card = VirtualCard(profile: Fixture.profile("visa_credit"))
            card.reset(interface: mode)
            var actions = kernel.handle(.start(Fixture.transaction(1000, mode)))
            var request: OnlineRequest?
            while let action = actions.first {
                switch action {
                case .transmit(let command): actions = kernel.handle(.cardResponded(card.process(command)))
                case .requestOnlinePIN: actions = kernel.handle(.pinEntered(Fixture.pin))
                case .goOnline(let online): request = online; actions = []
                default: actions = []
                }
            }
            let online = try #require(request)
            let removed = kernel.handle(.cardRemoved)
            if mode == .contact {
                #expect(removed.count == 1)
                if case .complete(let outcome)? = removed.first { #expect(outcome.decision == .terminated(.cardRemoved)) }
            } else {
                #expect(removed.isEmpty)
                let done = kernel.handle(.onlineResponse(IndependentIssuer().respond(online)))
                if case .complete(let outcome)? = done.first { #expect(outcome.decision == .approvedOnline) } else { Issue.record("no outcome") }
            }
        }
    }

    // MARK: - Malformed responses

    /// Replaces the response to the command at `index` (counted in the visa_credit contact dialogue).
    func run(_ profile: String = "visa_credit", _ mode: CardInterface = .contact, amount: Int64 = 1000, at index: Int, _ replace: @escaping (ResponseAPDU) -> ResponseAPDU) -> KernelDecision? {
        var card = VirtualCard(profile: Fixture.profile(profile))
        return drive(Fixture.transaction(amount, mode), card: &card, respond: { i, _, response in i == index ? replace(response) : response }).outcome?.decision
    }

    static func tlv(_ tag: Tag, _ value: [UInt8]) -> [UInt8] { TLV(tag: tag, value: value).encoded() }

    /// A record template without `tag`.
    static func removing(_ tag: Tag, from response: ResponseAPDU) -> ResponseAPDU {
        guard let template = try? BERTLV.decode(response.data).first else { return response }
        return ResponseAPDU(data: TLV(tag: template.tag, children: template.children.filter { $0.tag != tag }).encoded(), status: .success)
    }

    @Test func truncatedTLVNamesTheTagAndOffset() {
        // Visa contact: index 4 is GET PROCESSING OPTIONS, answered `80 0A <10 bytes>`.
        let decision = run(at: 4) { ResponseAPDU(data: Array($0.data.dropLast(3)), status: .success) }
        #expect(decision == .terminated(.malformedResponse(
            command: .getProcessingOptions,
            detail: "The value of tag 80 is 10 bytes long but only 7 remain; the data is truncated.",
            tagPath: [0x80],
            offset: 2
        )))
        if case .terminated(let reason)? = decision {
            #expect(reason.description == "malformed response to GET PROCESSING OPTIONS: The value of tag 80 is 10 bytes long but only 7 remain; the data is truncated. (tag 80 at byte 2)")
        }
    }

    @Test func missingMandatoryTags() {
        // Mastercard contact: index 4 GPO (format 2), 5 SFI 1 record 1 (57), 6 SFI 2 record 1 (5A), 7 SFI 2 record 2 (8C).
        #expect(run("mastercard_credit", at: 4) { _ in ResponseAPDU(data: Self.tlv(0x77, Self.tlv(0x82, [0x1C, 0x00])), status: .success) }
            == .terminated(.missingData(command: .getProcessingOptions, tag: 0x94)))
        #expect(run("mastercard_credit", at: 5) { Self.removing(0x57, from: $0) } == .terminated(.missingData(command: .readRecord, tag: 0x57)))
        #expect(run("mastercard_credit", at: 6) { Self.removing(0x5A, from: $0) } == .terminated(.missingData(command: .readRecord, tag: 0x5A)))
        #expect(run("mastercard_credit", at: 7) { Self.removing(0x8C, from: $0) } == .terminated(.missingData(command: .readRecord, tag: 0x8C)))
        #expect(run("mastercard_credit", at: 7) { Self.removing(0x8D, from: $0) } == .terminated(.missingData(command: .readRecord, tag: 0x8D)))
        // A tap needs no CDOL2.
        #expect(run("mastercard_credit", .contactless, at: 5) { Self.removing(0x8D, from: $0) } == .approvedOnline)
        // The first GENERATE AC without a cryptogram (Mastercard contact, under the floor limit: index 10).
        #expect(run("mastercard_credit", at: 10) { Self.removing(0x9F26, from: $0) } == .terminated(.missingData(command: .firstGenerateAC, tag: 0x9F26)))
    }

    @Test func badStatusWords() {
        #expect(run(at: 5) { _ in ResponseAPDU(status: .recordNotFound) } == .terminated(.unexpectedStatus(command: .readRecord, .recordNotFound)))
        #expect(run(at: 8) { _ in ResponseAPDU(status: .conditionsNotSatisfied) } == .terminated(.unexpectedStatus(command: .firstGenerateAC, .conditionsNotSatisfied)))
        #expect(run(at: 4) { _ in ResponseAPDU(status: StatusWord(0x6F00)) } == .terminated(.unexpectedStatus(command: .getProcessingOptions, StatusWord(0x6F00))))
        #expect(run(at: 1) { _ in ResponseAPDU(status: StatusWord(0x6D00)) } == .terminated(.unexpectedStatus(command: .readDirectory, StatusWord(0x6D00))))
        #expect(run(.contactless, at: 0) { _ in ResponseAPDU(status: .fileNotFound) } == .terminated(.noCommonApplication))
        // A failing EXTERNAL AUTHENTICATE is not fatal: it sets the TVR bit and the card decides.
        #expect(run(at: 9) { _ in ResponseAPDU(status: StatusWord(0x6300)) } == .approvedOnline)
    }

    func run(_ mode: CardInterface, at index: Int, _ replace: @escaping (ResponseAPDU) -> ResponseAPDU) -> KernelDecision? {
        run("visa_credit", mode, at: index, replace)
    }

    @Test func wrongTags() {
        #expect(run(at: 4) { _ in ResponseAPDU(data: Self.tlv(0x90, [0x01]), status: .success) }
            == .terminated(.malformedResponse(command: .getProcessingOptions, detail: "tag 90 is neither format 1 (80) nor format 2 (77)", tagPath: [0x90], offset: nil)))
        #expect(run(at: 5) { _ in ResponseAPDU(data: Self.tlv(0x77, Self.tlv(0x57, [0x42])), status: .success) }
            == .terminated(.malformedResponse(command: .readRecord, detail: "a record is one 70 template", tagPath: [0x77], offset: nil)))
        #expect(run(at: 3) { _ in ResponseAPDU(data: Self.tlv(0x6F, Self.tlv(0x84, hex("A0000000031010"))), status: .success) }
            == .terminated(.missingData(command: .selectApplication, tag: 0xA5)))
        // The same tag in two records.
        #expect(run(at: 6) { ResponseAPDU(data: Self.tlv(0x70, (try! BERTLV.decode($0.data))[0].value + Self.tlv(0x57, [0x42])), status: .success) }
            == .terminated(.malformedResponse(command: .readRecord, detail: "tag 57 appears in more than one record", tagPath: [0x70, 0x57], offset: nil)))
        // 5A that is not a card number, an AFL that names SFI 0, a CVM list that is not one (ICC data missing).
        if case .terminated(.malformedResponse(.readRecord, _, [0x70, 0x5A], _))? = run(at: 6, { _ in
            ResponseAPDU(data: Self.tlv(0x70, Self.tlv(0x5A, hex("1234")) + Self.tlv(0x5F24, hex("301231"))), status: .success)
        }) {} else { Issue.record("5A not rejected") }
        if case .terminated(.malformedResponse(.getProcessingOptions, _, [0x94], _))? = run(at: 4, { _ in
            ResponseAPDU(data: Self.tlv(0x80, hex("1C00 00010100")), status: .success)
        }) {} else { Issue.record("bad AFL not rejected") }
    }

    @Test func cardMayNotAnswerAboveTheRequestedCryptogram() {
        // Mastercard contact under the floor limit asks for a TC (index 10); the card answers an ARQC: allowed.
        // The terminal asks an ARQC (visa, index 8) and the card answers a TC: not allowed.
        let decision = run(at: 8) { response in
            var data = response.data
            data[2] = 0x40
            return ResponseAPDU(data: data, status: .success)
        }
        #expect(decision == .terminated(.protocolViolation(command: .firstGenerateAC, detail: "the card returned a TC when the terminal asked for an ARQC")))
    }

    // MARK: - Fuzz

    @Test func randomResponsesNeverCrash() {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        var outcomes = 0
        for journey in Self.journeys {
            var reference = VirtualCard(profile: Fixture.profile(journey.profile))
            let steps = drive(Fixture.transaction(journey.amount, journey.mode), card: &reference).commands.count
            for step in 0..<steps {
                for round in 0..<6 {
                    let seed = generator.next()
                    var card = VirtualCard(profile: Fixture.profile(journey.profile))
                    let run = drive(Fixture.transaction(journey.amount, journey.mode), card: &card, respond: { index, _, response in
                        guard index == step else { return response }
                        var random = SeededGenerator(seed: seed)
                        return Self.mutate(response, round: round, using: &random)
                    })
                    #expect(run.outcome != nil, "\(journey) step \(step) round \(round) seed \(seed)")
                    outcomes += run.outcome == nil ? 0 : 1
                }
            }
        }
        #expect(outcomes > 300)
    }

    @Test func randomResponsesThroughoutNeverCrash() {
        var generator = SeededGenerator(seed: 0xC4A0_5EED)
        for round in 0..<400 {
            let journey = Self.journeys[round % Self.journeys.count]
            var random = SeededGenerator(seed: generator.next())
            var card = VirtualCard(profile: Fixture.profile(journey.profile))
            let run = drive(Fixture.transaction(journey.amount, journey.mode), card: &card, respond: { _, _, response in
                Int.random(in: 0..<4, using: &random) == 0 ? Self.mutate(response, round: Int.random(in: 0..<3, using: &random), using: &random) : response
            })
            #expect(run.outcome != nil, "round \(round)")
        }
    }

    /// Random bytes, a truncation, or a few flipped bytes of the real response.
    static func mutate(_ response: ResponseAPDU, round: Int, using random: inout SeededGenerator) -> ResponseAPDU {
        var data = response.data
        switch round % 3 {
        case 0:
            data = (0..<Int.random(in: 0...80, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case 1:
            data = Array(data.prefix(Int.random(in: 0...max(0, data.count), using: &random)))
        default:
            for _ in 0..<3 where !data.isEmpty {
                data[Int.random(in: 0..<data.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        }
        let status = Bool.random(using: &random) ? StatusWord.success : StatusWord(UInt16.random(in: 0...0xFFFF, using: &random))
        return ResponseAPDU(data: data, status: status)
    }

    @Test func randomEventsNeverCrash() {
        var generator = SeededGenerator(seed: 42)
        let events: [KernelEvent] = [
            .cardRemoved, .cancelled, .pinBypassed, .pinEntered(Fixture.pin), .applicationChosen(7), .applicationChosen(-1),
            .onlineResponse(.unableToGoOnline), .onlineResponse(.received(authorisationResponseCode: "0", issuerAuthenticationData: [])),
            .transmissionFailed(EMVError(.cardNotResponding, "mute")), .cardResponded(ResponseAPDU(status: .success)),
            .start(Fixture.transaction(1, .contact)),
        ]
        var transactions = 0
        var completions = 0
        for round in 0..<300 {
            var kernel = EMVKernel(configuration: Fixture.configuration)
            var started = 0, completed = 0
            func feed(_ event: KernelEvent) {
                let wasIdle = kernel.isIdle
                let actions = kernel.handle(event)
                if case .start = event, wasIdle, !actions.isEmpty { started += 1 }
                if wasIdle, case .start = event {} else if wasIdle {
                    // A finished kernel ignores everything but the start of a new transaction.
                    #expect(actions.isEmpty, "round \(round): a finished kernel answered \(event)")
                }
                completed += actions.filter { if case .complete = $0 { true } else { false } }.count
                #expect(actions.filter { if case .complete = $0 { true } else { false } }.count <= 1)
            }
            feed(.start(Fixture.transaction(1000, Bool.random(using: &generator) ? .contact : .contactless)))
            for _ in 0..<12 {
                feed(events[Int.random(in: 0..<events.count, using: &generator)])
            }
            // A kernel still running completes on a cancel: every transaction started ends exactly once.
            if !kernel.isIdle { feed(.cancelled) }
            #expect(kernel.isIdle)
            #expect(completed == started, "round \(round): \(started) transactions, \(completed) outcomes")
            transactions += started
            completions += completed
        }
        #expect(transactions >= 300 && completions == transactions)
    }
}
