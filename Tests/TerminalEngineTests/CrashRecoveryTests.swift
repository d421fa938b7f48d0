import CardReaders
import Foundation
import GRDB
import Logging
import PaymentCore
import Testing
import TestSupport
@testable import TerminalEngine

/// The journal database and what a terminal does at restart with what it left unfinished.
@Suite struct CrashRecoveryTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let eur = { (minor: Int64) in Money(minorUnits: minor, currency: .eur) }
    let visa = CardSummary(brand: .visa, last4: "4242", entryMode: .contact)

    func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func step(_ stan: UInt32, _ kind: TransactionKind, _ action: JournalStep.Action, _ minor: Int64, reference: UInt32? = nil) -> JournalStep {
        JournalStep(stan: stan, idempotencyKey: AuthorizationRequest.idempotencyKey(terminalID: "12345678", stan: stan), kind: kind, action: action,
                    amount: eur(minor), card: visa, reference: reference, recordedAt: t0)
    }

    func stored(_ stan: UInt32, _ status: OfflineStore.Status, intent: String? = nil, decline: String? = nil) -> CrashRecovery.StoredPayment {
        .init(stan: stan, idempotencyKey: AuthorizationRequest.idempotencyKey(terminalID: "12345678", stan: stan), status: status, paymentIntent: intent,
              declineCode: decline, amount: eur(900), card: visa, storedAt: t0)
    }

    @Test func eachUnfinishedTransactionIsResolvedByWhatMayHaveLeft() {
        let finished = JournalEntry(transaction: .sale, amount: eur(500), card: visa, stan: 1, outcome: .approved(paymentIntentID: "pi_1", authorizationCode: "1"),
                                    emv: nil, date: t0, reference: nil)
        let steps = [
            step(1, .sale, .authorizing, 500), // finished: its entry is in the journal
            step(2, .sale, .authorizing, 700), // the request may be at the gateway
            step(3, .sale, .authorizing, 900), step(3, .sale, .storingOffline, 900), // went offline, and the store has it
            step(4, .sale, .storingOffline, 300), // the card approved offline, never stored
            step(5, .refund, .authorizing, 200, reference: 1),
            step(6, .completion, .followingUp, 400, reference: 9),
        ]
        let plan = CrashRecovery.plan(openSteps: steps, journal: BatchJournal(entries: [finished]), offline: [stored(3, .pending)], now: t0)
        #expect(plan.journal.entries.map(\.stan) == [1, 2, 3, 4, 5, 6])
        let byStan = Dictionary(plan.journal.entries.map { ($0.stan, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byStan[1] == finished)
        #expect(byStan[2]?.status == .failed && byStan[2]?.outcomeText == "interrupted: the terminal restarted; reversed if the gateway approved it")
        #expect(byStan[3]?.status == .approved && byStan[3]?.offline == .stored && byStan[3]?.authorizationCode == "Y3" && byStan[3]?.amount == eur(900))
        #expect(byStan[4]?.status == .failed && byStan[4]?.outcomeText == "interrupted before it was kept offline: nothing was taken")
        #expect(byStan[5]?.status == .inDoubt && byStan[5]?.reference == 1 && byStan[5]?.kind == .refund)
        #expect(byStan[6]?.status == .inDoubt && byStan[6]?.kind == .completion)
        #expect(plan.inquiries == [
            .init(key: "12345678-000002", reason: CrashRecovery.interruptedSale),
            .init(key: "12345678-000005", reason: TransactionStateMachine.refundInquiry),
            .init(key: "12345678-000006", reason: TransactionStateMachine.refundInquiry),
        ])
        #expect(plan.notes.count == 5)
        // Totals count none of the unfinished ones but the offline approval.
        #expect(plan.journal.totals == [BatchTotal(currency: "EUR", brand: "visa", type: "sale", count: 2, amount: 1400)])
    }

    @Test func offlineEntriesCatchUpWithTheStore() {
        let entry = JournalEntry(transaction: .sale, amount: eur(900), card: visa, stan: 3, outcome: .approvedOffline(authorizationCode: "Y3"),
                                 emv: nil, date: t0, reference: nil)
        #expect(entry.offline == .stored)
        var second = entry
        second.stan = 4
        let plan = CrashRecovery.plan(openSteps: [], journal: BatchJournal(entries: [entry, second]),
                                      offline: [stored(3, .forwarded, intent: "pi_3"), stored(4, .declined, intent: "pi_4", decline: "insufficient_funds")], now: t0)
        #expect(plan.journal.entry(3)?.offline == .forwarded && plan.journal.entry(3)?.gatewayID == "pi_3")
        #expect(plan.journal.entry(4)?.offline == .declined && plan.journal.entry(4)?.status == .declined && plan.journal.entry(4)?.captured == nil)
        #expect(plan.inquiries.isEmpty)
        // Nothing to do after a clean stop.
        #expect(!CrashRecovery.plan(openSteps: [], journal: plan.journal, offline: [stored(3, .forwarded, intent: "pi_3")], now: t0).changed)
    }

    /// The database applies the plan once: the entry, the reversal owed, and the steps closed.
    @Test func recoveryIsAppliedOnceInOneTransaction() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let db = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
            try db.save(TerminalIdentity(terminalID: "12345678", nextSTAN: 3))
            try db.record(step(2, .sale, .authorizing, 700))
        }
        let db = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
        #expect(try db.openSteps().map(\.stan) == [2])
        #expect(try db.recover(now: t0) == ["STAN 000002: interrupted while authorizing; the gateway is asked and any approval reversed"])
        #expect(try db.batch().entry(2)?.status == .failed)
        #expect(try db.reversals().map(\.key) == ["12345678-000002"] && db.reversals().first?.reason == CrashRecovery.interruptedSale)
        #expect(try db.openSteps().isEmpty)
        #expect(try db.recover(now: t0).isEmpty, "a second start finds nothing unfinished")
        #expect(try db.identity() == TerminalIdentity(terminalID: "12345678", nextSTAN: 3))
        // Saving a journal that holds a transaction closes its steps in the same commit.
        try db.record(step(3, .sale, .authorizing, 100))
        var journal = try db.batch()
        journal.entries.append(JournalEntry(transaction: .sale, amount: eur(100), card: visa, stan: 3, outcome: .approved(paymentIntentID: "pi_3", authorizationCode: "1"),
                                            emv: nil, date: t0, reference: nil))
        try db.save(journal)
        #expect(try db.openSteps().isEmpty)
    }

    @Test func aDamagedJournalStopsTheTerminalAndSaysHowToRecover() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
        try db.save(BatchJournal(number: 4, entries: [JournalEntry(transaction: .sale, amount: eur(100), card: visa, stan: 3,
                                                                   outcome: .approved(paymentIntentID: "pi_3", authorizationCode: "1"), emv: nil, date: t0, reference: nil)]))
        #expect(try TerminalDatabase(dataDirectory: dir, profileID: "countertop").batch().entries.map(\.stan) == [3])
        try db.queue.write { try $0.execute(sql: "UPDATE batch_entries SET document = '{broken' WHERE stan = 3") }
        do {
            _ = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
            Issue.record("a damaged journal was opened")
        } catch {
            let text = "\(error)"
            #expect(text.contains("journal-countertop.sqlite is damaged") && text.contains("the terminal will not start"))
            #expect(text.contains("sqlite3 \(dir.path)/journal-countertop.sqlite .recover"))
        }
    }

    /// A journal of the first layout (the batch as one JSON document) is migrated to one row per transaction.
    @Test func theFirstJournalLayoutIsMigrated() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let entry = JournalEntry(transaction: .sale, amount: eur(100), card: visa, stan: 3, outcome: .approved(paymentIntentID: "pi_3", authorizationCode: "1"),
                                 emv: nil, date: t0, reference: nil)
        let document = String(decoding: try TerminalDatabase.encoder.encode(BatchJournal(number: 6, entries: [entry], closedSTANs: [1, 2])), as: UTF8.self)
        do {
            let old = try DatabaseQueue(path: TerminalDatabase.file(in: dir, profileID: "countertop").path)
            try old.write { db in
                try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v1')")
                try db.execute(sql: "CREATE TABLE terminal (id INTEGER PRIMARY KEY, terminal_id TEXT NOT NULL, next_stan INTEGER NOT NULL)")
                try db.execute(sql: "CREATE TABLE batch (id INTEGER PRIMARY KEY, document TEXT NOT NULL)")
                try db.execute(sql: "INSERT INTO batch VALUES (1, ?)", arguments: [document])
                try db.execute(sql: "CREATE TABLE steps (id INTEGER PRIMARY KEY AUTOINCREMENT, stan INTEGER NOT NULL, idempotency_key TEXT NOT NULL, document TEXT NOT NULL, open BOOLEAN NOT NULL)")
                try db.execute(sql: "CREATE TABLE reversals (key TEXT PRIMARY KEY, payment_intent TEXT, reason TEXT NOT NULL, created DATETIME NOT NULL, attempts INTEGER NOT NULL)")
                try db.execute(sql: "CREATE TABLE offline_payments (id INTEGER PRIMARY KEY AUTOINCREMENT, stan INTEGER NOT NULL, idempotency_key TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL, currency TEXT NOT NULL, brand TEXT NOT NULL, last4 TEXT NOT NULL, entry_mode TEXT, stored_at DATETIME NOT NULL, form TEXT NOT NULL, status TEXT NOT NULL, payment_intent TEXT, decline_code TEXT, attempts INTEGER NOT NULL)")
                for (stan, amount, currency, status) in [(4, 1200, "EUR", "forwarded"), (5, 800, "EUR", "pending"), (6, 4500, "GBP", "pending"), (7, 300, "EUR", "pending")] {
                    try db.execute(sql: "INSERT INTO offline_payments (stan, idempotency_key, amount, currency, brand, last4, stored_at, form, status, attempts) VALUES (?, ?, ?, ?, 'visa', '4242', ?, 'f', ?, 0)",
                                   arguments: [stan, "k\(stan)", amount, currency, t0.addingTimeInterval(Double(stan)), status])
                }
            }
        }
        let db = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
        #expect(try db.batch() == BatchJournal(number: 6, entries: [entry], closedSTANs: [1, 2]))
        // The offline queue's totals (migration v3) start from the pending rows already there.
        #expect(try OfflineStore(db).queue() == OfflinePolicy.Queue(count: 3, totals: [.eur: 1100, .gbp: 4500], oldest: t0.addingTimeInterval(5)))
    }

    /// Files of earlier versions are taken in once, then renamed.
    @Test func earlierFilesAreImportedOnce() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"terminal_id": "11223344", "next_stan": 42}"#.utf8).write(to: dir.appendingPathComponent("terminal-countertop.json"))
        try Data(#"{"number": 7, "entries": [], "closedSTANs": [1, 2]}"#.utf8).write(to: dir.appendingPathComponent("batch-countertop.json"))
        try Data(#"[{"key": "11223344-000040", "reason": "answer lost", "created": 800000000, "attempts": 2}]"#.utf8)
            .write(to: dir.appendingPathComponent("reversals-countertop.json"))
        let db = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
        #expect(try db.identity() == TerminalIdentity(terminalID: "11223344", nextSTAN: 42))
        #expect(try db.batch() == BatchJournal(number: 7, closedSTANs: [1, 2]))
        #expect(try db.reversals().map(\.key) == ["11223344-000040"])
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".imported") }.sorted()
        #expect(names == ["batch-countertop.json.imported", "reversals-countertop.json.imported", "terminal-countertop.json.imported"])
    }

    /// An engine killed while its authorization is out: the step is on disk, and the next start reverses it.
    @Test func aTerminalKilledWhileAuthorizingReversesAtRestart() async throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = SimulatedCardReader()
        let gateway = RecordingGateway(answer: .approved(paymentIntentID: "pi_never_seen", authorizationCode: "1"))
        await gateway.set(whileAuthorizing: { try? await Task.sleep(for: .seconds(30)) })
        do {
            let db = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
            let engine = TerminalEngine(profile: try countertop(), identity: TerminalIdentity(terminalID: "87654321", nextSTAN: 5), database: db,
                                        gateway: gateway, dataDirectory: dir, readerName: reader.name, logger: Logger(label: "t"))
            for key in "1200" { await engine.send(.keyPressed(.digit(key.wholeNumberValue!))) }
            await engine.send(.keyPressed(.enter))
            await engine.send(.cardPresented(try reader.presentation(of: reader.card(for: "mastercard"), mode: .contactless)))
            // The step is written before the phase shows (and before the request leaves); the process dies here.
            _ = try await within("the authorization") { await engine.waitUntil { if case .authorizing = $0.snapshot.phase { true } else { false } } }
        }
        let db = try TerminalDatabase(dataDirectory: dir, profileID: "countertop")
        #expect(try db.openSteps().map(\.idempotencyKey) == ["87654321-000005"])
        #expect(try db.identity().nextSTAN == 6, "the STAN was saved before the request left")
        _ = try db.recover(now: Date())
        #expect(try db.batch().entry(5)?.status == .failed)
        #expect(try db.reversals().map(\.key) == ["87654321-000005"])
    }
}
