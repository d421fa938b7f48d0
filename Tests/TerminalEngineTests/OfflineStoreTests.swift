import Foundation
import GRDB
import PaymentCore
import Testing
@testable import TerminalEngine

/// The durable store of payments approved offline: in order, across a reopen, settled once, and a damaged file
/// refused with how to recover.
@Suite struct OfflineStoreTests {
    func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtpe-offline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func payment(_ stan: UInt32, _ minor: Int64, at date: Date) -> OfflineStore.Payment {
        .init(stan: stan, idempotencyKey: "12345678-\(String(format: "%06u", stan))", amount: Money(minorUnits: minor, currency: .eur),
              brand: "visa", last4: "4242", storedAt: date, form: "amount=\(minor)&payment_method_data[card_present][vtpe_ksn]=…")
    }

    @Test func storesInOrderAndSurvivesAReopen() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let store = try OfflineStore(dataDirectory: dir, profileID: "portable")
            for (i, amount) in [1200, 800, 4500].enumerated() { try store.store(payment(UInt32(i + 1), Int64(amount), at: t0.addingTimeInterval(Double(i)))) }
            // One idempotency key, one row: a second store of the same transaction is refused.
            #expect(throws: (any Error).self) { try store.store(payment(1, 1200, at: t0)) }
        }
        let reopened = try OfflineStore(dataDirectory: dir, profileID: "portable")
        let pending = try reopened.pending()
        #expect(pending.map(\.stan) == [1, 2, 3] && pending.map(\.amount) == [1200, 800, 4500])
        #expect(try reopened.queue() == OfflinePolicy.Queue(count: 3, totals: [.eur: 6500], oldest: t0))
        try reopened.settle(id: try #require(pending[0].id), status: .forwarded, paymentIntent: "pi_1", declineCode: nil)
        try reopened.settle(id: try #require(pending[1].id), status: .declined, paymentIntent: "pi_2", declineCode: "insufficient_funds")
        try reopened.attempted(id: try #require(pending[2].id))
        #expect(try reopened.pending().map(\.stan) == [3] && reopened.pending().first?.attempts == 1)
        let all = try reopened.all()
        #expect(all.map(\.status) == [.forwarded, .declined, .pending] && all[1].declineCode == "insufficient_funds" && all[0].paymentIntent == "pi_1")
        #expect(try reopened.queue() == OfflinePolicy.Queue(count: 1, totals: [.eur: 4500], oldest: t0.addingTimeInterval(2)))
    }

    /// The queue's count and totals are kept by the database itself, whatever changes a payment's status.
    @Test func theQueueTotalsFollowEveryStatusChange() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let store = try OfflineStore(dataDirectory: dir, profileID: "portable")
        #expect(try store.queue() == .empty)
        let a = try store.store(payment(1, 1200, at: t0))
        var gbp = payment(2, 700, at: t0.addingTimeInterval(1))
        gbp.currency = "GBP"
        let b = try store.store(gbp)
        _ = try store.store(payment(3, 300, at: t0.addingTimeInterval(2)))
        #expect(try store.queue() == OfflinePolicy.Queue(count: 3, totals: [.eur: 1500, .gbp: 700], oldest: t0))
        // What the engine's event carries before the settle commits: the queue as it will be.
        let expected = try store.queue(settling: [a])
        try store.settle(id: try #require(a.id), status: .forwarded, paymentIntent: "pi_1", declineCode: nil)
        #expect(expected == OfflinePolicy.Queue(count: 2, totals: [.eur: 300, .gbp: 700], oldest: t0.addingTimeInterval(1)))
        #expect(try store.queue() == expected)
        #expect(try store.queue(settling: [b]) == OfflinePolicy.Queue(count: 1, totals: [.eur: 300], oldest: t0.addingTimeInterval(2)))
        // Several settled in one commit (a forwarded batch): all of them out, the oldest left after the last.
        #expect(try store.queue(settling: [b, try #require(store.pending().last)]) == .empty)
        try store.settle(id: try #require(b.id), status: .declined, paymentIntent: nil, declineCode: "do_not_honor")
        // A second settle of a row already out of the queue changes nothing.
        try store.settle(id: try #require(a.id), status: .forwarded, paymentIntent: "pi_1", declineCode: nil)
        #expect(try store.queue() == OfflinePolicy.Queue(count: 1, totals: [.eur: 300], oldest: t0.addingTimeInterval(2)))
        // A pending payment's amount is what the queue counted: changing it is refused.
        let raw = try DatabaseQueue(path: store.path)
        #expect(throws: (any Error).self) { try raw.write { try $0.execute(sql: "UPDATE offline_payments SET amount = 999 WHERE stan = 3") } }
        #expect(try store.queue().totals == [.eur: 300])
    }

    @Test func aDamagedStoreIsRefusedNeverReplaced() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("journal-portable.sqlite")
        try Data("this is not a database, and it holds someone's payments".utf8).write(to: file)
        do {
            _ = try OfflineStore(dataDirectory: dir, profileID: "portable")
            Issue.record("a damaged store was opened")
        } catch {
            #expect("\(error)".contains("journal-portable.sqlite is damaged") && "\(error)".contains("keep it") && "\(error)".contains(".recover"))
        }
        #expect(try Data(contentsOf: file) == Data("this is not a database, and it holds someone's payments".utf8))
    }
}
